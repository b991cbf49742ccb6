"""Pure logic of risk screening: list parsers, name normalisation, matching, fraud rules."""
