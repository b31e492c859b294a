"""The key-person registry (重点人员), as riskassess lets the user read it."""
