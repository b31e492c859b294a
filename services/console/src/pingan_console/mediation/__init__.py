"""mediation pages."""
