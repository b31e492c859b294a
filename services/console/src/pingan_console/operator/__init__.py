"""operator pages."""
