"""What a ticket is about: the taxonomy, the phrase rules and the model that classify text, the
classify endpoint and operators' corrections (改类) kept as training data."""
