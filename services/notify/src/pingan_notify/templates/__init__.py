"""Message templates: the versioned Chinese texts per event and channel, rendered strictly,
listed and previewed under /v1/templates."""
