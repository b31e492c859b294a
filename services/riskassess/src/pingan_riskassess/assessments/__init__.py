"""Stability assessments (重大事项社会稳定风险评估): register a matter, conclude with the experts'
scores, record mitigations with owners and dates, and the decision gate."""
