"""dispatch pages."""
