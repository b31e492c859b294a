"""Demo data for the local stack and tests; nothing here runs in production."""
