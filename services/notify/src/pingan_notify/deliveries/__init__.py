"""Deliveries: one row per (trigger event, recipient, channel), written by the handlers and sent
by the worker, with the policies (quiet hours, rate limits, budget) and the retry schedule."""
