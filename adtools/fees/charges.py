"""The charge lines of a statement: timesheet hours and cost-log lines priced, and each job's figures per month."""
from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

import numpy as np
import pandas as pd

from ..forms.catalog import NON_BILLABLE as _NON_BILLABLE_CHOICE
from ..money import round_fen, to_fen
from ._money_frames import _as_datetime, _centi_to_decimal, _d, _frame, _listed, _period, _scaled_ints, _sources
from .rates import _base_area, _rate_table, film_rates

__all__ = ["NON_BILLABLE"]

NON_BILLABLE = _NON_BILLABLE_CHOICE.key  # the timesheet category never charged (FORMS.md)
_LINE_TYPES = ("hours", "film", "cost", "postage")
_TS_COLUMNS = ("staff", "week_start", "date", "job_no", "category", "hours")
#: the timesheet fields fees billed to date are computed from (`billed.billed_to_date`, with the rows' provenance)
TIMESHEET_FIELDS_BILLED = _TS_COLUMNS
_COST_COLUMNS = ("date", "job_no", "vendor", "cost_type", "film_kind", "width_cm", "height_cm", "quantity", "amount", "billable")


def _prepare_timesheets(timesheets: pd.DataFrame | None, cfg: Any, warnings: list[str]) -> pd.DataFrame:
    ts = _frame(timesheets, _TS_COLUMNS)
    ts["date"] = _as_datetime(ts["date"])
    ts["week_start"] = _as_datetime(ts["week_start"])
    ts["source"] = _sources(ts, "hours")
    staff_names = pd.unique(ts["staff"].dropna())
    canonical = {}
    for name in staff_names:  # distinct names only: aliases become the [[people]] name
        person = cfg.person(str(name))
        canonical[name] = person.name if person is not None else str(name)
    ts["staff"] = ts["staff"].map(canonical)
    ts["hours_c"], ok = _scaled_ints(ts["hours"], 100)
    bad = ~ok | ts["date"].isna()
    if bad.any():
        warnings.append(
            "工时行缺少日期或小时数无效，未计入 / Timesheet rows without a date or with unusable hours were left out: "
            + _listed(ts.loc[bad, "source"])
        )
        ts = ts[~bad]
    ts["billable"] = ts["category"].ne(NON_BILLABLE) & ts["category"].notna()
    no_job = ts["billable"] & (ts["job_no"].isna() | ts["job_no"].astype(str).str.strip().eq(""))
    if no_job.any():
        warnings.append(
            "计费工时缺少工作编号，未收费 / Billable hours without a job number were not charged: "
            + _listed(ts.loc[no_job, "source"])
        )
    unrated = ts["billable"] & ~ts["category"].isin(list(cfg.rates))
    if unrated.any():
        warnings.append(
            "工作类别不在费率表 [rates] 中，未收费 / Hours of a category not in [rates] were not charged: "
            + _listed(ts.loc[unrated, "source"])
        )
    ts["charged"] = ts["billable"] & ~no_job & ~unrated
    ts["period"] = _period(ts["date"])
    return ts


def _hours_lines(ts: pd.DataFrame, cfg: Any) -> tuple[pd.DataFrame, pd.Series]:
    """Charged hours per (period, job, category, rate); and the rate of every charged row."""
    charged = ts[ts["charged"]]
    eff, rates = _rate_table(cfg)
    card = np.searchsorted(eff, charged["date"].to_numpy(dtype="datetime64[ns]"), side="right").astype(np.int64)
    rows = pd.DataFrame(
        {"period": charged["period"], "job_no": charged["job_no"], "category": charged["category"], "card": card,
         "hours_c": charged["hours_c"]},
        index=charged.index,
    )
    by_card = rows.groupby(["period", "job_no", "category", "card"], sort=False, observed=True)["hours_c"].sum().reset_index()
    by_card = by_card.merge(rates, on=["card", "category"], how="left")
    # two cards may give a category the same rate: one line per (job, category, rate)
    lines = by_card.groupby(["period", "job_no", "category", "rate"], sort=False)["hours_c"].sum().reset_index()
    row_rate = pd.Series(
        rows[["card", "category"]].merge(rates, on=["card", "category"], how="left")["rate"].to_numpy(),
        index=charged.index, dtype=object,
    )
    hours = pd.Series(_centi_to_decimal(lines["hours_c"]), index=lines.index, dtype=object)
    lines["hours"] = hours
    with localcontext() as ctx:
        ctx.prec = 60
        lines["amount"] = (hours * lines["rate"]).map(round_fen)
    lines["line_type"] = "hours"
    return lines, row_rate


def _prepare_costs(costs: pd.DataFrame | None, cfg: Any, warnings: list[str]) -> pd.DataFrame:
    c = _frame(costs, _COST_COLUMNS)
    c["date"] = _as_datetime(c["date"])
    billable = c["billable"].astype(object)
    c = c[billable.isna() | billable.eq(True)].copy()  # default Y; explicit N is never charged
    c["line_type"] = np.where(c["cost_type"].eq("film"), "film", np.where(c["cost_type"].eq("postage"), "postage", "cost"))
    is_film = c["line_type"].eq("film")
    c["source"] = _sources(c, "amount").where(~is_film, _sources(c, "width_cm"))
    c["actual"] = c["amount"].map(_d).astype(object)
    qty = pd.to_numeric(c["quantity"], errors="coerce").fillna(1).astype(np.int64)
    c["quantity"] = qty
    rates = film_rates(cfg)
    with localcontext() as ctx:
        ctx.prec = 60
        per_piece = c["film_kind"].map(rates)
        w = c["width_cm"].map(_d)
        h = c["height_cm"].map(_d)
        film_ok = is_film & per_piece.notna() & w.notna() & h.notna()
        f = c[film_ok]
        film_amount = (per_piece[film_ok] * w[film_ok] * h[film_ok] * f["quantity"].map(Decimal) / _base_area(cfg)).map(round_fen)
        markup = Decimal(1) + cfg.fees.oop_markup
        has_actual = c["actual"].notna() & ~is_film
        other = c[has_actual]
        other_amount = pd.Series(
            np.where(other["line_type"].eq("postage"), other["actual"], other["actual"] * markup), index=other.index, dtype=object
        ).map(round_fen)
    c["amount"] = pd.concat([film_amount, other_amount]).reindex(c.index).astype(object)
    c["width_cm"] = w
    c["height_cm"] = h
    bad = c["amount"].isna() | c["date"].isna() | c["job_no"].isna()
    if bad.any():
        warnings.append(
            "外付成本行缺少日期、工作编号、金额或软片尺寸，未收费 / Cost lines without a date, job, amount or film size "
            "were not charged: " + _listed(_sources(c[bad], "job_no"))
        )
        c = c[~bad]
    c["period"] = _period(c["date"])
    return c


def _cost_lines(c: pd.DataFrame) -> pd.DataFrame:
    lines = pd.DataFrame(
        {
            "period": c["period"], "job_no": c["job_no"], "line_type": c["line_type"],
            "category": c["film_kind"].where(c["line_type"].eq("film"), c["cost_type"]),
            "date": c["date"], "description": c["vendor"], "width_cm": c["width_cm"], "height_cm": c["height_cm"],
            "quantity": c["quantity"], "actual": c["actual"], "amount": c["amount"],
            "sources": c["source"].map(lambda s: (s,) if s else ()), "rows": 1,
        }
    )
    return lines.reset_index(drop=True)


def _job_figures(lines: pd.DataFrame, ts: pd.DataFrame, cfg: Any) -> pd.DataFrame:
    """MONEY_KEYS per (period, job): sums of the lines; tax per job and month."""
    fen = lines["amount"].map(lambda a: int(a * 100)).astype(np.int64)
    by = pd.DataFrame({"period": lines["period"], "job_no": lines["job_no"], "line_type": lines["line_type"], "fen": fen})
    wide = by.pivot_table(index=["period", "job_no"], columns="line_type", values="fen", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=list(_LINE_TYPES), fill_value=0).astype(np.int64)
    hours = ts[ts["charged"]].groupby(["period", "job_no"])["hours_c"].sum()
    jobs = pd.DataFrame(index=wide.index)
    jobs["hours"] = hours.reindex(wide.index, fill_value=0).astype(np.int64)
    jobs["hours_fee"] = wide["hours"]
    jobs["film"] = wide["film"]
    jobs["costs"] = wide["cost"]
    jobs["postage"] = wide["postage"]
    jobs["subtotal"] = jobs[["hours_fee", "film", "costs", "postage"]].sum(axis=1)
    # tax = subtotal x tax_rate, half up to the fen, per job and month (a few hundred groups a year):
    # Decimal through money's one rounding rule, never an int64 product that a long rate overflows
    rate = cfg.fees.tax_rate
    with localcontext() as ctx:
        ctx.prec = 60
        tax = [to_fen(Decimal(int(s)).scaleb(-2) * rate) for s in jobs["subtotal"]]
    jobs["tax"] = pd.Series(tax, index=jobs.index, dtype=np.int64)
    jobs["total"] = jobs["subtotal"] + jobs["tax"]
    return jobs.reset_index().sort_values(["period", "job_no"], kind="stable").reset_index(drop=True)
