"""A party's clear phone is read with the notify service's key only (for the session-notice SMS
at send time), audited with the reason; staff tokens, other keys and no key get nothing."""

from __future__ import annotations

NOTIFY_KEY = {"X-API-Key": "pingan-notify-key-0001"}  # the local stack's public notify key
CONTACT = "/v1/cases/{id}/parties/{ref}/contact"


async def test_the_notify_key_reads_a_partys_phone_and_the_read_is_audited(cases, mediation):
    case = await cases.new()

    response = await mediation.client.get(
        CONTACT.format(id=case["id"], ref="P2"),
        params={"reason": "session_notice_sms"},
        headers=NOTIFY_KEY,
    )

    assert response.status_code == 200, response.text
    contact = response.json()
    assert contact["phone"] == "+8613987654321"
    assert contact["name"] == "李明"
    assert contact["case_number"] == case["case_number"]
    audited = await mediation.scalar(
        "SELECT purpose FROM contact_reads WHERE case_id = :id AND reader = 'client:notify'",
        id=case["id"],
    )
    assert audited == "session_notice_sms"


async def test_a_mediators_token_does_not_read_contacts_this_way(cases, mediation):
    case = await cases.new()

    response = await mediation.client.get(
        CONTACT.format(id=case["id"], ref="P1"),
        params={"reason": "look"},
        headers=cases.headers(cases.MEDIATOR1),
    )

    assert response.status_code == 403
    # The party's number, not its prefix: the request id and URL in the problem are random hex.
    assert "13812345678" not in response.text


async def test_another_key_or_no_key_is_refused(cases, mediation):
    case = await cases.new()
    url = CONTACT.format(id=case["id"], ref="P1")

    wrong = await mediation.client.get(
        url, params={"reason": "x1"}, headers={"X-API-Key": "pingan-demo-key-0001"}
    )
    none = await mediation.client.get(url, params={"reason": "x1"})

    assert wrong.status_code == 401
    assert none.status_code == 401


async def test_an_unknown_party_or_case_is_a_404_and_a_missing_reason_a_422(cases, mediation):
    case = await cases.new()

    party = await mediation.client.get(
        CONTACT.format(id=case["id"], ref="P9"), params={"reason": "x1"}, headers=NOTIFY_KEY
    )
    unknown = await mediation.client.get(
        CONTACT.format(id="01a2374e-53bf-72e5-a99c-adb4d4595b3f", ref="P1"),
        params={"reason": "x1"},
        headers=NOTIFY_KEY,
    )
    no_reason = await mediation.client.get(
        CONTACT.format(id=case["id"], ref="P1"), headers=NOTIFY_KEY
    )

    assert party.status_code == 404
    assert unknown.status_code == 404
    assert no_reason.status_code == 422
