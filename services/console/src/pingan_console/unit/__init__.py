"""unit pages."""
