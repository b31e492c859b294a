"""Screening rounds (排查) on the real database: opened on schedule by an injected clock, once
even when two replicas run the scheduler at the same instant; reports once per unit; the
ledger per township with the units that have not reported, as JSON and CSV."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import datetime

from pingan_common.events.mediation import ScreeningRoundOpened, ScreeningRoundReported
from pingan_mediation.screening.rounds import open_due_rounds


async def _open(mediation, at: str) -> int:  # type: ignore[no-untyped-def]
    runtime = mediation.service.runtime
    return await open_due_rounds(runtime.sessions, runtime.outbox, datetime.fromisoformat(at))


async def _rounds(cases):  # type: ignore[no-untyped-def]
    response = await cases.mediation.client.get(
        "/v1/screening/rounds", headers=cases.headers(cases.COUNTY, "admin")
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_rounds_open_on_schedule_once_each_and_the_ledger_shows_who_reported(cases):
    mediation = cases.mediation
    opened = await asyncio.gather(
        _open(mediation, "2026-12-07T09:00:00+08:00"), _open(mediation, "2026-12-07T09:00:00+08:00")
    )
    assert sum(opened) == 3  # the week, the fortnight, the month — by one replica only
    assert await _open(mediation, "2026-12-08T09:00:00+08:00") == 0
    assert await _open(mediation, "2026-12-14T09:00:00+08:00") == 1  # next week only
    rounds = await _rounds(cases)
    assert sorted(r["level"] for r in rounds) == ["county", "township", "village", "village"]
    opened_events = await mediation.scalar(
        "SELECT count(*) FROM outbox WHERE event_type = :t", t=ScreeningRoundOpened.event_type()
    )
    assert opened_events == 4

    week = next(r for r in rounds if r["level"] == "village" and r["period_start"] == "2026-12-07")
    assert "331199001001-TWH" in week["assignee_units"]
    assert len(week["assignee_units"]) == 48
    path = f"/v1/screening/rounds/{week['id']}/reports"
    form = {"items": [{"kind": "dispute", "description": "3组两户宅基地边界争执"}]}
    mine = cases.headers(cases.MEDIATOR1)
    first = await mediation.client.post(path, json=form, headers=mine)
    again = await mediation.client.post(path, json={"items": []}, headers=mine)
    county = next(r for r in rounds if r["level"] == "county")
    not_asked = await mediation.client.post(
        f"/v1/screening/rounds/{county['id']}/reports", json={"items": []}, headers=mine
    )

    assert first.status_code == 201, first.text
    assert first.json()["disputes_found"] == 1
    assert again.status_code == 409
    assert not_asked.status_code == 404  # a round that neither covers nor asks you: not there
    reported = await mediation.scalar(
        "SELECT count(*) FROM outbox WHERE event_type = :t", t=ScreeningRoundReported.event_type()
    )
    assert reported == 1

    params = {"area_code": "331199001", "from": "2026-12-07", "to": "2026-12-13"}
    leader = cases.headers(cases.LEADER, "leader")
    as_json = await mediation.client.get("/v1/screening/ledger", params=params, headers=leader)
    as_csv = await mediation.client.get(
        "/v1/screening/ledger", params={**params, "format": "csv"}, headers=leader
    )
    rows = as_json.json()["rows"]
    assert {r["unit_code"][:9] for r in rows} == {"331199001"}
    (done,) = [r for r in rows if r["status"] == "reported"]
    assert (done["unit_code"], done["disputes_found"]) == ("331199001001-TWH", 1)
    assert "宅基地" in done["items"]
    assert any(r["unit_code"] == "331199001-TC" and r["status"] == "missing" for r in rows)
    assert len(list(csv.DictReader(io.StringIO(as_csv.text)))) == len(rows)


async def test_a_campaign_is_opened_by_a_leader_not_by_a_mediator(cases):
    body = {
        "title": "春节前矛盾纠纷集中排查",
        "area_code": "331199001",
        "period_start": "2027-01-25",
        "period_end": "2027-02-05",
    }

    by_mediator = await cases.mediation.client.post(
        "/v1/screening/rounds", json=body, headers=cases.headers(cases.MEDIATOR1)
    )
    by_leader = await cases.mediation.client.post(
        "/v1/screening/rounds", json=body, headers=cases.headers(cases.LEADER, "leader")
    )

    assert by_mediator.status_code == 403
    assert by_leader.status_code == 201, by_leader.text
    campaign = by_leader.json()
    assert campaign["level"] == "campaign"
    assert all(u.startswith("331199001") for u in campaign["assignee_units"])
