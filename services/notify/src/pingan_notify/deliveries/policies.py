"""Pure rules on when and how much to send: quiet hours, rate limits, the daily SMS budget."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from pingan_common.county_time import COUNTY_TZ


class Audience(StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"


@dataclass(frozen=True)
class QuietHours:
    """No non-urgent SMS to citizens from ``start`` (inclusive) to ``end`` (exclusive), local time.

    The window may wrap midnight (22:00–08:00, the default) or not (12:00–14:00); equal start
    and end mean no quiet hours at all.
    """

    start: time = time(22, 0)
    end: time = time(8, 0)
    tz: ZoneInfo = COUNTY_TZ

    def is_quiet(self, now: datetime) -> bool:
        local = now.astimezone(self.tz).time()
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def release_time(self, now: datetime) -> datetime:
        """The end of the quiet period ``now`` falls in (the next ``end`` o'clock), local time."""
        local = now.astimezone(self.tz)
        release = datetime.combine(local.date(), self.end, tzinfo=self.tz)
        if release <= local:
            release = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=self.tz)
        return release

    def hold_until(
        self, now: datetime, *, channel: str, audience: Audience, urgent: bool
    ) -> datetime | None:
        """When a message may go out if it must be held, or None to send it now.

        Only non-urgent SMS to citizens wait: staff must hear of their work at once, and an
        in-app notice or a webhook wakes nobody.
        """
        if channel != "sms" or audience is not Audience.CITIZEN or urgent:
            return None
        if not self.is_quiet(now):
            return None
        return self.release_time(now)


@dataclass(frozen=True)
class RateLimit:
    max_messages: int
    window: timedelta


DEFAULT_RATE_LIMITS = {
    # Mirrors the providers' own per-number limits, so we hold instead of being refused.
    "sms": RateLimit(max_messages=5, window=timedelta(hours=1)),
    "in_app": RateLimit(max_messages=60, window=timedelta(minutes=1)),
}


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    remaining: int | None  # None: the channel has no limit (or the message bypasses it)
    window: timedelta | None


@dataclass(frozen=True)
class RateLimits:
    """Per-recipient limits per channel; a channel not listed (e.g. webhook) is unlimited."""

    per_channel: dict[str, RateLimit] = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))

    def decide(self, channel: str, sent_in_window: int, *, urgent: bool = False) -> RateDecision:
        """May one more message go to a recipient who got ``sent_in_window`` in the window?

        Urgent messages (red/orange alerts and their repeats) are never rate-limited.
        """
        limit = self.per_channel.get(channel)
        if limit is None or urgent:
            return RateDecision(allowed=True, remaining=None, window=None)
        remaining = limit.max_messages - sent_in_window
        return RateDecision(allowed=remaining > 0, remaining=max(remaining, 0), window=limit.window)


class BudgetState(StrEnum):
    OK = "ok"
    NEAR = "near"
    EXHAUSTED = "exhausted"


@dataclass(frozen=True)
class SmsBudget:
    """The county's daily SMS budget, in billed segments, counted per county-local day."""

    daily_limit: int
    near_ratio: float = 0.8
    tz: ZoneInfo = COUNTY_TZ

    def near_threshold(self) -> int:
        return math.ceil(self.daily_limit * self.near_ratio)

    def state(self, used_today: int) -> BudgetState:
        if used_today >= self.daily_limit:
            return BudgetState.EXHAUSTED
        if used_today >= self.near_threshold():
            return BudgetState.NEAR
        return BudgetState.OK

    def allows(self, used_today: int, segments: int) -> bool:
        """Would sending ``segments`` more stay within today's budget?"""
        return used_today + segments <= self.daily_limit

    def day_start(self, now: datetime) -> datetime:
        """Midnight of ``now``'s county-local day: usage is counted from here."""
        local = now.astimezone(self.tz)
        return datetime.combine(local.date(), time(0, 0), tzinfo=self.tz)
