"""The `[schedule]` phrases ("every 10 minutes", "monday 09:00", "day 3 09:00"), parsed at load time.

Checked when config.toml loads, so a typo fails on Monday's deploy, not at 09:00.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

__all__ = ["ScheduleSpec", "parse_schedule", "SCHEDULE_FORMATS"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SCHEDULE_FORMATS = (
    '"every N minutes", "every N hours", "daily HH:MM", "<weekday> HH:MM" '
    '(e.g. "monday 09:00"), "day N HH:MM" (day N of each month, 1-28)'
)


@dataclass(frozen=True)
class ScheduleSpec:
    """When a job runs: kind is "interval", "daily", "weekly" or "monthly"."""

    kind: str
    text: str
    minutes: int = 0  # interval length, for kind "interval"
    at: time | None = None
    weekday: int | None = None  # 0 = Monday
    day: int | None = None  # day of month, for kind "monthly"


_INTERVAL = re.compile(r"^every\s+(\d+)\s+(minute|minutes|hour|hours)$")
_AT = r"([01]?\d|2[0-3]):([0-5]\d)"


def parse_schedule(text: str) -> ScheduleSpec:
    """Parse one phrase; ValueError names the accepted formats."""
    t = " ".join(str(text).strip().lower().split())
    m = _INTERVAL.match(t)
    if m:
        n = int(m.group(1))
        if n < 1:
            raise ValueError(f"{text!r}: the interval must be at least 1")
        minutes = n * 60 if m.group(2).startswith("hour") else n
        return ScheduleSpec("interval", text, minutes=minutes)
    m = re.match(rf"^daily\s+{_AT}$", t)
    if m:
        return ScheduleSpec("daily", text, at=time(int(m.group(1)), int(m.group(2))))
    m = re.match(rf"^({'|'.join(WEEKDAYS)})\s+{_AT}$", t)
    if m:
        return ScheduleSpec(
            "weekly", text, at=time(int(m.group(2)), int(m.group(3))), weekday=WEEKDAYS.index(m.group(1))
        )
    m = re.match(rf"^day\s+(\d+)\s+{_AT}$", t)
    if m:
        day = int(m.group(1))
        if not 1 <= day <= 28:
            raise ValueError(f"{text!r}: the day of the month must be 1-28 so that every month has it")
        return ScheduleSpec("monthly", text, at=time(int(m.group(2)), int(m.group(3))), day=day)
    raise ValueError(f"{text!r} is not a schedule; use one of {SCHEDULE_FORMATS}")
