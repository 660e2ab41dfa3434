"""Fees and costs billed to date: each job's monthly totals (incl. tax) through a day, by the fee statement's rules."""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable

import pandas as pd

from .charges import TIMESHEET_FIELDS_BILLED, _cost_lines, _hours_lines, _job_figures, _prepare_costs, _prepare_timesheets

__all__ = ["billed_to_date", "TIMESHEET_FIELDS_BILLED"]


def billed_to_date(
    timesheets: pd.DataFrame | None,
    costs: pd.DataFrame | None,
    cfg: Any,
    as_of: date,
    *,
    jobs: Iterable[str] | None = None,
) -> pd.DataFrame:
    """period, job_no, subtotal, tax, total (integer fen) of every month with charges dated up to `as_of`.

    The same lines, rounding and per-job-and-month tax as `fee_statement`, so the
    sum over a job's months equals the sum of its monthly statements (a month
    still running counts its charges so far).  `jobs` limits it to those job numbers.
    """
    warnings: list[str] = []
    ts = _prepare_timesheets(timesheets, cfg, warnings)
    cs = _prepare_costs(costs, cfg, warnings)
    end = pd.Timestamp(as_of)
    ts, cs = ts[ts["date"] <= end], cs[cs["date"] <= end]
    if jobs is not None:
        wanted = list(jobs)
        ts, cs = ts[ts["job_no"].isin(wanted)], cs[cs["job_no"].isin(wanted)]
    hour_lines, _ = _hours_lines(ts, cfg)
    lines = pd.concat([hour_lines, _cost_lines(cs)], ignore_index=True)
    if lines.empty:
        return pd.DataFrame({"period": pd.Series(dtype=object), "job_no": pd.Series(dtype=object),
                             "subtotal": pd.Series(dtype="int64"), "tax": pd.Series(dtype="int64"),
                             "total": pd.Series(dtype="int64")})
    figures = _job_figures(lines, ts, cfg)
    return figures[["period", "job_no", "subtotal", "tax", "total"]].reset_index(drop=True)
