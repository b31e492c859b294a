"""Notify's Prometheus metrics (defined once per process)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DELIVERIES = Counter(
    "pingan_notify_deliveries_total",
    "Delivery outcomes by channel and status (queued, sent, delivered, failed, dead_lettered)",
    ["channel", "status"],
)
SEND_LATENCY = Histogram(
    "pingan_notify_send_latency_seconds",
    "From the triggering event's time to the successful send, by channel",
    ["channel"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
)
SMS_SEGMENTS = Counter("pingan_notify_sms_segments_total", "Billed SMS segments sent")
SMS_BUDGET_USED = Gauge(
    "pingan_notify_sms_budget_used_segments", "SMS segments used today (county time)"
)
SMS_BUDGET_LIMIT = Gauge("pingan_notify_sms_budget_limit_segments", "Daily SMS budget")
SMS_BUDGET_NEAR = Gauge("pingan_notify_sms_budget_near", "1 when today's usage passed the alert")
STREAM_CLIENTS = Gauge("pingan_notify_stream_clients", "Connected live-stream clients")
