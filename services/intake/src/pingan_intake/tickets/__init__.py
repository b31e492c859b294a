"""Stored tickets: reads, search, CSV export, masking and the audit of clear reads, closing, and
the runner of operator actions."""
