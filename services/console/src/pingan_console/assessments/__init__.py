"""Stability risk assessments (社会稳定风险评估), as riskassess answers them."""
