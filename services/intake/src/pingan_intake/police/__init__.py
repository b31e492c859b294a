"""12345–110 linkage: police matters handed to 110, and 110's transfers answered when they close."""
