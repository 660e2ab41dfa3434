"""Fees by the manual's standard: the monthly fee statement, quote pricing, estimate against actual.

Pure calculators over the ledger's frames (docs/CONTRACTS.md, "Ledger frames"): no
file or network I/O.  The frames the ledger gives hold only the **current**
version of every document, so a superseded timesheet or cost log never reaches
these functions; callers that build frames themselves must do the same.

The rules (CONFIG.md `[rates]`, `[[rate_cards]]`, `[film]`, `[fees]`):

- hourly work: for each job and rate category, hours x the rate in force on the
  work date; the amount per (job, category, rate) is rounded half up to the fen.
  `non_billable` hours are never charged;
- film (cost log, cost_type `film`): price per piece of its kind x (w x h) /
  (base w x base h) x quantity, rounded half up per line;
- out-of-pocket costs (billable cost-log lines): actual x (1 + oop_markup),
  rounded half up per line; postage at cost;
- per job: subtotal = hours fees + film + costs + postage; tax = subtotal x
  tax_rate rounded half up; total = subtotal + tax.  Statement totals are sums of
  the jobs' figures.

Rows count by their own date (a timesheet week spanning two months splits).
Arithmetic is exact: hours become integer hundredths of an hour, money is Decimal
quantised to the fen; binary floats never carry a figure.  The work is done with
group-bys and joins; Python-level work is per distinct value or per group only.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from typing import Any, Iterable, Mapping, Protocol

import numpy as np
import pandas as pd

from .errors import InputError
from .forms.catalog import NON_BILLABLE as _NON_BILLABLE_CHOICE
from .money import fmt2, round_fen, to_fen

__all__ = [
    "NON_BILLABLE",
    "QUOTE_DOCUMENTS",
    "Workdays",
    "MONEY_KEYS",
    "FeeStatement",
    "PricedLine",
    "PricedQuote",
    "fee_statement",
    "price_quote",
    "film_price",
    "film_rates",
    "month_bounds",
    "statement_weeks",
]

log = logging.getLogger("adtools.fees")

NON_BILLABLE = _NON_BILLABLE_CHOICE.key  # the timesheet category never charged (FORMS.md)
QUOTE_DOCUMENTS = ("design_quote", "artwork_production_quote")
#: the figures of a job and of the statement's totals, in JSON order
MONEY_KEYS = ("hours", "hours_fee", "film", "costs", "postage", "subtotal", "tax", "total")
_LINE_TYPES = ("hours", "film", "cost", "postage")
_ZERO = Decimal("0.00")
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_MAX_LISTED = 5  # sources named in one warning


class Workdays(Protocol):
    """What fee_statement needs of a calendar (adtools.calendar.WorkCalendar fits)."""

    def is_workday(self, d: date) -> bool: ...


class _MondayToFriday:
    def is_workday(self, d: date) -> bool:
        return d.weekday() < 5


# --------------------------------------------------------------------------- results
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


@dataclass(frozen=True)
class PricedLine:
    """One quote line with its price."""

    line_type: str
    category: str | None
    description: str | None
    hours: Decimal | None
    rate: Decimal | None
    width_cm: Decimal | None
    height_cm: Decimal | None
    quantity: int
    amount: Decimal


@dataclass(frozen=True)
class PricedQuote:
    """A quote priced by the fee standard: lines, subtotal, tax, total."""

    job_no: str
    quote_type: str
    version: int
    quote_date: date
    prepared_by: str | None
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The `--json` document of `adtools quote price`."""
        return {
            "job_no": self.job_no,
            "quote_type": self.quote_type,
            "version": self.version,
            "lines": [
                {"line_type": ln.line_type, "category": ln.category, "amount": fmt2(ln.amount)} for ln in self.lines
            ],
            "subtotal": fmt2(self.subtotal),
            "tax": fmt2(self.tax),
            "total": fmt2(self.total),
        }


# --------------------------------------------------------------------------- small helpers
def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of a `YYYY-MM` month."""
    m = _MONTH_RE.match(str(month).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError(
            f"月份格式不对 / Not a month: {month!r}. Rule: the month is written YYYY-MM. Fix: e.g. --month 2026-11."
        )
    first = date(int(m.group(1)), int(m.group(2)), 1)
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def statement_weeks(month: str, calendar: Workdays | None = None) -> list[date]:
    """The Mondays of the weeks that have at least one working day in the month."""
    cal = calendar or _MondayToFriday()
    first, last = month_bounds(month)
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        days = (monday + timedelta(days=i) for i in range(7))
        if any(first <= d <= last and cal.is_workday(d) for d in days):
            weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def film_price(cfg: Any, kind: str, width_cm: Decimal, height_cm: Decimal, quantity: int = 1) -> Decimal:
    """Price per piece of the kind x (w x h) / (base w x base h) x quantity, rounded half up."""
    per_piece = film_rates(cfg).get(kind)
    if per_piece is None:
        raise InputError(
            f"未知的软片类型 / Unknown film kind {kind!r}. Rule: film is bw or colour_proof ([film]). Fix: use one of those."
        )
    with localcontext() as ctx:
        ctx.prec = 60
        exact = per_piece * Decimal(width_cm) * Decimal(height_cm) * Decimal(int(quantity)) / _base_area(cfg)
        return round_fen(exact)


def film_rates(cfg: Any) -> dict[str, Decimal]:
    """Price per piece at the base size, by film kind ([film])."""
    return {"bw": cfg.film.bw, "colour_proof": cfg.film.colour_proof}


def _base_area(cfg: Any) -> Decimal:
    return cfg.film.base_width_cm * cfg.film.base_height_cm


def _d(value: Any) -> Decimal | None:
    """Decimal from a frame cell (Decimal, int, str); None for missing values."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        if value != value:  # NaN from an empty object column
            return None
        raise InputError(
            f"金额或小时为二进制浮点数 / A binary float {value!r} reached the fee calculation. "
            "Rule: money and hours are exact (Decimal). Fix: build the frame with Decimal values."
        )
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _scaled_ints(series: pd.Series, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact integer value x scale for a Decimal column: (ints, ok); converts each distinct value once."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    vals = np.zeros(len(uniques) + 1, dtype=np.int64)
    good = np.zeros(len(uniques) + 1, dtype=bool)
    for i, u in enumerate(uniques):  # distinct values only (a year of timesheets has < 100)
        d = _d(u)
        if d is None or not d.is_finite():
            continue
        scaled = d * scale
        if scaled == scaled.to_integral_value():
            vals[i] = int(scaled)
            good[i] = True
    idx = np.where(codes < 0, len(uniques), codes)
    return vals[idx], good[idx]


def _centi_to_decimal(values: Iterable[int]) -> list[Decimal]:
    return [Decimal(int(v)).scaleb(-2) for v in values]


def _sources(df: pd.DataFrame, key: str) -> pd.Series:
    """`[file]sheet!cell` of field `key` for every row: adtools.provenance.source, vectorised."""
    def text(col: str) -> pd.Series:
        if col not in df.columns:
            return pd.Series([""] * len(df), index=df.index, dtype=object)
        return df[col].astype(object).where(df[col].notna(), "").astype(str)

    file, sheet, cell = text("_file"), text("_sheet"), text(f"_cell_{key}")
    where = (sheet + "!" + cell).where(sheet.ne("") & cell.ne(""), sheet)
    return ("[" + file + "]" + where).where(file.ne(""), where).astype(object)


def _as_datetime(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        return series.astype("datetime64[ns]")
    return pd.to_datetime(series, errors="coerce").astype("datetime64[ns]")


def _frame(df: pd.DataFrame | None, columns: Iterable[str]) -> pd.DataFrame:
    """A copy with at least `columns` (missing ones filled with None): hand-built and empty frames both work."""
    out = pd.DataFrame() if df is None else df.copy()
    for c in columns:
        if c not in out.columns:
            out[c] = pd.Series([None] * len(out), index=out.index, dtype=object)
    return out


def _listed(sources: Iterable[str]) -> str:
    src = [s for s in sources if s]
    more = f" (+{len(src) - _MAX_LISTED})" if len(src) > _MAX_LISTED else ""
    return ", ".join(src[:_MAX_LISTED]) + more


def _period(series: pd.Series) -> pd.Series:
    return series.dt.strftime("%Y-%m")


# --------------------------------------------------------------------------- rates by date
def _rate_table(cfg: Any) -> tuple[np.ndarray, pd.DataFrame]:
    """Effective dates (datetime64) of the cards and a (card, category, rate) frame.

    Card 0 is `[rates]`; card i is the rates in force from the i-th [[rate_cards]] date on,
    so `np.searchsorted(dates, work_date, side="right")` is the card in force on a work date.
    """
    eff = [c.effective_from for c in cfg.rate_cards]
    tables = [dict(cfg.rates)] + [dict(cfg.rates_on(d)) for d in eff]
    rows = [(i, cat, rate) for i, t in enumerate(tables) for cat, rate in t.items()]
    frame = pd.DataFrame(rows, columns=["card", "category", "rate"])
    frame["card"] = frame["card"].astype(np.int64)
    return np.array(eff, dtype="datetime64[ns]"), frame


# --------------------------------------------------------------------------- the charge lines
_TS_COLUMNS = ("staff", "week_start", "date", "job_no", "category", "hours")
_COST_COLUMNS = ("date", "job_no", "vendor", "cost_type", "film_kind", "width_cm", "height_cm", "quantity", "amount", "billable")
_SIGN_OFF_COLUMNS = ("job_no", "document", "version", "decision", "decided_on", "amount")


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


def _fen_to_decimal(df: pd.DataFrame, keys: Iterable[str]) -> pd.DataFrame:
    out = df.copy()
    for k in keys:
        out[k] = pd.Series(_centi_to_decimal(out[k]), index=out.index, dtype=object)
    return out


# --------------------------------------------------------------------------- the statement
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
    missing = _missing_timesheets(all_ts, cfg, month, calendar, as_of)
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

    if job is not None and month_lines.empty:
        warnings.append(f"{job} 在 {label} 没有可收费的工时或外付成本 / {job} has no chargeable hours or costs in {label}: "
                        "check the job number")
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


def _missing_timesheets(ts: pd.DataFrame, cfg: Any, month: str, calendar: Workdays | None, as_of: date | None) -> list[tuple[str, date]]:
    weeks = [w for w in statement_weeks(month, calendar) if as_of is None or w <= as_of]
    sent = ts.loc[ts["week_start"].isin(pd.to_datetime(weeks)), ["staff", "week_start"]].drop_duplicates()
    present = set(zip(sent["staff"], sent["week_start"].dt.date))
    return [(p.name, w) for w in weeks for p in cfg.people if (p.name, w) not in present]


def _budget(
    per_job: pd.DataFrame, jobs: pd.Series, sign_offs: pd.DataFrame | None, cfg: Any, last: date, job: str | None,
    warnings: list[str],
) -> pd.DataFrame:
    """Latest approved quote amounts per job against everything billed through the month."""
    so = _frame(sign_offs, _SIGN_OFF_COLUMNS)
    so["decided_on"] = _as_datetime(so["decided_on"])
    approved = so[
        so["decision"].eq("approved")
        & so["document"].isin(QUOTE_DOCUMENTS)
        & (so["decided_on"].isna() | (so["decided_on"] <= pd.Timestamp(last)))
    ].copy()
    if job is not None:
        approved = approved[approved["job_no"] == job]
    approved["version"] = pd.to_numeric(approved["version"], errors="coerce")
    latest = approved.sort_values("version", kind="stable").drop_duplicates(["job_no", "document"], keep="last")
    latest_fen = latest["amount"].map(lambda a: None if (d := _d(a)) is None else to_fen(d))
    no_amount = latest_fen.isna()
    if no_amount.any():
        warnings.append(
            "已确认的报价没有金额 / Approved quotes without an amount: "
            + _listed(_sources(latest[no_amount], "amount") if "_file" in latest.columns else latest.loc[no_amount, "job_no"].astype(str))
        )
    latest = latest.assign(fen=latest_fen)[~no_amount]
    quote = latest.groupby("job_no")["fen"].sum()
    actual = per_job.groupby("job_no")["total"].sum()
    out = pd.DataFrame({"job_no": list(jobs)})
    out["actual_fen"] = out["job_no"].map(actual).fillna(0).astype(np.int64)
    out["approved_fen"] = out["job_no"].map(quote).astype("Int64")
    limit = cfg.fees.budget_warning
    rows = []
    for r in out.itertuples(index=False):  # one per job of the statement
        actual_d = Decimal(int(r.actual_fen)).scaleb(-2)
        if pd.isna(r.approved_fen):
            rows.append((r.job_no, None, actual_d, None, "no_quote"))
            continue
        approved_d = Decimal(int(r.approved_fen)).scaleb(-2)
        share = (actual_d / approved_d).quantize(Decimal("0.0001")) if approved_d else None
        if actual_d > approved_d:
            status = "over"
        elif share is not None and actual_d >= approved_d * limit:
            status = "warning"
        else:
            status = "ok"
        rows.append((r.job_no, approved_d, actual_d, share, status))
    return pd.DataFrame(rows, columns=["job_no", "approved", "actual", "share", "status"]).astype(
        {"approved": object, "actual": object, "share": object}
    )


# --------------------------------------------------------------------------- quotes
def price_quote(header: Mapping[str, Any], lines: pd.DataFrame | Iterable[Mapping[str, Any]], cfg: Any) -> PricedQuote:
    """Price a quote document: hours at the rates in force on quote_date, film pro rata,
    costs x (1 + oop_markup), postage at cost; each line rounded half up; tax on the subtotal.

    `header`: the quote's header fields (job_no, quote_type, version, prepared_by, quote_date);
    `lines`: its table rows (line_type, category, description, hours, width_cm, height_cm,
    quantity, amount), as a frame or as mappings.  Hours and amounts are line totals;
    quantity multiplies film lines only.
    """
    quote_date = header.get("quote_date")
    if isinstance(quote_date, pd.Timestamp):
        quote_date = quote_date.date()
    if not isinstance(quote_date, date):
        raise InputError(
            f"报价单缺少报价日期 / The quote has no usable quote_date ({quote_date!r}). "
            "Rule: hours are priced at the rates in force on the quote date. Fix: fill in 报价日期 Quote date."
        )
    records = lines.to_dict("records") if isinstance(lines, pd.DataFrame) else [dict(r) for r in lines]
    rates = cfg.rates_on(quote_date)
    markup = Decimal(1) + cfg.fees.oop_markup
    priced: list[PricedLine] = []
    warnings: list[str] = []
    for i, r in enumerate(records, 1):  # a quote has a handful of lines
        lt = r.get("line_type")
        cat = r.get("category") or None
        qty_raw = r.get("quantity")
        qty = 1 if qty_raw is None or pd.isna(qty_raw) else int(qty_raw)
        hours, width, height, amount = (_d(r.get(k)) for k in ("hours", "width_cm", "height_cm", "amount"))
        rate = None
        if lt == "hours":
            rate = rates.get(cat)
            if rate is None or hours is None:
                raise InputError(
                    f"报价第 {i} 行无法计价 / Quote line {i}: hours line needs a rate category of [rates] and hours "
                    f"(category {cat!r}, hours {hours}). Fix: use one of {', '.join(rates)} and fill in the hours."
                )
            with localcontext() as ctx:
                ctx.prec = 60
                price = round_fen(hours * rate)
        elif lt == "film":
            if width is None or height is None:
                raise InputError(
                    f"报价第 {i} 行缺少软片尺寸 / Quote line {i}: a film line needs width and height (cm). Fix: fill them in."
                )
            price = film_price(cfg, str(cat), width, height, qty)
        elif lt in ("cost", "postage"):
            if amount is None:
                raise InputError(
                    f"报价第 {i} 行缺少金额 / Quote line {i}: a {lt} line needs its amount. Fix: fill in 金额 Amount."
                )
            with localcontext() as ctx:
                ctx.prec = 60
                price = round_fen(amount * markup if lt == "cost" else amount)
        else:
            raise InputError(
                f"报价第 {i} 行类型未知 / Quote line {i}: unknown line type {lt!r}. Fix: use hours, cost, film or postage."
            )
        if lt != "film" and qty != 1:
            warnings.append(
                f"报价第 {i} 行的数量 {qty} 未参与计算（小时和金额为整行合计） / line {i}: quantity {qty} is not applied "
                "(hours and amounts are line totals; quantity multiplies film only)"
            )
        priced.append(PricedLine(lt, cat, r.get("description") or None, hours, rate, width, height, qty, price))
    subtotal = sum((p.amount for p in priced), _ZERO)
    tax = round_fen(subtotal * cfg.fees.tax_rate)
    version = header.get("version")
    return PricedQuote(
        job_no=str(header.get("job_no") or ""),
        quote_type=str(header.get("quote_type") or ""),
        version=int(version) if version is not None else 0,
        quote_date=quote_date,
        prepared_by=header.get("prepared_by"),
        lines=tuple(priced),
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
        warnings=tuple(warnings),
    )
