"""Webhooks: admins' subscriptions to event types, each delivery signed and sent through the
endpoint's circuit breaker; every consumed event but the directory may be subscribed to."""
