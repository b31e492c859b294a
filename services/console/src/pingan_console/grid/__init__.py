"""grid pages."""
