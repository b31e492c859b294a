"""Deadlines, pure: the SLA clock of a task on the policy and the official working-day calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pingan_dispatch.sla.deadlines import (
    ExtensionRefused,
    compute_deadlines,
    deadlines_for,
    extend,
    return_allowed,
    return_deadline,
    stage_at,
)
from pingan_dispatch.sla.policy import default_policy
from pingan_dispatch.sla.workdays import default_calendar

CHINA = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


def deadlines(assigned_at: datetime, code=None, group=None, sla_class=None, urgency="normal"):
    return compute_deadlines(
        default_policy(),
        default_calendar(),
        assigned_at=assigned_at,
        category_code=code,
        group=group,
        sla_class=sla_class,
        urgency=urgency,
    )


def limits(code=None, group=None, sla_class=None, urgency="normal"):
    return default_policy().limits_for(code, group, sla_class, urgency)


# --- the first callers' interface, kept --------------------------------------------------------


def test_an_urgent_task_must_be_signed_for_in_30_minutes_and_handled_in_2_hours():
    assigned = at(2026, 11, 25, 9)

    result = deadlines_for("urgent", assigned)

    assert result.accept_due_at == assigned + timedelta(minutes=30)
    assert result.due_at == assigned + timedelta(hours=2)
    assert result.rule == "SLA-URGENT"


def test_an_urgent_task_runs_through_the_weekend():
    saturday_night = at(2026, 11, 28, 23)

    assert deadlines_for("urgent", saturday_night).due_at == at(2026, 11, 29, 1)


def test_an_ordinary_task_must_be_signed_for_within_the_hour():
    assigned = at(2026, 11, 25, 9)

    assert deadlines_for("normal", assigned).accept_due_at == assigned + timedelta(hours=1)


def test_an_ordinary_task_assigned_on_friday_afternoon_is_due_next_friday_afternoon():
    assert deadlines_for("normal", at(2026, 11, 27, 15)).due_at == at(2026, 12, 4, 15)


def test_a_task_assigned_in_the_small_hours_of_saturday_gets_five_full_working_days():
    # Friday 18:00 UTC is Saturday 02:00 in China: the clock starts on Monday at 00:00, so the
    # task is due when Friday's working day ends (Monday Dec 7, 00:00).
    friday_evening_utc = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)

    assert deadlines_for("normal", friday_evening_utc).due_at == at(2026, 12, 7)


# --- deadlines across holidays ----------------------------------------------------------------


def test_an_ordinary_task_before_national_day_2026_skips_the_holiday_and_counts_oct_10():
    result = deadlines(at(2026, 9, 30, 10), code="garbage", group="city_service")

    assert result.due_at == at(2026, 10, 13, 10)
    assert result.warn_at == at(2026, 10, 12, 10)  # 4 of 5 working days
    assert result.escalate_at == at(2026, 10, 14, 10)  # 1 working day later
    assert result.rule == "SLA-ORDINARY"
    assert result.policy_version == default_policy().version


def test_a_complex_task_before_spring_festival_2026_is_due_after_both_make_up_saturdays():
    # Feb 11, 12, 13, Sat 14, 24, 25, 26, 27, Sat 28, Mar 2, 3, 4, 5, 6, 9.
    result = deadlines(at(2026, 2, 10, 9), code="land", group="dispute", sla_class="complex")

    assert result.due_at == at(2026, 3, 9, 9)
    assert result.rule == "SLA-COMPLEX"


def test_a_consultation_assigned_before_spring_festival_2025_is_due_after_it():
    # Jan 27 (Mon): Jan 28 – Feb 4 off, then Feb 5, 6, 7.
    result = deadlines(at(2025, 1, 27, 11), code="policy", group="consultation")

    assert result.due_at == at(2025, 2, 7, 11)


def test_a_water_outage_runs_24_wall_clock_hours_through_the_holiday():
    result = deadlines(at(2026, 10, 1, 9), code="water_outage", group="city_service")

    assert result.due_at == at(2026, 10, 2, 9)
    assert result.warn_at == at(2026, 10, 2, 4, 12)  # 80 % of 24 h
    # Escalation a working day after a due date inside the holiday: the whole of Oct 8.
    assert result.escalate_at == at(2026, 10, 9)


def test_the_warning_of_a_working_day_budget_ignores_the_weekend():
    result = deadlines(at(2026, 11, 27, 15), code="noise", group="city_service")

    assert result.warn_at == at(2026, 12, 3, 15)  # Thursday, not Tuesday


def test_deadlines_come_back_in_china_time_and_naive_times_are_refused():
    result = deadlines(datetime(2026, 11, 25, 1, 0, tzinfo=UTC))

    assert result.due_at.tzinfo == CHINA
    with pytest.raises(ValueError, match="naive"):
        deadlines(datetime(2026, 11, 25, 9, 0))


# --- extensions ---------------------------------------------------------------------------------


def test_an_approved_extension_moves_due_warning_and_escalation():
    original = deadlines(at(2026, 11, 2, 10))  # due Nov 9 10:00
    new_due = at(2026, 11, 16, 10)  # 5 working days more

    extended = extend(
        original,
        new_due,
        now=at(2026, 11, 5, 9),
        limits=limits(),
        calendar=default_calendar(),
    )

    assert extended.due_at == new_due
    assert extended.escalate_at == at(2026, 11, 17, 10)
    assert extended.warn_at == at(2026, 11, 12, 10)  # 8 of the 10 working days since Nov 2
    assert extended.accept_due_at == original.accept_due_at
    assert extended.original_due_at == original.due_at


def test_an_extension_may_reach_exactly_ten_working_days_but_not_a_minute_more():
    original = deadlines(at(2026, 11, 2, 10))
    limit = at(2026, 11, 23, 10)  # Nov 9 + 10 working days
    now = at(2026, 11, 4, 9)

    assert (
        extend(original, limit, now=now, limits=limits(), calendar=default_calendar()).due_at
        == limit
    )
    with pytest.raises(ExtensionRefused) as refused:
        extend(
            original,
            limit + timedelta(minutes=1),
            now=now,
            limits=limits(),
            calendar=default_calendar(),
        )
    assert refused.value.reason == "too_long"


def test_a_chain_of_extensions_cannot_add_up_to_more_than_ten_working_days():
    original = deadlines(at(2026, 11, 2, 10))
    first = extend(
        original,
        at(2026, 11, 16, 10),
        now=at(2026, 11, 4),
        limits=limits(),
        calendar=default_calendar(),
    )

    with pytest.raises(ExtensionRefused) as refused:
        extend(
            first,
            at(2026, 11, 24, 10),
            now=at(2026, 11, 13),
            limits=limits(),
            calendar=default_calendar(),
        )
    assert refused.value.reason == "too_long"


@pytest.mark.parametrize(
    ("new_due", "now", "reason"),
    [
        (at(2026, 11, 9, 10), at(2026, 11, 4), "not_later"),
        (at(2026, 11, 6, 10), at(2026, 11, 4), "not_later"),
        (at(2026, 11, 10, 10), at(2026, 11, 10, 11), "in_the_past"),
    ],
)
def test_an_extension_must_move_the_due_date_later_and_into_the_future(new_due, now, reason):
    original = deadlines(at(2026, 11, 2, 10))

    with pytest.raises(ExtensionRefused) as refused:
        extend(original, new_due, now=now, limits=limits(), calendar=default_calendar())
    assert refused.value.reason == reason


# --- returns and stages -----------------------------------------------------------------------


def test_a_return_is_allowed_for_two_working_days_across_national_day():
    assigned = at(2026, 9, 30, 10)

    assert return_deadline(assigned) == at(2026, 10, 9, 10)  # Oct 8, Oct 9
    assert return_allowed(assigned, at(2026, 10, 7, 23))
    assert return_allowed(assigned, at(2026, 10, 9, 10))
    assert not return_allowed(assigned, at(2026, 10, 9, 10, 1))


def test_a_return_window_includes_a_make_up_saturday():
    assigned = at(2026, 2, 13, 16)  # Friday before Spring Festival; Saturday Feb 14 is worked

    assert return_deadline(assigned) == at(2026, 2, 24, 16)


@pytest.mark.parametrize(
    ("now", "stage"),
    [
        (at(2026, 10, 12, 9, 59), "ok"),
        (at(2026, 10, 12, 10), "warning"),
        (at(2026, 10, 13, 10), "warning"),  # replying at the due instant is still on time
        (at(2026, 10, 13, 10, 1), "overdue"),
        (at(2026, 10, 14, 10), "overdue"),
        (at(2026, 10, 14, 10, 1), "escalated"),
    ],
)
def test_the_stage_follows_warning_due_and_escalation(now, stage):
    result = deadlines(at(2026, 9, 30, 10))

    assert stage_at(result, now) == stage


def test_an_urgent_task_escalates_an_hour_after_it_is_overdue():
    result = deadlines(at(2026, 11, 25, 9), urgency="urgent")

    assert stage_at(result, at(2026, 11, 25, 10, 36)) == "warning"
    assert stage_at(result, at(2026, 11, 25, 11, 30)) == "overdue"
    assert stage_at(result, at(2026, 11, 25, 12, 1)) == "escalated"
