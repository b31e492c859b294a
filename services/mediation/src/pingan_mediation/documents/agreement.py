"""The mediation agreement (人民调解协议书): what it says, before any layout (``agreement_pdf``
prints it).

What the People's Mediation Law asks of it: the parties, the main facts and the points in
dispute, the terms agreed with how and by when each is performed, the signatures of the parties
and the mediator with the committee's seal, and — our notice — the 30-day window in which the
parties may jointly apply to the court for 司法确认.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

ROLE_LABELS = {"applicant": "申请人", "respondent": "被申请人", "other": "其他当事人"}
CHINESE_NUMBERS = "一二三四五六七八九十"


@dataclass(frozen=True)
class PartyLine:
    role: str
    name: str
    id_number: str | None
    phone: str | None
    address: str | None


@dataclass(frozen=True)
class TermLine:
    obligor: str
    description: str
    amount: Decimal | None
    due_on: date


@dataclass(frozen=True)
class AgreementDocument:
    case_number: str
    committee_name: str
    mediator_name: str
    dispute_label: str
    facts: str
    parties: list[PartyLine]
    terms: list[TermLine]
    signed_at: datetime
    confirmation_due_on: date


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def ordinal(number: int) -> str:
    if number <= 10:
        return CHINESE_NUMBERS[number - 1]
    tens, ones = divmod(number, 10)
    return (
        ("" if tens == 1 else CHINESE_NUMBERS[tens - 1])
        + "十"
        + (CHINESE_NUMBERS[ones - 1] if ones else "")
    )


def yuan(amount: Decimal) -> str:
    return f"人民币{amount:,.2f}元"


def term_text(number: int, term: TermLine) -> str:
    amount = f"{yuan(term.amount)}，" if term.amount else ""
    due = chinese_date(term.due_on)
    return f"{ordinal(number)}、{term.obligor}{term.description}，{amount}于{due}前履行完毕。"
