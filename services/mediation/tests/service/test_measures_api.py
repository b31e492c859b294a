"""The mediation measures over REST, on this module's own database: three cases registered
today — one agreed and performed, one failed and referred, one not started."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from uuid import UUID, uuid4

from pingan_common.county_time import COUNTY_TZ
from pingan_common.events.notify import SurveyAnswered, SurveyAnsweredData
from pingan_common.testing.services import eventually


def _survey_answer(case: dict, verdict: str) -> SurveyAnswered:
    """Notify's survey of a closed case names the case's id in its task column."""
    ticket_id = uuid4()
    return SurveyAnswered.create(
        SurveyAnsweredData(
            survey_id=uuid4(),
            ticket_id=ticket_id,
            ticket_number="QS20261202000001",
            task_id=UUID(case["id"]),
            verdict=verdict,
            raw_reply="2",
            answered_at=datetime.now(UTC),
        ),
        subject=case["id"],
        correlationid=str(ticket_id),
    )


async def test_the_measures_count_success_village_share_and_referrals_as_json_and_csv(cases):
    agreed = await cases.mediating()
    await cases.ok(agreed, "record-agreement", cases.AGREEMENT)
    await cases.ok(agreed, "record-followup", {"term_no": 1, "performed": True, "note": "已付"})
    await cases.ok(agreed, "record-followup", {"term_no": 2, "performed": True, "note": "已道歉"})
    await cases.ok(agreed, "close")
    answer = _survey_answer(agreed, "basically_satisfied")
    await cases.mediation.send(answer)
    await eventually(lambda: cases.mediation.consumed(answer.id))
    failed = await cases.mediating(cases.walk_in(dispute_kind="debt"))
    await cases.ok(failed, "record-failure", {"reason": "分歧过大"})
    await cases.ok(failed, "refer", {"route": "litigation", "receiving_body": "青山县人民法院"})
    await cases.new()
    today = datetime.now(COUNTY_TZ).date().isoformat()
    headers = cases.headers(cases.LEADER, "leader")
    params = {"from": today, "to": today, "group_by": "county"}

    response = await cases.mediation.client.get("/v1/measures", params=params, headers=headers)
    as_csv = await cases.mediation.client.get(
        "/v1/measures", params={**params, "format": "csv"}, headers=headers
    )

    assert response.status_code == 200, response.text
    (county,) = response.json()["groups"]
    assert county["key"] == "331199"
    assert (county["cases"], county["concluded"], county["agreements"]) == (3, 2, 1)
    assert county["success_rate"] == 0.5
    assert county["village_share"] == 1.0
    assert county["referrals"] == 1
    assert county["terms_on_time_rate"] == 1.0
    assert county["by_kind"] == {"debt": 1, "neighbour": 2}
    assert county["by_source"] == {"walk_in": 3}
    assert (county["surveyed"], county["satisfaction_rate"]) == (1, 1.0)  # 基本满意 counts
    (row,) = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert (row["key"], row["cases"], row["success_rate"]) == ("331199", "3", "0.5")
    assert row["satisfaction_rate"] == "1.0"


async def test_measures_are_for_staff_who_judge_the_work(cases):
    operator = cases.headers(cases.COUNTY, "operator")

    response = await cases.mediation.client.get(
        "/v1/measures", params={"from": "2026-12-01", "to": "2026-12-31"}, headers=operator
    )

    assert response.status_code == 403
