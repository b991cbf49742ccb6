"""Pure MT940/MT942 logic: statement blocks through the mt-940 library, structured :86: details."""
