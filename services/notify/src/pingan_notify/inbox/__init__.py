"""The in-app inbox: what a user sees (their own items, their unit's, their role's in their
areas), read marks shared per item, and acknowledgement of alerts."""
