"""The grid pages' pure parts: task rows and labels, the report and action bodies, the map."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from shapely.geometry import Point

from pingan_common.refdata import load_county
from pingan_console.grid import forms, views
from pingan_console.grid.gridmap import grid_map

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
TASK = {
    "id": "0194d7c6-0000-7000-8000-000000000001",
    "ticket_number": "HC0194D7C6",
    "kind": "verification",
    "state": "accepted",
    "summary": "核实当事人情况",
    "urgency": "urgent",
    "due_at": "2026-12-02T07:00:00+00:00",
}


def test_an_accepted_verification_task_past_its_due_time_reads_as_overdue_in_county_time() -> None:
    row = views.task_row(TASK, NOW)
    assert (row.kind_label, row.state_label, row.urgent, row.overdue) == (
        "核查",
        "办理中",
        True,
        True,
    )
    assert row.due == "12-02 15:00"


def test_a_replied_task_is_not_overdue_and_a_visit_request_reads_as_a_visit() -> None:
    row = views.task_row({**TASK, "state": "replied", "summary": "重点人员走访逾期3天"}, NOW)
    assert (row.kind_label, row.overdue) == ("走访", False)
    assert views.kind_label("ticket", "走访") == "工单"


def test_the_timeline_shows_the_newest_step_first_with_its_note() -> None:
    lines = views.history_lines(
        [
            {"at": "2026-12-02T01:00:00+00:00", "action": "assign", "details": {}},
            {"at": "2026-12-02T02:00:00+00:00", "action": "reply", "details": {"result": "已处理"}},
        ]
    )
    assert [(line.label, line.note) for line in lines] == [("办结回复", "已处理"), ("派单", "")]


@pytest.mark.parametrize(
    ("finding", "result", "text"),
    [
        ("confirmed", "人已劝下", "核查属实：人已劝下"),
        ("false_alarm", "", "情况不实"),
        ("unclear", "未见到当事人", "未见到当事人"),
    ],
)
def test_a_verification_reply_starts_with_the_words_riskassess_reads(
    finding: str, result: str, text: str
) -> None:
    assert views.reply_text(finding, result) == text


def test_a_report_carries_the_location_urgency_and_photo_metadata_only() -> None:
    photos = forms.photos_from(["现场 1.jpg"], ["2048"], ["image/jpeg"], ["2026-12-02T15:31"])
    body = forms.report_body(
        description=" 消防通道堵塞 ",
        lon="119.78",
        lat="28.19",
        address="",
        urgent=True,
        photos=photos,
    )
    assert body["channel"] == "grid_report"
    assert body["location"] == {"lon": 119.78, "lat": 28.19}
    assert body["urgency"] == "urgent"
    (photo,) = body["attachments"]
    assert (photo["file_name"], photo["size_bytes"]) == ("现场 1.jpg", 2048)
    assert photo["url"].endswith(
        "/%E7%8E%B0%E5%9C%BA%201.jpg?taken_at=2026-12-02T15%3A31%3A00%2B08%3A00"
    )


def test_a_report_without_words_or_with_half_a_position_is_refused() -> None:
    with pytest.raises(forms.FormProblem):
        forms.report_body(description="x", lon="", lat="", address="", urgent=False, photos=[])
    with pytest.raises(forms.FormProblem):
        forms.report_body(
            description="占道", lon="119.7", lat="", address="", urgent=False, photos=[]
        )


def test_an_unreadable_photo_type_falls_back_to_jpeg_and_empty_names_are_skipped() -> None:
    photos = forms.photos_from(["a.heic", ""], ["10", "1"], ["weird type"], [])
    assert [(p.name, p.content_type, p.taken_at) for p in photos] == [
        ("a.heic", "image/jpeg", None)
    ]


def test_task_action_bodies() -> None:
    assert forms.task_action_body("accept", {}, []) == {}
    reply = forms.task_action_body("reply", {"finding": "confirmed", "result": "属实"}, [])
    assert reply == {"result": "核查属实：属实", "attachments": []}
    returned = forms.task_action_body(
        "return", {"reason_code": "wrong_area", "reason": "不在本网格"}, []
    )
    assert returned == {"reason_code": "wrong_area", "reason": "不在本网格"}
    with pytest.raises(forms.FormProblem):
        forms.task_action_body("reply", {"finding": "unclear", "result": ""}, [])
    with pytest.raises(forms.FormProblem):
        forms.task_action_body("cancel", {}, [])


def test_the_grid_map_projects_a_point_inside_the_grid_and_back() -> None:
    county = load_county()
    grid = county.area("33119900100101")
    drawn = grid_map([grid], county.places)  # type: ignore[list-item]
    assert drawn is not None
    p = drawn.projection
    x, y = drawn.start_xy
    assert 0 <= x <= drawn.width and 0 <= y <= p.height
    lon, lat = p.min_lon + x / p.scale_x, p.max_lat - y / p.scale_y
    assert grid is not None and grid.shape.contains(Point(lon, lat))
    assert drawn.paths[0][2].startswith("M") and drawn.paths[0][2].endswith("Z")
    assert grid_map([], []) is None
