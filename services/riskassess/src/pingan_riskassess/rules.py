"""Signal rules over a registered ticket: threat words and intake's own risk flag.

Pure functions: a ticket's text and category in, zero or more signals and a level out.
Threats to life or to society are red; threats of revenge or petitions to Beijing orange.
"""

from __future__ import annotations

from dataclasses import dataclass

from pingan_common.events import RiskLevel, TicketRegisteredData

LEVEL_ORDER = (RiskLevel.BLUE, RiskLevel.YELLOW, RiskLevel.ORANGE, RiskLevel.RED)

THREAT_WORDS: dict[str, RiskLevel] = {
    "自杀": RiskLevel.RED,
    "跳楼": RiskLevel.RED,
    "跳河": RiskLevel.RED,
    "不想活": RiskLevel.RED,
    "同归于尽": RiskLevel.RED,
    "报复社会": RiskLevel.RED,
    "炸了": RiskLevel.RED,
    "砍人": RiskLevel.RED,
    "报复": RiskLevel.ORANGE,
    "扬言": RiskLevel.ORANGE,
    "进京上访": RiskLevel.ORANGE,
    "进京": RiskLevel.ORANGE,
    "上访": RiskLevel.YELLOW,
    "聚集": RiskLevel.YELLOW,
    "拉横幅": RiskLevel.YELLOW,
}


@dataclass(frozen=True)
class Signal:
    rule: str
    evidence: str
    level: RiskLevel


@dataclass(frozen=True)
class Assessment:
    level: RiskLevel
    signals: tuple[Signal, ...]

    @property
    def notify_roles(self) -> list[str]:
        """Red and orange reach the leader on duty at once; the analyst sees every alert."""
        if self.level in (RiskLevel.RED, RiskLevel.ORANGE):
            return ["leader", "analyst"]
        return ["analyst"]

    @property
    def summary(self) -> str:
        return "；".join(f"{s.rule}: {s.evidence}" for s in self.signals)


def assess(ticket: TicketRegisteredData) -> Assessment | None:
    signals = [*_threat_signals(ticket.description), *_intake_flag(ticket)]
    if not signals:
        return None
    level = max((s.level for s in signals), key=LEVEL_ORDER.index)
    return Assessment(level=level, signals=tuple(signals))


def _threat_signals(text: str) -> list[Signal]:
    found = [word for word in THREAT_WORDS if word in text]
    # "进京上访" already covers "进京" and "上访": report the longest phrase only.
    found = [w for w in found if not any(w != other and w in other for other in found)]
    return [Signal("threat_words", word, THREAT_WORDS[word]) for word in found]


def _intake_flag(ticket: TicketRegisteredData) -> list[Signal]:
    if ticket.risk_level is None:
        return []
    return [Signal("intake_classification", ticket.category.label, ticket.risk_level)]
