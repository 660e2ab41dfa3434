"""When the monitoring and flight reports fall due: pure functions of the [sla] days and a day."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Mapping

import pandas as pd

__all__ = ["parts_due", "flights_due"]


def parts_due(days: Mapping[str, int], day: date) -> list[str]:
    """The parts of the previous month due on `day`: each from its day of the month on (a missed day catches up)."""
    return [part for part, n in days.items() if day.day >= n]


def flights_due(flights: pd.DataFrame, after_days: int, day: date) -> list[tuple[str, str]]:
    """(campaign, flight) of each flight whose report is due on `day`: `after_days` days after its end, or later."""
    if flights is None or flights.empty:
        return []
    due = flights[flights["flight_end"].map(lambda end: end + timedelta(days=after_days) <= day)]
    return list(zip(due["campaign"], due["flight"]))
