"""bigscreen pages."""
