"""The organisation's own settings, kept by the beheerder."""
