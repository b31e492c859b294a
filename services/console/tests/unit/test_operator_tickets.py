"""The ticket pages' plain parts: the search form as intake's query, the timeline and facts,
and the subcategory list from intake's service list."""

from __future__ import annotations

import pytest

from pingan_console.tickets.catalog import grouped, subcategories_of
from pingan_console.tickets.formatting import (
    category_text,
    county_time,
    detail_facts,
    status_text,
    timeline_rows,
)
from pingan_console.tickets.search import (
    PHONE_REASON,
    BadSearch,
    SearchForm,
    form_query,
    intake_params,
    is_ticket_number,
    page_size,
)


def test_county_days_become_instants_and_the_phone_carries_its_reason() -> None:
    form = SearchForm.of(
        {"date_from": "2026-12-01", "date_to": "2026-12-02", "phone": "139 1234 5678",
         "status": "closed", "group": "", "ignored": "x"}
    )  # fmt: skip
    params = intake_params(form, cursor="abc", limit=5)
    assert params == {
        "status": "closed",
        "limit": 5,
        "from": "2026-12-01T00:00:00+08:00",
        "to": "2026-12-03T00:00:00+08:00",
        "caller_phone": "139 1234 5678",
        "reason": PHONE_REASON,
        "cursor": "abc",
    }
    assert intake_params(SearchForm()) == {"limit": 20}


def test_a_bad_date_range_is_refused_in_words() -> None:
    with pytest.raises(BadSearch, match="结束日期早于开始日期"):
        intake_params(SearchForm(date_from="2026-12-02", date_to="2026-12-01"))
    with pytest.raises(BadSearch, match="开始日期"):
        intake_params(SearchForm(date_from="12/01/2026"))


def test_paging_links_and_sizes() -> None:
    form = SearchForm(status="registered", code="gas_leak")
    assert form_query(form, cursor="c1") == "status=registered&code=gas_leak&cursor=c1"
    assert form_query(form, cursor="") == "status=registered&code=gas_leak"
    assert SearchForm().empty and not form.empty
    assert page_size("") == 20 and page_size("2") == 2 and page_size("999") == 100
    assert page_size("0") == 1
    assert is_ticket_number("QS20261202000021") and not is_ticket_number("QS-1")


def test_timeline_rows_are_oldest_first_in_county_time() -> None:
    rows = timeline_rows(
        [
            {"at": "2026-12-02T07:20:00Z", "service": "dispatch", "step": "task_assigned",
             "summary": "已派单：城关街道"},
            {"at": "2026-12-02T07:19:30Z", "service": "intake", "step": "registered",
             "summary": "受理登记"},
        ]
    )  # fmt: skip
    assert [(r.at, r.service, r.summary) for r in rows] == [
        ("2026-12-02 15:19:30", "受理", "受理登记"),
        ("2026-12-02 15:20:00", "派单", "已派单：城关街道"),
    ]
    assert county_time(None) == "—"


def test_the_timeline_names_the_units_notify_told_not_their_codes() -> None:
    names = {"331199001003-CWH": "府前社区居民委员会", "331199-D-CG": "县城管局"}
    rows = timeline_rows(
        [
            {"at": "2026-12-02T07:20:00Z", "service": "notify",
             "summary": "已通知 331199001003-CWH：新派工单 QS20261202000001"},
            {"at": "2026-12-02T07:21:00Z", "service": "notify",
             "summary": "已通知 331199-D-CG、331199009-XX：催办"},
        ],
        names.get,
    )  # fmt: skip
    assert [r.summary for r in rows] == [
        "已通知 府前社区居民委员会：新派工单 QS20261202000001",
        "已通知 县城管局、331199009-XX：催办",  # a code the county does not know stays
    ]


def test_status_category_and_facts_read_as_chinese() -> None:
    ticket = {
        "ticket_number": "QS20261202000021",
        "status": "closed",
        "resolution": "answered",
        "channel": "hotline_12345",
        "category": {"group": "consultation", "code": "policy", "label": "政策咨询"},
        "urgency": "normal",
        "dispositions": ["answer"],
        "risk_level": None,
        "caller": {"name": "王**", "phone": "138****8000"},
        "location": {"address": None, "area_code": "331199", "resolved": False},
        "reported_at": "2026-12-02T07:19:30Z",
        "registered_at": "2026-12-02T07:19:30Z",
        "closed_at": None,
    }
    assert status_text(ticket) == "已办结（直接答复）"
    assert status_text({"status": "merged"}) == "已并单"
    assert (
        category_text({"group": "city_service", "label": "路灯故障"}) == "城市管理与民生 / 路灯故障"
    )
    facts = dict(detail_facts(ticket, lambda code: "青山县"))
    assert facts["来电人"] == "王** 138****8000"
    assert facts["处置方式"] == "直接答复"
    assert facts["所属区域"] == "青山县（待定位）"
    assert facts["登记时间"] == "2026-12-02 15:19"


def test_intakes_service_list_becomes_grouped_options() -> None:
    subs = subcategories_of(
        [
            {"service_code": "gas_leak", "service_name": "燃气泄漏", "group": "安全隐患"},
            {"service_code": "street_light", "service_name": "路灯故障", "group": "城市管理与民生"},
            {"service_code": "fire_hazard", "service_name": "消防隐患", "group": "安全隐患"},
        ]
    )
    groups = grouped(subs)
    assert [(g.group, g.label) for g in groups] == [
        ("safety_hazard", "安全隐患"),
        ("city_service", "城市管理与民生"),
    ]
    assert [s.code for s in groups[0].subcategories] == ["gas_leak", "fire_hazard"]
