"""Input made safe before anything stores it: text, phones, resident IDs, body size."""
