"""The case lifecycle over REST, on the real database and broker: registration at the desk,
every path from acceptance to closing, and every refusal (role 403, area 404, owner 403,
state 409 with the allowed actions, content 422, stale version 412)."""

from __future__ import annotations

from pingan_common.events.mediation import (
    CaseAgreementReached,
    CaseClosed,
    CaseDeclined,
    CaseEscalated,
    CaseMediatorAssigned,
    CaseRegistered,
    CaseRiskSignal,
    CaseSessionHeld,
    CaseSessionScheduled,
    CaseWithdrawn,
)


async def test_a_walk_in_is_registered_at_the_village_committee_with_its_parties(cases):
    response = await cases.register(key="walk-in-0001")

    assert response.status_code == 201, response.text
    case = response.json()
    assert case["state"] == "registered"
    assert case["source"] == "walk_in"
    assert case["level"] == "village"
    assert case["committee_code"] == "331199001001-TWH"
    assert case["ticket_id"] is None
    assert [p["role"] for p in case["parties"]] == ["applicant", "respondent"]
    assert case["parties"][0]["phone"] == "13812345678"  # the committee's own mediator
    assert case["allowed_actions"] == ["accept", "decline", "add-party", "withdraw"]
    assert [e["action"] for e in case["timeline"]] == ["register"]
    assert await cases.published(case, CaseRegistered.event_type()) == 1


async def test_a_retried_registration_answers_the_first_case_and_another_body_is_refused(cases):
    body = cases.walk_in()
    first = await cases.register(body, key="walk-in-retry")
    again = await cases.register(body, key="walk-in-retry")
    other = await cases.register(cases.walk_in(), key="walk-in-retry")

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 422)
    assert again.json()["id"] == first.json()["id"]


async def test_registration_refuses_a_missing_respondent_an_unnumbered_referral_and_other_areas(
    cases,
):
    lone = cases.walk_in(parties=[cases.walk_in()["parties"][0]] * 2)
    court = cases.walk_in(source="court")
    elsewhere = cases.walk_in(area_code="331199003001")

    assert (await cases.register(lone)).status_code == 422
    assert (await cases.register(court)).status_code == 422
    assert (await cases.register(elsewhere)).status_code == 403
    grid_worker = cases.mediation.headers("grid_worker")
    refused = await cases.mediation.client.post(
        "/v1/cases", json=cases.walk_in(), headers=grid_worker
    )
    assert refused.status_code == 403


async def test_a_land_dispute_is_decided_for_the_township_center_by_the_level_rules(cases):
    case = await cases.new(cases.walk_in(dispute_kind="land"))

    assert case["level"] == "township"
    assert case["committee_code"] == "331199001-TC"
    assert case["level_rule"].startswith("TOWNSHIP-KIND@")


async def test_a_case_goes_from_registration_to_a_performed_agreement_and_closes(cases):
    case = await cases.new()
    accepted = await cases.ok(case, "accept")
    assert accepted["state"] == "accepted" and accepted["accepted_at"]

    assigned = await cases.ok(case, "assign")
    assert assigned["state"] == "mediating"
    assert assigned["mediator_id"] == "mediator1"  # the committee's neighbour-dispute specialist

    scheduled = await cases.ok(
        case,
        "schedule-session",
        {"place": "幸福社区调解室", "starts_at": "2026-12-03T09:30:00+08:00"},
    )
    assert scheduled["sessions"][0]["state"] == "scheduled"
    held = await cases.ok(
        case,
        "record-session",
        {"outcome": "progress", "attendance": ["王建华", "李明"], "record": "双方同意赔偿"},
    )
    assert held["sessions"][0]["state"] == "held"

    agreed = await cases.ok(case, "record-agreement", cases.AGREEMENT)
    assert agreed["state"] == "agreed"
    assert [t["state"] for t in agreed["terms"]] == ["pending", "pending"]
    assert (
        agreed["confirmation_due_on"] == "2027-01-04"
    )  # 1 Jan is a holiday, the 2nd-3rd a weekend
    assert "close" not in agreed["allowed_actions"]

    not_yet = await cases.act(case, "close")
    assert not_yet.status_code == 409
    assert not_yet.json()["allowed_actions"] == ["record-followup"]

    await cases.ok(case, "record-followup", {"term_no": 1, "performed": True, "note": "款已付"})
    half = await cases.ok(
        case, "record-followup", {"term_no": 2, "performed": False, "note": "未道歉"}
    )
    assert [t["state"] for t in half["terms"]] == ["performed", "pending"]
    assert len(half["followups"]) == 2
    await cases.ok(case, "record-followup", {"term_no": 2, "performed": True, "note": "已当面道歉"})
    closed = await cases.ok(case, "close")

    assert closed["state"] == "closed"
    assert closed["outcome"] == "performed"
    assert closed["allowed_actions"] == []
    actions = [e["action"] for e in closed["timeline"]]
    assert actions[:6] == [
        "register",
        "accept",
        "assign",
        "schedule-session",
        "record-session",
        "record-agreement",
    ]
    assert actions[-1] == "close"
    for event in (
        CaseMediatorAssigned,
        CaseSessionScheduled,
        CaseSessionHeld,
        CaseAgreementReached,
        CaseClosed,
    ):
        assert await cases.published(case, event.event_type()) == 1, event


async def test_a_failed_case_is_referred_to_the_court_and_closes_as_referred(cases):
    case = await cases.mediating()
    await cases.ok(case, "record-failure", {"reason": "双方分歧过大"})

    referred = await cases.ok(
        case, "refer", {"route": "litigation", "receiving_body": "青山县人民法院"}
    )
    closed = await cases.ok(referred, "close")

    assert referred["state"] == "referred"
    assert closed["outcome"] == "referred"
    assert "青山县人民法院" in closed["outcome_summary"]


async def test_a_declined_case_is_closed_with_its_reason(cases):
    case = await cases.new()

    declined = await cases.ok(case, "decline", {"reason_code": "in_court", "reason": "已起诉"})

    assert declined["state"] == "declined"
    assert declined["outcome"] == "declined"
    assert await cases.published(case, CaseDeclined.event_type()) == 1
    assert await cases.published(case, CaseClosed.event_type()) == 1


async def test_the_applicant_may_withdraw_while_the_mediation_runs(cases):
    case = await cases.mediating()

    withdrawn = await cases.ok(case, "withdraw", {"reason": "双方已自行和解"})

    assert withdrawn["state"] == "withdrawn"
    assert withdrawn["outcome"] == "withdrawn"
    assert await cases.published(case, CaseWithdrawn.event_type()) == 1


async def test_a_case_escalates_from_village_to_township_to_county_and_no_further(cases):
    case = await cases.mediating()
    await cases.ok(
        case, "schedule-session", {"place": "村调解室", "starts_at": "2026-12-05T09:00:00+08:00"}
    )

    township = await cases.ok(case, "escalate", {"reason": "涉及多户"})
    assert (township["level"], township["committee_code"]) == ("township", "331199001-TC")
    assert township["state"] == "accepted" and township["mediator_id"] is None
    assert [s["state"] for s in township["sessions"]] == ["cancelled"]
    county = await cases.ok(case, "escalate", {"reason": "乡镇调处不成"}, who=cases.MEDIATOR2)
    assert (county["level"], county["committee_code"]) == ("county", "331199-D-SF")

    beyond = await cases.act(case, "escalate", {"reason": "再上报"}, who=cases.COUNTY, role="admin")
    assert beyond.status_code == 409
    assert await cases.published(case, CaseEscalated.event_type()) == 2


async def test_the_one_extension_moves_the_deadline_and_a_second_is_refused(cases):
    case = await cases.mediating()

    extended = await cases.ok(case, "extend", {"reason": "等待伤情鉴定"})
    again = await cases.act(case, "extend", {"reason": "再等等"})

    assert extended["due_at"] > case["due_at"]
    assert extended["extension_count"] == 1
    assert again.status_code == 409
    assert "extend" not in again.json()["allowed_actions"]


async def test_a_leader_takes_the_case_and_is_shown_on_it_and_may_run_it(cases):
    case = await cases.mediating()

    led = await cases.ok(case, "take-lead", {"note": "领导包案"}, who=cases.LEADER, role="leader")
    scheduled = await cases.act(
        case,
        "schedule-session",
        {"place": "县矛调中心", "starts_at": "2026-12-04T09:00:00+08:00"},
        who=cases.LEADER,
        role="leader",
    )

    assert led["leader_id"] == "leader1"
    assert led["leader_name"]
    assert scheduled.status_code == 200, scheduled.text


async def test_an_operator_may_read_a_case_but_not_act_on_it(cases):
    case = await cases.new()

    read = await cases.get(case, who=cases.COUNTY, role="operator")
    refused = await cases.act(case, "accept", who=cases.COUNTY, role="operator")

    assert read.status_code == 200
    assert read.json()["allowed_actions"] == []
    assert read.json()["parties"][0]["phone"] == "138****5678"  # masked for the operator
    assert read.json()["parties"][0]["id_number"] == "331***********1234"
    assert refused.status_code == 403


async def test_another_villages_mediator_neither_sees_nor_acts_on_the_case(cases):
    case = await cases.new()

    # As if the case were not there: a refusal tells nothing of another village's case.
    assert (await cases.get(case, who=cases.MEDIATOR3)).status_code == 404
    assert (await cases.act(case, "accept", who=cases.MEDIATOR3)).status_code == 404
    listed = await cases.mediation.items("/v1/cases", claims=cases.MEDIATOR3, source="walk_in")
    assert case["id"] not in [c["id"] for c in listed]


async def test_only_the_cases_mediator_runs_its_sessions(cases):
    case = await cases.mediating()

    township_staff = await cases.act(
        case,
        "schedule-session",
        {"place": "调解室", "starts_at": "2026-12-03T09:30:00+08:00"},
        who=cases.MEDIATOR2,
    )

    assert township_staff.status_code == 403
    assert "mediator1" in township_staff.json()["detail"]
    # but the township center's staff see the parties masked
    seen = (await cases.get(case, who=cases.MEDIATOR2)).json()
    assert seen["parties"][0]["phone"] == "138****5678"


async def test_an_action_the_state_does_not_allow_is_refused_with_the_allowed_actions(cases):
    case = await cases.new()

    refused = await cases.act(case, "close")

    assert refused.status_code == 409
    problem = refused.json()
    assert problem["state"] == "registered"
    assert problem["allowed_actions"] == ["accept", "decline", "add-party", "withdraw"]


async def test_recording_a_session_that_was_never_scheduled_is_refused(cases):
    case = await cases.mediating()

    refused = await cases.act(case, "record-session", {"outcome": "progress", "record": "未开会"})

    assert refused.status_code == 409
    assert "schedule" in refused.json()["detail"]


async def test_content_that_does_not_allow_the_action_is_refused_with_the_field(cases):
    case = await cases.mediating()
    early = {**cases.AGREEMENT, "terms": [{**cases.AGREEMENT["terms"][0], "due_on": "2026-11-01"}]}
    nobody = {**cases.AGREEMENT, "terms": [{**cases.AGREEMENT["terms"][0], "obligor_party": 9}]}

    too_early = await cases.act(case, "record-agreement", early)
    no_party = await cases.act(case, "record-agreement", nobody)
    stranger = await cases.act(case, "assign", {"mediator_id": "mediator4"})
    unknown = await cases.act(case, "assign", {"mediator_id": "nobody"})

    assert too_early.status_code == 422
    assert too_early.json()["errors"][0]["field"] == "body.terms.0.due_on"
    assert no_party.status_code == 422
    assert stranger.status_code == 422  # mediator4 works in 西湖镇, not here
    assert unknown.status_code == 422
    assert (await cases.get(case)).json()["state"] == "mediating"  # nothing changed


async def test_staff_may_name_the_mediator_instead_of_the_rules(cases):
    case = await cases.new()
    await cases.ok(case, "accept")

    assigned = await cases.ok(case, "assign", {"mediator_id": "mediator2", "reason": "疑难"})

    assert assigned["mediator_id"] == "mediator2"
    assert assigned["timeline"][-1]["details"]["chosen_by"] == "staff"


async def test_a_stale_version_is_refused(cases):
    case = await cases.new()
    await cases.ok(case, "accept")

    stale = await cases.act(case, "assign", {}, **{"If-Match": f'W/"{case["version"]}"'})

    assert stale.status_code == 412


async def test_a_court_referral_gets_30_days_and_30_more(cases):
    case = await cases.new(cases.walk_in(source="court", referral_ref="(2026)浙1199诉前调88号"))
    accepted = await cases.ok(case, "accept")

    assert accepted["court_referred"] is True
    extended = await cases.ok(accepted, "extend", {"reason": "当事人申请延长"})
    assert extended["extension_count"] == 1


async def test_two_failed_sessions_then_a_threat_raise_the_signals(cases):
    case = await cases.mediating()

    await cases.session(case, "failed")
    assert await cases.published(case, CaseRiskSignal.event_type()) == 0
    await cases.session(case, "failed")
    assert await cases.published(case, CaseRiskSignal.event_type()) == 1  # repeated failure
    await cases.session(case, "progress", threat_recorded=True)

    assert await cases.published(case, CaseRiskSignal.event_type()) == 2
    reasons = await cases.mediation.scalar(
        "SELECT string_agg(payload->'data'->>'reason', ',' ORDER BY id) FROM outbox"
        " WHERE event_type = :type AND payload->>'subject' = :case",
        type=CaseRiskSignal.event_type(),
        case=case["id"],
    )
    assert reasons == "repeated_failure,threat_in_session"


async def test_one_failed_session_then_an_agreement_raise_no_signal(cases):
    case = await cases.mediating()

    await cases.session(case, "failed")
    await cases.ok(case, "record-agreement", cases.AGREEMENT)

    assert await cases.published(case, CaseRiskSignal.event_type()) == 0


async def test_the_mediators_list_shows_specialties_and_load(cases):
    await cases.mediating()

    items = await cases.mediation.items("/v1/mediators", claims=cases.MEDIATOR1)

    (mine,) = [m for m in items if m["id"] == "mediator1"]
    assert "neighbour" in mine["specialties"]
    assert mine["load"] >= 1


async def test_a_party_with_prior_violence_raises_the_signal_at_registration(cases):
    parties = [
        {**cases.walk_in()["parties"][0]},
        {**cases.walk_in()["parties"][1], "prior_violence": True},
    ]

    case = await cases.new(cases.walk_in(parties=parties))

    assert case["parties"][1]["prior_violence"] is True
    reason = await cases.mediation.scalar(
        "SELECT payload->'data'->>'reason' FROM outbox WHERE event_type = :type"
        " AND payload->>'subject' = :case",
        type=CaseRiskSignal.event_type(),
        case=case["id"],
    )
    assert reason == "prior_violence"


async def test_full_contact_reads_are_audited_and_masked_reads_are_not(cases):
    case = await cases.new()  # the registration's answer is a full read by mediator1

    await cases.get(case)  # mediator1 again, in full
    await cases.get(case, who=cases.COUNTY, role="operator")  # masked

    readers = await cases.mediation.scalar(
        "SELECT string_agg(reader || ':' || purpose, ',' ORDER BY id) FROM contact_reads"
        " WHERE case_id = :case",
        case=case["id"],
    )
    assert readers == "mediator1:case_detail,mediator1:case_detail"
