"""Calls about one matter: repeat calls (重复来电) and merged callers (并单) — the pure rules, the
registration gate, and an operator's merge and split."""
