"""The callback survey by SMS (回访): sent when a unit replies, answered by the citizen's reply."""
