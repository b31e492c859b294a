"""The 民转刑 signs mediation watches for, pure: what a session's record, the count of failed
sessions or a breached term say about a case turning violent. Each reason is raised once per
case; riskassess decides the warning."""

from __future__ import annotations

from dataclasses import dataclass

from pingan_common.events.mediation import RiskSignalReason
from pingan_common.events.values import RiskLevel

FAILED_SESSIONS_LIMIT = 2


@dataclass(frozen=True)
class Signal:
    reason: RiskSignalReason
    level_hint: RiskLevel
    evidence: str


def session_signals(
    *,
    failed_sessions: int,
    threat: bool,
    violence: bool,
    already: frozenset[str] | set[str] = frozenset(),
) -> list[Signal]:
    """The signs a held session adds; ``already`` holds the reasons raised before."""
    found: list[Signal] = []
    if failed_sessions >= FAILED_SESSIONS_LIMIT:
        found.append(
            Signal(
                "repeated_failure",
                RiskLevel.YELLOW,
                f"调解已失败{failed_sessions}次，矛盾未化解",
            )
        )
    if threat:
        found.append(Signal("threat_in_session", RiskLevel.ORANGE, "调解会上一方有扬言威胁"))
    if violence:
        found.append(Signal("violence_in_session", RiskLevel.RED, "调解会上发生肢体冲突"))
    return [signal for signal in found if signal.reason not in already]


def prior_violence_signal() -> Signal:
    return Signal("prior_violence", RiskLevel.ORANGE, "当事人有暴力前科记录")


def breach_signal(term_no: int) -> Signal:
    return Signal("term_breached", RiskLevel.YELLOW, f"调解协议第{term_no}项到期未履行")
