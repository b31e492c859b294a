"""A scheduled session names the parties notify should text (those who gave a phone) by their
reference, never with the number — on the real database."""

from __future__ import annotations

from pingan_common.events.mediation import CaseSessionScheduled

SCHEDULED = CaseSessionScheduled.model_fields["type"].default


async def test_a_scheduled_session_names_only_the_parties_with_a_phone(cases):
    applicant, respondent = cases.walk_in()["parties"]
    case = await cases.mediating(cases.walk_in(parties=[applicant, {**respondent, "phone": None}]))

    await cases.ok(
        case,
        "schedule-session",
        {"place": "幸福社区调解室", "starts_at": "2026-12-03T09:30:00+08:00"},
    )

    data = await _scheduled_data(cases, case)
    assert data["notify_party_refs"] == [case["parties"][0]["ref"]]
    assert applicant["phone"] not in str(data)


async def test_every_party_with_a_phone_is_named_in_the_order_of_the_case_file(cases):
    case = await cases.mediating()

    await cases.ok(
        case,
        "schedule-session",
        {"place": "幸福社区调解室", "starts_at": "2026-12-03T09:30:00+08:00"},
    )

    data = await _scheduled_data(cases, case)
    assert data["notify_party_refs"] == [party["ref"] for party in case["parties"]]


async def _scheduled_data(cases, case):  # type: ignore[no-untyped-def]
    rows = await cases.mediation.scalar(
        "SELECT json_agg(payload->'data') FROM outbox WHERE event_type = :type"
        " AND payload->>'subject' = :case_id",
        type=SCHEDULED,
        case_id=case["id"],
    )
    assert rows and len(rows) == 1, rows
    return rows[0]
