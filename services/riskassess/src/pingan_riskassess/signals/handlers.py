"""The signal rules evaluated as events arrive; each lands on the alert of its subject.

* a call (``ticket.registered``, ``ticket.split``): recorded in ``contacts``, then the threat,
  repeat-caller, group, gathering and spike rules over the facts it joins;
* a 民转刑 sign (mediation's ``case.risk_signal``): on the case's alert, and kept so that a
  threat by a party of the case raises that alert to red;
* dispatch's tasks: recorded in ``task_facts``; an overdue or escalated task on a sensitive
  matter is a signal on its ticket.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from uuid import UUID, uuid5

from pingan_common.bus.consumer import HandlerContext
from pingan_common.events.dispatch import TaskCreated, TaskEscalated, TaskOverdue
from pingan_common.events.envelope import EventEnvelope
from pingan_common.events.intake import TicketRegistered, TicketSplit
from pingan_common.events.mediation import CaseRiskSignal
from pingan_common.events.values import RiskLevel
from pingan_common.lifecycle import SYSTEM
from pingan_riskassess.alerts.work import ALERTS, AlertWork, Lead, Subject, apply_signals
from pingan_riskassess.models import CaseSignalFact, Contact, TaskFact
from pingan_riskassess.signals import facts, rules
from pingan_riskassess.signals.rules import Signal
from pingan_riskassess.signals.ruleset import RuleSet, default_rules

# Where a case alert's ticket id comes from when mediation names no ticket.
_CASE_NAMESPACE = UUID("3b0e2c7a-51f4-4d8e-9a1c-7e5d2f4b6a90")


def _work(ctx: HandlerContext, event: EventEnvelope) -> AlertWork:
    return AlertWork(ALERTS, ctx.session, ctx.outbox, ctx.clock(), SYSTEM, event)


async def screen_call(event: TicketRegistered | TicketSplit, ctx: HandlerContext) -> None:
    ruleset = default_rules()
    data = event.data
    contact = await facts.record_contact(ctx.session, event.id, data, ruleset)
    now = data.registered_at
    lead = Lead(data.ticket_id, data.ticket_number, data.area_code)
    work = _work(ctx, event)
    for subject, signals in (await _signals_of_call(ctx, event, contact, ruleset)).items():
        await apply_signals(work, subject, signals, lead, rules=ruleset, day=facts.county_day(now))


async def _signals_of_call(
    ctx: HandlerContext, event: TicketRegistered | TicketSplit, contact: Contact, ruleset: RuleSet
) -> dict[Subject, list[Signal]]:
    data = event.data
    now = data.registered_at
    found: dict[Subject, list[Signal]] = {}

    def add(subject: Subject, signal: Signal | None) -> None:
        if signal is not None:
            found.setdefault(subject, []).append(signal)

    caller = Subject("caller", contact.phone_hash) if contact.phone_hash else None
    threat = rules.threat(
        event_id=event.id,
        group=data.category.group.value,
        label=data.category.label,
        risk_level=data.risk_level,
        rules=ruleset,
    )
    if threat is not None:
        add(await _threat_subject(ctx, event, caller, threat, ruleset, found), threat)
    if caller is not None and contact.phone_hash is not None:
        window = timedelta(days=ruleset.repeat_caller.window_days)
        calls = await facts.calls_of_caller(ctx.session, contact.phone_hash, now - window)
        calls = [c if c.event_id != event.id else _with_repeat(c, data.repeat_count) for c in calls]
        add(caller, rules.repeat_caller(calls, now, ruleset))
    for person in await facts.key_persons_named(ctx.session, data):
        add(
            Subject("key_person", person.ref),
            rules.key_person_involved(
                event_id=event.id,
                rating=RiskLevel(person.risk_rating),
                rules=ruleset,
            ),
        )
    await _group_signals(ctx, contact, now, ruleset, add)
    await _spike_signal(ctx, contact, data.category.label, ruleset, add)
    return found


def _with_repeat(fact: rules.ContactFact, repeat_count: int) -> rules.ContactFact:
    return replace(fact, repeat_count=repeat_count)


async def _threat_subject(
    ctx: HandlerContext,
    event: TicketRegistered | TicketSplit,
    caller: Subject | None,
    threat: Signal,
    ruleset: RuleSet,
    found: dict[Subject, list[Signal]],
) -> Subject:
    """A threat by a party of a case with 民转刑 signs lands on the case, raised to red;
    else on the caller, else on the ticket."""
    data = event.data
    if caller is not None:
        since = data.registered_at - timedelta(days=ruleset.case_risk.threat_after_case_days)
        cases = await facts.case_signals_of_caller(ctx.session, caller.ref, since)
        if cases:
            case = cases[-1]
            subject = Subject("case", str(case.case_id))
            found.setdefault(subject, []).append(
                rules.threat_after_case(
                    threat_event_id=event.id,
                    case_event_ids=[c.event_id for c in cases if c.case_id == case.case_id],
                    case_number=case.case_number,
                    rules=ruleset,
                )
            )
            return subject
        return caller
    return Subject("ticket", str(data.ticket_id))


async def _group_signals(ctx, contact: Contact, now, ruleset: RuleSet, add) -> None:
    group = ruleset.group_precursor
    if contact.category_group not in group.groups:
        return
    since = now - timedelta(hours=max(group.window_hours, ruleset.gathering.window_hours))
    if contact.place_key is not None:
        kind, _, name = contact.place_key.partition(":")
        subject = Subject(kind, contact.place_key)
        calls = await facts.calls_about_place(ctx.session, contact.place_key, since, group.groups)
        place = name.split("@")[0]
    elif contact.category_group == "petition_group" and contact.village_code:
        subject = Subject("place", contact.village_code)
        calls = await facts.calls_in_village(ctx.session, contact.village_code, since, group.groups)
        place = f"村（社区）{contact.village_code}"
    else:
        return
    add(subject, rules.group_precursor(calls, now, ruleset, place=place))
    add(subject, rules.gathering(calls, now, ruleset, place=place))


async def _spike_signal(ctx, contact: Contact, label: str, ruleset: RuleSet, add) -> None:
    """A spike lands on the alert of the employer or place the call is about when it has one
    (thirty workers of one factory are one matter, not two), else on the township's category."""
    if contact.category_code is None or contact.township_code is None:
        return
    if contact.category_group in ruleset.spike.exclude_groups:
        return
    day = facts.county_day(contact.occurred_at)
    today, baseline, ids = await facts.daily_counts(
        ctx.session, contact.category_code, contact.township_code, day, ruleset.spike.baseline_weeks
    )
    signal = rules.spike(
        today=today,
        baseline=baseline,
        label=label,
        area=contact.township_code,
        event_ids=ids,
        rules=ruleset,
    )
    if signal is None:
        return
    if contact.place_key is not None and contact.category_group in ruleset.group_precursor.groups:
        kind = contact.place_key.partition(":")[0]
        add(Subject(kind, contact.place_key), signal)
    else:
        add(
            Subject("place", f"spike:{contact.category_code}@{contact.township_code}:{day}"), signal
        )


async def on_case_risk_signal(event: CaseRiskSignal, ctx: HandlerContext) -> None:
    ruleset = default_rules()
    data = event.data
    ctx.session.add(
        CaseSignalFact(
            event_id=event.id,
            case_id=data.case_id,
            case_number=data.case_number,
            ticket_id=data.ticket_id,
            reason=data.reason,
            occurred_at=data.raised_at,
        )
    )
    signal = rules.case_risk(
        event_id=event.id, reason=data.reason, evidence=data.evidence, rules=ruleset
    )
    if rules.rank(data.level_hint) > rules.rank(signal.level):
        signal = Signal(
            signal.rule,
            RiskLevel(data.level_hint),
            signal.evidence + f"（调解建议{data.level_hint.value}级）",
            signal.score,
            signal.event_ids,
            signal.rules_version,
        )
    lead = Lead(
        data.ticket_id or uuid5(_CASE_NAMESPACE, str(data.case_id)),
        data.case_number,
        data.area_code,
    )
    await apply_signals(
        _work(ctx, event),
        Subject("case", str(data.case_id)),
        [signal],
        lead,
        rules=ruleset,
        day=facts.county_day(data.raised_at),
    )


async def on_task_created(event: TaskCreated, ctx: HandlerContext) -> None:
    data = event.data
    if await ctx.session.get(TaskFact, data.task_id) is not None:
        return
    ctx.session.add(
        TaskFact(
            task_id=data.task_id,
            ticket_id=data.ticket_id,
            kind=data.kind,
            alert_id=data.alert_id,
            category_group=data.category.group.value,
            category_code=data.category.code,
            area_code=data.area_code,
            created_at=data.created_at,
        )
    )


async def on_task_late(event: TaskOverdue | TaskEscalated, ctx: HandlerContext) -> None:
    data = event.data
    task = await ctx.session.get(TaskFact, data.task_id)
    if task is None or task.kind != "ticket" or data.deadline != "handle":
        return
    ruleset = default_rules()
    signal = rules.sensitive_overdue(
        event_id=event.id,
        group=task.category_group,
        label=task.category_code or task.category_group,
        escalated=isinstance(event, TaskEscalated),
        rules=ruleset,
    )
    await apply_signals(
        _work(ctx, event),
        Subject("ticket", str(data.ticket_id)),
        [signal] if signal else [],
        Lead(data.ticket_id, data.ticket_number, data.area_code),
        rules=ruleset,
        day=facts.county_day(data.occurred_at),
    )
