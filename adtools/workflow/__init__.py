"""The manual's job workflow as data, and the deadline, sign-off gate and SLA calculators of the Monday report.

Pure functions: ledger frames (docs/CONTRACTS.md "Ledger frames") and Config in,
DataFrames and a `WeeklySummary` out; no file or network I/O.  Every calculator
takes an `as_of` date meaning the end of that day in the configured time zone:
rows dated later are ignored, and sign-off decisions dated later count as still
pending.

Output frames use these types: dates `datetime64` (naive midnight), working-day
counts `Int64`, hours `Decimal`, lists of keys or warnings as Python lists, and a
`source` column with the Excel reference of the cell a row came from.

One concern per module:

- `stages`: the stages, branches, labels, client gates and the approvals each step requires;
- `deadlines`: turnaround deadlines of the work-order lines;
- `gates`: steps done without the client approvals they require;
- `approvals`: sign-offs awaiting the client past the response SLA;
- `minutes`: the minutes SLA of important meetings;
- `summary`: the Monday summary that assembles the four.
"""
from __future__ import annotations

from ..clock import last_friday  # compatibility: the clock owns the default periods
from ..provenance import source
from .approvals import AWAITING_COLUMNS, awaiting_client
from .deadlines import DEADLINE_COLUMNS, OPEN_STATUSES, deadlines
from .gates import GATE_COLUMNS, gate_violations
from .minutes import MINUTES_COLUMNS, minutes_sla
from .stages import BRANCHES, DOCUMENT_LABELS, GATES, REQUIREMENTS, STAGE_BY_KEY, STAGES, Stage
from .summary import WeeklySummary, weekly_summary

__all__ = [
    "BRANCHES",
    "Stage",
    "STAGES",
    "STAGE_BY_KEY",
    "GATES",
    "REQUIREMENTS",
    "DOCUMENT_LABELS",
    "OPEN_STATUSES",
    "DEADLINE_COLUMNS",
    "GATE_COLUMNS",
    "AWAITING_COLUMNS",
    "MINUTES_COLUMNS",
    "source",
    "last_friday",
    "deadlines",
    "gate_violations",
    "awaiting_client",
    "minutes_sla",
    "WeeklySummary",
    "weekly_summary",
]
