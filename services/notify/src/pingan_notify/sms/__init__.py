"""SMS: the provider adapters (Aliyun- and Tencent-style), segment counting, one send attempt
with its policies, and the provider's callbacks (citizens' replies, delivery receipts)."""
