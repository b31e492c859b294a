"""Risk alerts (预警) on the lifecycle engine: one open alert per subject, its level rising with
new signals; acknowledged, verified (核查) and handled or dismissed; the acknowledgement
scanner that re-notifies and escalates."""
