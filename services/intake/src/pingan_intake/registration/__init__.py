"""Registering a ticket from any channel: one pipeline of stages (see ``pipeline.register``)."""
