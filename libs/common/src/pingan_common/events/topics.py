"""Kafka topic names (fixed by ARCHITECTURE.md) and the dead-letter naming rule."""

INTAKE_TICKETS = "intake.tickets.v1"
DISPATCH_TASKS = "dispatch.tasks.v1"
DISPATCH_DIRECTORY = "dispatch.directory.v1"
MEDIATION_CASES = "mediation.cases.v1"
RISKASSESS_ALERTS = "riskassess.alerts.v1"
RISKASSESS_ASSESSMENTS = "riskassess.assessments.v1"
NOTIFY_DELIVERIES = "notify.deliveries.v1"

ALL_TOPICS = (
    INTAKE_TICKETS,
    DISPATCH_TASKS,
    DISPATCH_DIRECTORY,
    MEDIATION_CASES,
    RISKASSESS_ALERTS,
    RISKASSESS_ASSESSMENTS,
    NOTIFY_DELIVERIES,
)
COMPACTED_TOPICS = frozenset({DISPATCH_DIRECTORY})


def dead_letter_topic(topic: str, group: str) -> str:
    return f"{topic}.dlq.{group}"
