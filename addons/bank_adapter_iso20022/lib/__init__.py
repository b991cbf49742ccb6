"""Pure ISO 20022 logic: camt and pain.002 readers, the pain.001 writer, bank profiles."""
