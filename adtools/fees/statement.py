"""The monthly fee statement: charged lines, per-job figures and totals, hours by staff, missing timesheets, budget."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..money import fmt2
from ._money_frames import _centi_to_decimal, _fen_to_decimal
from .budget import _budget
from .coverage import known_jobs, resolve_job, weeks_with_data
from .charges import _LINE_TYPES, NON_BILLABLE, _cost_lines, _hours_lines, _job_figures, _prepare_costs, _prepare_timesheets
from .periods import Workdays, month_bounds, statement_weeks

__all__ = ["MONEY_KEYS", "FeeStatement", "fee_statement"]

log = logging.getLogger("adtools.fees")

#: the figures of a job and of the statement's totals, in JSON order
MONEY_KEYS = ("hours", "hours_fee", "film", "costs", "postage", "subtotal", "tax", "total")


@dataclass(frozen=True, eq=False)
class FeeStatement:
    """The fee statement of one month (optionally one job); every figure traceable to its cells.

    Frames (money as Decimal quantised to the fen, hours as Decimal with 2 places):
    - `jobs`: job_no + MONEY_KEYS, one row per job charged in the month, ordered by job_no;
    - `lines`: the charged lines, the figures the subtotals add up: line_no, job_no,
      line_type (hours/film/cost/postage), category (rate category, film kind or cost
      type), date (cost lines), description (vendor), hours, rate, width_cm, height_cm,
      quantity, actual (the cost log's amount), amount, sources (tuple of
      `[file]sheet!cell`: every timesheet hours cell of an hours line, the amount cell
      of a cost or postage line, the width cell of a film line), rows (count);
    - `hours_detail`: every timesheet row of the month: staff, date, week_start,
      job_no, category, hours, billable, rate, line_no (the charged line it is part
      of, <NA> when not charged), source;
    - `hours_by_staff`: staff, one column per category (Decimal hours), total,
      billable, billable_share (Decimal, 4 places);
    - `budget`: job_no, approved (latest approved design_quote + artwork_production_quote
      amounts, None when none), actual (total incl. tax billed to date: the sum of the
      monthly statements' job totals through this month), share (actual / approved,
      4 places), status (ok / warning / over / no_quote).
    """

    month: str
    job: str | None
    jobs: pd.DataFrame
    totals: Mapping[str, Decimal]
    lines: pd.DataFrame
    hours_detail: pd.DataFrame
    hours_by_staff: pd.DataFrame
    budget: pd.DataFrame
    non_billable_hours: Decimal
    missing_timesheets: tuple[tuple[str, date], ...]
    warnings: tuple[str, ...]
    currency: str = "CNY"

    @property
    def over_budget(self) -> pd.DataFrame:
        return self.budget[self.budget["status"] == "over"]

    def to_json(self) -> dict[str, Any]:
        """The `--json` document of `adtools report fees` (money and hours as 2-decimal strings)."""
        return {
            "month": self.month,
            "currency": self.currency,
            "jobs": [
                {"job_no": row["job_no"], **{k: fmt2(row[k]) for k in MONEY_KEYS}}
                for row in self.jobs.to_dict("records")
            ],
            "totals": {k: fmt2(self.totals[k]) for k in MONEY_KEYS},
            "non_billable_hours": fmt2(self.non_billable_hours),
            "missing_timesheets": [
                {"staff": staff, "week_start": week.isoformat()} for staff, week in self.missing_timesheets
            ],
            "over_budget": [
                {
                    "job_no": row["job_no"],
                    "approved": fmt2(row["approved"]) if row["approved"] is not None else None,
                    "actual": fmt2(row["actual"]),
                    "share": None if row["share"] is None else str(row["share"]),
                }
                for row in self.over_budget.to_dict("records")
            ],
            "warnings": list(self.warnings),
        }


def fee_statement(
    timesheets: pd.DataFrame | None,
    costs: pd.DataFrame | None,
    sign_offs: pd.DataFrame | None,
    cfg: Any,
    month: str,
    *,
    job: str | None = None,
    calendar: Workdays | None = None,
    as_of: date | None = None,
) -> FeeStatement:
    """The fee statement of `month` (YYYY-MM) from the ledger's current rows.

    `timesheets`, `costs`, `sign_offs`: `adtools.ledger.frames.rows(...)` of the forms
    timesheet, costs and sign_off (None or empty when there are none).  `job` limits the
    statement to one job (missing timesheets are still about everyone).  `calendar`:
    anything with `is_workday(d)` (adtools.calendar.WorkCalendar); Monday to Friday if
    None.  `as_of`: weeks starting after it are not yet due (missing timesheets only).
    """
    first, last = month_bounds(month)
    warnings: list[str] = []
    all_ts = _prepare_timesheets(timesheets, cfg, warnings)
    all_costs = _prepare_costs(costs, cfg, warnings)
    job, said = resolve_job(job, known_jobs(all_ts, all_costs, sign_offs))
    warnings.extend(said)
    missing = _missing_timesheets(all_ts, cfg, month, calendar, as_of, warnings)
    if calendar is not None and hasattr(calendar, "warnings_for"):
        warnings.extend(calendar.warnings_for(first, last))

    end = pd.Timestamp(last)
    ts = all_ts[all_ts["date"] <= end]
    cs = all_costs[all_costs["date"] <= end]
    if job is not None:
        ts = ts[ts["job_no"] == job]
        cs = cs[cs["job_no"] == job]

    hour_lines, row_rate = _hours_lines(ts, cfg)
    lines = pd.concat([hour_lines, _cost_lines(cs)], ignore_index=True)
    lines["line_type"] = pd.Categorical(lines["line_type"], categories=list(_LINE_TYPES), ordered=True)
    lines = lines.sort_values(["period", "job_no", "line_type", "date", "category", "rate"], kind="stable", na_position="first")
    lines["line_type"] = lines["line_type"].astype(str)
    lines = lines.reset_index(drop=True)
    per_job = _job_figures(lines, ts, cfg)  # every month through `month`: for estimate against actual

    label = f"{first:%Y-%m}"
    in_month_ts = ts[ts["period"] == label]
    month_lines = lines[lines["period"] == label].reset_index(drop=True)
    month_lines.insert(0, "line_no", np.arange(1, len(month_lines) + 1))
    month_lines = _attach_hour_sources(month_lines, in_month_ts, row_rate)

    jobs_fen = per_job[per_job["period"] == label].drop(columns="period").reset_index(drop=True)
    totals_fen = {k: int(jobs_fen[k].sum()) for k in MONEY_KEYS}
    jobs = _fen_to_decimal(jobs_fen, MONEY_KEYS)
    totals = {k: Decimal(v).scaleb(-2) for k, v in totals_fen.items()}

    if job is not None and month_lines.empty and not said:
        warnings.append(f"{job} 在 {label} 没有可收费的工时或外付成本 / {job} has no chargeable hours or costs in {label}: "
                        "check the job number")
    elif job is None and month_lines.empty:
        warnings.append(f"{label} 没有可收费的工时或外付成本 / There are no chargeable hours or costs in {label}.")
    detail = _hours_detail(in_month_ts, row_rate, month_lines)
    nb = int(in_month_ts.loc[in_month_ts["category"].eq(NON_BILLABLE), "hours_c"].sum())
    budget = _budget(per_job, jobs_fen["job_no"], sign_offs, cfg, last, job, warnings)
    for row in budget.to_dict("records"):
        if row["status"] == "over":
            warnings.append(
                f"{row['job_no']} 已超出客户确认报价 / is over its approved quote: "
                f"{fmt2(row['actual'])} > {fmt2(row['approved'])}"
            )
        elif row["status"] == "warning":
            warnings.append(
                f"{row['job_no']} 已用报价的 {row['share'] * 100:.1f}% / has used {row['share'] * 100:.1f}% of its approved quote "
                f"({fmt2(row['actual'])} of {fmt2(row['approved'])}; warning at {cfg.fees.budget_warning * 100:.0f}%)"
            )
        elif row["status"] == "no_quote":
            warnings.append(f"{row['job_no']} 没有客户确认的报价 / has no approved quote (design_quote / artwork_production_quote)")
    log.debug("fee statement %s%s: %d timesheet rows, %d cost rows read; %d lines, %d jobs",
              label, f" job {job}" if job else "", len(all_ts), len(all_costs), len(month_lines), len(jobs))
    return FeeStatement(
        month=label,
        job=job,
        jobs=jobs,
        totals=totals,
        lines=month_lines.drop(columns="period"),
        hours_detail=detail,
        hours_by_staff=_hours_by_staff(in_month_ts, cfg),
        budget=budget,
        non_billable_hours=Decimal(nb).scaleb(-2),
        missing_timesheets=tuple(missing),
        warnings=tuple(warnings),
    )


def _attach_hour_sources(lines: pd.DataFrame, ts: pd.DataFrame, row_rate: pd.Series) -> pd.DataFrame:
    """Every hours line gets the cells of the timesheet rows it adds up, and their count."""
    charged = ts[ts["charged"]]
    key = pd.DataFrame({"job_no": charged["job_no"], "category": charged["category"], "rate": row_rate.reindex(charged.index),
                        "source": charged["source"]})
    grouped = key.groupby(["job_no", "category", "rate"], sort=False)["source"].agg(tuple).rename("hour_sources").reset_index()
    out = lines.merge(grouped, on=["job_no", "category", "rate"], how="left")
    is_hours = out["line_type"].eq("hours")
    hour_sources = out["hour_sources"].astype(object)
    out["sources"] = hour_sources.where(is_hours, out["sources"].astype(object))
    out["rows"] = hour_sources.map(len, na_action="ignore").where(is_hours, out["rows"]).fillna(0).astype(np.int64)
    columns = ["line_no", "period", "job_no", "line_type", "category", "date", "description", "hours", "rate",
               "width_cm", "height_cm", "quantity", "actual", "amount", "sources", "rows"]
    out = out.reindex(columns=columns)
    out["quantity"] = out["quantity"].astype("Int64")
    for c in ("category", "description", "hours", "rate", "width_cm", "height_cm", "actual", "amount"):
        out[c] = out[c].astype(object).where(out[c].notna(), None)  # None, not NaN, where a line has no such figure
    return out


def _hours_detail(ts: pd.DataFrame, row_rate: pd.Series, lines: pd.DataFrame) -> pd.DataFrame:
    detail = pd.DataFrame(
        {
            "staff": ts["staff"], "date": ts["date"], "week_start": ts["week_start"], "job_no": ts["job_no"],
            "category": ts["category"], "hours": pd.Series(_centi_to_decimal(ts["hours_c"]), index=ts.index, dtype=object),
            "billable": ts["charged"], "rate": row_rate.reindex(ts.index).astype(object), "source": ts["source"],
        }
    )
    detail["rate"] = detail["rate"].where(detail["billable"], None)
    hour_lines = lines.loc[lines["line_type"].eq("hours"), ["job_no", "category", "rate", "line_no"]]
    detail = detail.merge(hour_lines, on=["job_no", "category", "rate"], how="left")
    detail["line_no"] = detail["line_no"].astype("Int64")
    return detail.sort_values(["staff", "date", "job_no"], kind="stable", na_position="last").reset_index(drop=True)


def _hours_by_staff(ts: pd.DataFrame, cfg: Any) -> pd.DataFrame:
    order = [*cfg.rates, NON_BILLABLE]
    if ts.empty:
        return pd.DataFrame(columns=["staff", "total", "billable", "billable_share"])
    wide = ts.pivot_table(index="staff", columns="category", values="hours_c", aggfunc="sum", fill_value=0)
    cats = [c for c in order if c in wide.columns] + sorted(c for c in wide.columns if c not in order)
    wide = wide.reindex(columns=cats).astype(np.int64)
    total = wide.sum(axis=1)
    billable = ts[ts["charged"]].groupby("staff")["hours_c"].sum().reindex(wide.index, fill_value=0).astype(np.int64)
    out = pd.DataFrame(index=wide.index)
    for c in cats:
        out[c] = _centi_to_decimal(wide[c])
    out["total"] = _centi_to_decimal(total)
    out["billable"] = _centi_to_decimal(billable)
    out["billable_share"] = [
        (Decimal(int(b)) / Decimal(int(t))).quantize(Decimal("0.0001")) if t else Decimal(0) for b, t in zip(billable, total)
    ]
    return out.reset_index().rename(columns={"index": "staff"}).sort_values("staff", kind="stable").reset_index(drop=True)


def _missing_timesheets(ts: pd.DataFrame, cfg: Any, month: str, calendar: Workdays | None, as_of: date | None,
                        warnings: list[str]) -> list[tuple[str, date]]:
    weeks = [w for w in statement_weeks(month, calendar) if as_of is None or w <= as_of]
    if as_of is not None and not weeks and month_bounds(month)[0] > as_of:
        warnings.append(f"{month} 尚未开始（截至 {as_of}） / {month} has not begun as of {as_of}.")
    weeks, said = weeks_with_data(weeks, ts["week_start"] if "week_start" in ts.columns else None, month)
    warnings.extend(said)
    sent = ts.loc[ts["week_start"].isin(pd.to_datetime(weeks)), ["staff", "week_start"]].drop_duplicates()
    present = set(zip(sent["staff"], sent["week_start"].dt.date))
    return [(p.name, w) for w in weeks for p in cfg.people if (p.name, w) not in present]
