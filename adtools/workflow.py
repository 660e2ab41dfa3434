"""The manual's job workflow as data, and the deadline, sign-off gate and SLA calculators of the Monday report.

Pure functions: ledger frames (docs/CONTRACTS.md "Ledger frames") and Config in,
DataFrames and a `WeeklySummary` out; no file or network I/O.  Every calculator
takes an `as_of` date meaning the end of that day in the configured time zone:
rows dated later are ignored, and sign-off decisions dated later count as still
pending.

Output frames use these types: dates `datetime64` (naive midnight), working-day
counts `Int64`, hours `Decimal`, lists of keys or warnings as Python lists, and a
`source` column with the Excel reference of the cell a row came from.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

import pandas as pd

from .calendar import WorkCalendar
from . import clock
from .clock import last_friday
from .errors import InputError
from .forms.catalog import SIGN_OFF_DOCUMENTS
from .forms.catalog import STAGES as _STAGE_CHOICES
from .provenance import source
from .money import fmt2, round_fen

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config

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

log = logging.getLogger("adtools.workflow")

# --------------------------------------------------------------------------- the workflow as data
BRANCHES = ("common", "media", "creative")


@dataclass(frozen=True)
class Stage:
    """One step of the manual's workflow (恒美对客户工作流程), keyed as FORMS.md `progress.stage`."""

    key: str
    step: int  # the manual's number; the media and creative branches both count from 7
    branch: str  # common | media | creative
    label_zh: str
    label_en: str
    parties: tuple[str, ...]  # responsible, as `progress.owner` keys: client, account, creative, media
    gate: str | None = None  # a client confirmation step: the sign_off document it confirms
    requires: tuple[str, ...] = ()  # sign_off documents the client must have approved before this step

    @property
    def is_gate(self) -> bool:
        return self.gate is not None

    @property
    def label(self) -> str:
        return f"{self.label_zh} / {self.label_en}"


# The five client confirmation gates: stage key -> the sign_off document it confirms.
GATES: Mapping[str, str] = MappingProxyType(
    {
        "confirm_work_plan": "work_plan",
        "confirm_concept": "concept_strategy",
        "confirm_media_schedule": "media_schedule",
        "confirm_design": "design_quote",
        "confirm_artwork": "artwork_production_quote",
    }
)

# Issue 5: the client's approvals a recorded step needs ("the next step may start only
# after the client's written approval").  Steps not named here need none.
REQUIREMENTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "internal_discussion": ("work_plan",),
        "proposal": ("work_plan",),
        "media_schedule": ("concept_strategy",),
        "creative_design": ("concept_strategy",),
        "media_booking": ("media_schedule",),
        "production_quote": ("design_quote",),
        "production": ("artwork_production_quote",),
        "send_to_media": ("artwork_production_quote", "media_schedule"),
    }
)

# sign_off.document keys (FORMS.md) with their labels.
DOCUMENT_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {c.key: (c.zh, c.en) for c in SIGN_OFF_DOCUMENTS}
)


_STAGE_LABELS = {c.key: (c.zh, c.en) for c in _STAGE_CHOICES}  # the progress form's labels: one wording everywhere


def _stage(key: str, step: int, branch: str, *parties: str) -> Stage:
    zh, en = _STAGE_LABELS[key]
    return Stage(key, step, branch, zh, en, parties, GATES.get(key), REQUIREMENTS.get(key, ()))


STAGES: tuple[Stage, ...] = (
    _stage("work_order", 1, "common", "client"),
    _stage("internal_brief", 2, "common", "account"),
    _stage("confirm_work_plan", 3, "common", "client"),
    _stage("internal_discussion", 4, "common", "account", "creative", "media"),
    _stage("proposal", 5, "common", "account", "creative", "media"),
    _stage("confirm_concept", 6, "common", "client"),
    _stage("media_schedule", 7, "media", "account", "media"),
    _stage("confirm_media_schedule", 8, "media", "client"),
    _stage("media_booking", 9, "media", "account", "media"),
    _stage("media_prepayment", 10, "media", "client"),
    _stage("creative_design", 7, "creative", "account", "creative"),
    _stage("confirm_design", 8, "creative", "client"),
    _stage("production_quote", 9, "creative", "account", "creative"),
    _stage("artwork", 10, "creative", "account", "creative"),
    _stage("confirm_artwork", 11, "creative", "client"),
    _stage("production", 12, "creative", "creative"),
    _stage("deliver_to_media_agency", 13, "creative", "account"),
    _stage("send_to_media", 14, "common", "media"),
    _stage("monitoring_report", 15, "common", "media", "account"),
)
STAGE_BY_KEY: Mapping[str, Stage] = MappingProxyType({s.key: s for s in STAGES})

OPEN_STATUSES = ("overdue", "due_soon", "open")

# work_order.order_type keys (FORMS.md): orders that add work, and the one that cuts it;
# the others (media_change, creative_change) re-issue what they list.
_ADDING_ORDERS = ("new", "add_production")
_CUTTING_ORDER = "cut_production"

# --------------------------------------------------------------------------- small helpers




def _missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, (list, tuple, dict, set)):
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _value(v: Any) -> Any:
    """None for every flavour of missing (None, NaN, NaT, pd.NA), else the value."""
    return None if _missing(v) else v


def _date(v: Any) -> date | None:
    """A plain date from a date, datetime or Timestamp (aware ones by their own clock); None if missing."""
    if _missing(v):
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return pd.Timestamp(v).date()


def _as_of(v: Any) -> date:
    """The as-of date of a calculator call (a date-time counts by its own date)."""
    d = _date(v)
    if d is None:
        raise InputError(
            "缺少截止日期 / as_of is missing. Fix: pass the report date, e.g. date(2026, 10, 16), "
            "or leave it out of weekly_summary to use last Friday."
        )
    return d


def _local(v: Any, tz) -> pd.Timestamp | None:
    """An aware Timestamp in `tz` (a naive value is taken as local time); None if missing."""
    if _missing(v):
        return None
    ts = pd.Timestamp(v)
    return ts.tz_localize(tz) if ts.tzinfo is None else ts.tz_convert(tz)


def _end_of(day: date, tz) -> pd.Timestamp:
    """The end of `day` in `tz`: midnight that starts the next day."""
    return pd.Timestamp(datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz))


def _text(v: Any) -> str | None:
    v = _value(v)
    return None if v is None else str(v)


def _int(v: Any) -> int | None:
    v = _value(v)
    return None if v is None else int(v)


def _flag(v: Any) -> bool:
    v = _value(v)
    return bool(v) if v is not None else False


_PROVENANCE = ("_file", "_sheet", "_row")


def _records(df: pd.DataFrame | None, fields: tuple[str, ...] | None = None, cells: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Rows as dicts; with `fields`, only those columns plus the provenance that `source()` needs for `cells`."""
    if df is None or df.empty:
        return []
    if fields is not None:
        wanted = [*fields, *_PROVENANCE, *(f"_cell_{k}" for k in cells)]
        df = df[[c for c in dict.fromkeys(wanted) if c in df.columns]]
    return df.to_dict("records")


def _frame(records: list[dict[str, Any]], columns: tuple[str, ...], dates=(), ints=()) -> pd.DataFrame:
    """A result frame with fixed columns (also when empty) and the documented types."""
    df = pd.DataFrame.from_records(records, columns=list(columns))
    for c in dates:
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    for c in ints:
        df[c] = pd.array(df[c].tolist(), dtype="Int64")
    return df


# --------------------------------------------------------------------------- turnaround deadlines
DEADLINE_COLUMNS = (
    "job_no", "order_no", "order_type", "deliverable", "quantity", "received_by", "received",
    "turnaround_days", "committed_due", "requested_due", "rush", "target", "delivered_on",
    "status", "working_days_late", "working_days_left", "supersedes", "source",
    "delivered_source", "warnings",
)  # fmt: skip


def deadlines(
    work_orders: pd.DataFrame,
    progress: pd.DataFrame,
    cfg: "Config",
    cal: WorkCalendar,
    as_of: date,
    *,
    due_soon_days: int = 2,
) -> pd.DataFrame:
    """One row per live work-order line: its committed due date, target, delivery and status as of `as_of`.

    Rules:
    - received = the calendar date of the work order's `issued_at` in the configured
      time zone (a naive value is taken as local time).  Orders received after
      `as_of` are ignored; so are progress rows done after it.
    - committed_due = `cal.add_workdays(received, [turnaround][deliverable])`: the day
      of receipt does not count.  A deliverable missing from `[turnaround]` gets no
      committed date and a warning.
    - rush = the order's `rush` is Y, or `requested_due` is earlier than committed_due.
      target = the earlier of committed_due and requested_due (a later requested date
      does not relax the commitment).
    - Change orders: a job's work orders are taken in order of `issued_at` (then
      `order_no`).  A `new` or `add_production` order adds its lines (more work, each
      with its own date; what was ordered before keeps its date).  A `cut_production`
      order takes the quantity it lists off the job's live lines of that deliverable,
      latest first, keeping their dates; a line cut to nothing is withdrawn.  It never
      sets a date of its own: cut work is not due.  A `media_change` or
      `creative_change` order re-issues the deliverables it lists: its lines for
      deliverable D replace every live line of the same job for D (their order numbers
      go to `supersedes`), so the dates move to the change order's receipt.
      Deliverables an order does not list keep their lines.
    - delivered_on: progress rows of the job naming the deliverable in `deliverable`
      are deliveries; the job's lines for that deliverable, taken by receipt, each
      take the first unused delivery done on or after their receipt.
    - status: `delivered` (on or before target), `delivered_late`, else `overdue`
      (as_of past target), `due_soon` (target within `due_soon_days` working days of
      as_of, today included), or `open`.  working_days_late = working days from
      target to delivery (late lines) or to as_of (overdue); working_days_left =
      working days from as_of to target (open and due-soon lines).
    - warnings: the calendar warnings of the days the row's figures span, and data
      problems.  Rows that cannot be placed at all (no issued_at) are left out and
      named in `result.attrs["warnings"]`.

    Columns: DEADLINE_COLUMNS, sorted by job_no, target.
    """
    as_of = _as_of(as_of)
    tz = cfg.tz
    frame_warnings: list[str] = []

    # -- the live lines, after change orders
    lines_by_job: dict[str, list[dict[str, Any]]] = {}
    wo_fields = ("order_no", "job_no", "order_type", "issued_at", "received_by", "rush", "deliverable", "quantity", "requested_due")
    for rec in _records(work_orders, wo_fields, cells=("issued_at", "deliverable")):
        received_at = _local(rec.get("issued_at"), tz)
        job = _text(rec.get("job_no"))
        deliverable = _text(rec.get("deliverable"))
        if job is None or deliverable is None:
            continue  # an empty line: validation's business
        if received_at is None:
            frame_warnings.append(
                f"布置单 {rec.get('order_no')} 缺少布置时间，未计算期限 / work order {rec.get('order_no')} "
                f"has no issued_at; its deadlines were not computed ({source(rec, 'issued_at')})"
            )
            continue
        received = received_at.date()
        if received > as_of:
            continue
        rec = dict(rec, _received=received, _received_at=received_at, _job=job, _deliverable=deliverable)
        lines_by_job.setdefault(job, []).append(rec)

    live: list[dict[str, Any]] = []
    for job, recs in lines_by_job.items():
        orders: dict[str, list[dict[str, Any]]] = {}
        for r in recs:
            orders.setdefault(str(_value(r.get("order_no"))), []).append(r)
        ordered = sorted(orders.items(), key=lambda kv: (kv[1][0]["_received_at"], kv[0]))
        active: dict[str, list[dict[str, Any]]] = {}
        for order_no, order_lines in ordered:
            kind = _text(order_lines[0].get("order_type")) or "new"
            if kind in _ADDING_ORDERS:
                for r in order_lines:
                    active.setdefault(r["_deliverable"], []).append(dict(r, _supersedes=[]))
                continue
            if kind == _CUTTING_ORDER:
                for r in order_lines:
                    cut = _int(r.get("quantity")) or 1
                    kept = active.get(r["_deliverable"], [])
                    while cut > 0 and kept:
                        last = kept[-1]
                        have = _int(last.get("quantity")) or 1
                        if have > cut:
                            kept[-1] = dict(last, quantity=have - cut)
                            cut = 0
                        else:
                            kept.pop()
                            cut -= have
                continue
            listed: dict[str, list[dict[str, Any]]] = {}
            for r in order_lines:
                listed.setdefault(r["_deliverable"], []).append(r)
            for deliverable, new_lines in listed.items():
                replaced = active.get(deliverable, [])
                earlier = [s for x in replaced for s in x["_supersedes"]]  # oldest first
                earlier = list(dict.fromkeys([*earlier, *(str(_value(x.get("order_no"))) for x in replaced)]))
                active[deliverable] = [dict(r, _supersedes=earlier) for r in new_lines]
        for rs in active.values():
            live.extend(rs)

    # -- deliveries recorded in the progress log
    deliveries: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for rec in _records(progress, ("job_no", "done_on", "deliverable"), cells=("deliverable",)):
        done = _date(rec.get("done_on"))
        job, deliverable = _text(rec.get("job_no")), _text(rec.get("deliverable"))
        if done is None or job is None or deliverable is None or done > as_of:
            continue
        deliveries.setdefault((job, deliverable), []).append(dict(rec, _done=done))
    for recs in deliveries.values():
        recs.sort(key=lambda r: (r["_done"], _int(r.get("_row")) or 0))

    live.sort(key=lambda r: (r["_job"], r["_deliverable"], r["_received_at"], str(r.get("order_no")), _int(r.get("_row")) or 0))
    used: set[int] = set()
    rows = []
    for r in live:
        warnings: list[str] = []
        deliverable = r["_deliverable"]
        received = r["_received"]
        days = cfg.turnaround.get(deliverable)
        committed = cal.add_workdays(received, days) if days is not None else None
        if days is None:
            warnings.append(
                f"交付项目 {deliverable} 未在 [turnaround] 中配置工作日数 / deliverable {deliverable!r} "
                "has no [turnaround] days in config.toml; add it to compute the committed due date"
            )
        requested = _date(r.get("requested_due"))
        rush = _flag(r.get("rush")) or (requested is not None and committed is not None and requested < committed)
        candidates = [d for d in (committed, requested) if d is not None]
        target = min(candidates) if candidates else None

        delivery = None
        for d in deliveries.get((r["_job"], deliverable), []):
            if id(d) not in used and d["_done"] >= received:
                delivery = d
                used.add(id(d))
                break
        delivered_on = delivery["_done"] if delivery else None

        late = left = None
        span = [received, *candidates]
        if target is None:
            status = "delivered" if delivered_on else "open"
        elif delivered_on is not None:
            status = "delivered" if delivered_on <= target else "delivered_late"
            late = max(cal.workdays_between(target, delivered_on), 0) if status == "delivered_late" else None
            span.append(delivered_on)
        elif as_of > target:
            status = "overdue"
            late = cal.workdays_between(target, as_of)
            span.append(as_of)
        else:
            left = cal.workdays_between(as_of, target)
            status = "due_soon" if left <= due_soon_days else "open"
            span.append(as_of)
        warnings = list(cal.warnings_for(min(span), max(span))) + warnings
        rows.append(
            {
                "job_no": r["_job"],
                "order_no": _text(r.get("order_no")),
                "order_type": _text(r.get("order_type")),
                "deliverable": deliverable,
                "quantity": _int(r.get("quantity")) or 1,
                "received_by": _text(r.get("received_by")),
                "received": received,
                "turnaround_days": days,
                "committed_due": committed,
                "requested_due": requested,
                "rush": rush,
                "target": target,
                "delivered_on": delivered_on,
                "status": status,
                "working_days_late": late,
                "working_days_left": left,
                "supersedes": r["_supersedes"],
                "source": source(r, "deliverable"),
                "delivered_source": source(delivery, "deliverable") if delivery else "",
                "warnings": warnings,
            }
        )
    out = _frame(
        rows,
        DEADLINE_COLUMNS,
        dates=("received", "committed_due", "requested_due", "target", "delivered_on"),
        ints=("quantity", "turnaround_days", "working_days_late", "working_days_left"),
    )
    out = out.sort_values(["job_no", "target", "deliverable"], kind="stable", na_position="last").reset_index(drop=True)
    out.attrs["warnings"] = frame_warnings
    return out


# --------------------------------------------------------------------------- sign-off gates
GATE_COLUMNS = ("job_no", "stage", "done_on", "owner", "missing", "detail", "source")


def _sign_off_versions(sign_offs: pd.DataFrame | None) -> dict[tuple[str, str], dict[int, dict[str, Any]]]:
    """(job, document) -> version -> the register row for it.

    Where a version appears on more than one row, a decided row beats a pending one
    and the later decision wins.
    """
    out: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
    for rec in _records(sign_offs, ("register_id", "job_no", "document", "version", "submitted_on", "decision", "decided_on"), cells=("submitted_on",)):
        job, doc, version = _text(rec.get("job_no")), _text(rec.get("document")), _int(rec.get("version"))
        submitted, decided = _date(rec.get("submitted_on")), _date(rec.get("decided_on"))
        if job is None or doc is None or version is None:
            continue
        rec = dict(
            rec,
            _job=job,
            _doc=doc,
            _version=version,
            _submitted=submitted or decided,
            _decision=_text(rec.get("decision")),
            _decided=decided,
        )
        if rec["_submitted"] is None:
            continue
        versions = out.setdefault((job, doc), {})
        old = versions.get(version)
        if old is None or _decided_rank(rec) >= _decided_rank(old):
            versions[version] = rec
    return out


def _decided_rank(rec: dict[str, Any]) -> tuple[bool, date]:
    return (rec["_decision"] is not None, rec["_decided"] or date.min)


def _approval_gap(versions: dict[int, dict[str, Any]] | None, doc: str, when: date) -> str | None:
    """None when the version of `doc` in force on `when` was approved by then; else why not (zh / en)."""
    zh, en = DOCUMENT_LABELS.get(doc, (doc, doc))
    known = [v for v in (versions or {}).values() if v["_submitted"] <= when]
    if not known:
        return f"{zh}：此前未提交客户确认 / {en}: not submitted to the client by then"
    latest = max(known, key=lambda v: v["_version"])
    n, decision, decided = latest["_version"], latest["_decision"], latest["_decided"]
    if decision is not None and decided is not None and decided <= when:
        if decision == "approved":
            return None
        if decision == "revise":
            return f"{zh} 第{n}版客户要求修改（{decided:%Y-%m-%d}）/ {en} v{n} returned for revision ({decided:%Y-%m-%d})"
        return f"{zh} 第{n}版被客户否决（{decided:%Y-%m-%d}）/ {en} v{n} rejected ({decided:%Y-%m-%d})"
    if decision == "approved" and decided is not None:
        return f"{zh} 第{n}版于 {decided:%Y-%m-%d} 才确认 / {en} v{n} approved only on {decided:%Y-%m-%d}, after this step"
    return f"{zh} 第{n}版尚待客户确认 / {en} v{n} still awaited the client's decision"


def _campaign_jobs(work_orders: pd.DataFrame | None) -> dict[str, tuple[str, ...]]:
    """job -> the jobs of the same campaign (itself first), from the work orders' `campaign`."""
    by_campaign: dict[str, list[str]] = {}
    job_campaign: dict[str, str] = {}
    for rec in _records(work_orders, ("job_no", "campaign")):
        job, campaign = _text(rec.get("job_no")), _text(rec.get("campaign"))
        if job and campaign:
            job_campaign.setdefault(job, campaign)
            if job not in by_campaign.setdefault(campaign, []):
                by_campaign[campaign].append(job)
    return {job: (job, *(j for j in by_campaign[c] if j != job)) for job, c in job_campaign.items()}


def gate_violations(
    progress: pd.DataFrame, sign_offs: pd.DataFrame, as_of: date, *, work_orders: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Steps of the progress log done without the client approvals they need (REQUIREMENTS).

    A progress row of stage S done on day D (D <= as_of) violates a gate when, for a
    document S requires, the version in force on D (the highest version of that job's
    document submitted on or before D) was not approved with `decided_on` on or
    before D.  `missing` lists those document keys; `detail` says why, per document.

    With `work_orders`, an approval of another job of the same campaign also counts:
    an agency often runs a campaign's creative and its media as two jobs, and
    sending materials to the media needs both the artwork and the media schedule.

    Columns: GATE_COLUMNS, sorted by done_on, job_no.
    """
    as_of = _as_of(as_of)
    versions = _sign_off_versions(sign_offs)
    siblings = _campaign_jobs(work_orders)
    rows = []
    for rec in _records(progress, ("job_no", "stage", "done_on", "owner"), cells=("stage",)):
        stage = _text(rec.get("stage"))
        needs = REQUIREMENTS.get(stage or "", ())
        done = _date(rec.get("done_on"))
        job = _text(rec.get("job_no"))
        if not needs or done is None or job is None or done > as_of:
            continue
        missing, detail = [], []
        for doc in needs:
            gaps = [_approval_gap(versions.get((j, doc)), doc, done) for j in siblings.get(job, (job,))]
            gap = None if None in gaps else gaps[0]
            if gap is not None:
                missing.append(doc)
                detail.append(gap)
        if missing:
            rows.append(
                {
                    "job_no": job,
                    "stage": stage,
                    "done_on": done,
                    "owner": _text(rec.get("owner")),
                    "missing": missing,
                    "detail": detail,
                    "source": source(rec, "stage"),
                }
            )
    out = _frame(rows, GATE_COLUMNS, dates=("done_on",))
    return out.sort_values(["done_on", "job_no"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- client response SLA
AWAITING_COLUMNS = (
    "job_no", "document", "version", "submitted_on", "response_due", "working_days_waiting",
    "register_id", "source", "warnings",
)  # fmt: skip


def awaiting_client(sign_offs: pd.DataFrame, cfg: "Config", cal: WorkCalendar, as_of: date) -> pd.DataFrame:
    """Sign-offs the client has left pending longer than `[sla] client_response_days` working days.

    Per job and document, the latest version submitted on or before as_of counts;
    it is pending when it has no decision, or its decision is dated after as_of.
    working_days_waiting = working days after submitted_on up to as_of; listed when
    greater than client_response_days.  response_due = the last day the client had.

    Columns: AWAITING_COLUMNS, most waiting first.
    """
    as_of = _as_of(as_of)
    limit = cfg.sla.client_response_days
    rows = []
    for (job, doc), versions in _sign_off_versions(sign_offs).items():
        known = [v for v in versions.values() if v["_submitted"] <= as_of]
        if not known:
            continue
        latest = max(known, key=lambda v: v["_version"])
        decided = latest["_decided"]
        if latest["_decision"] is not None and (decided is None or decided <= as_of):
            continue
        submitted = latest["_submitted"]
        waiting = cal.workdays_between(submitted, as_of)
        if waiting <= limit:
            continue
        due = cal.add_workdays(submitted, limit)
        rows.append(
            {
                "job_no": job,
                "document": doc,
                "version": latest["_version"],
                "submitted_on": submitted,
                "response_due": due,
                "working_days_waiting": waiting,
                "register_id": _text(latest.get("register_id")),
                "source": source(latest, "submitted_on"),  # the date the waiting counts from
                "warnings": list(cal.warnings_for(submitted, as_of)),
            }
        )
    out = _frame(rows, AWAITING_COLUMNS, dates=("submitted_on", "response_due"), ints=("version", "working_days_waiting"))
    return out.sort_values(["working_days_waiting", "job_no", "document"], ascending=[False, True, True], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- minutes SLA
MINUTES_COLUMNS = (
    "title", "job_no", "meeting_start", "meeting_end", "deadline", "sent_at", "status",
    "hours_late", "prepared_by", "source",
)  # fmt: skip


def _hours(delta: pd.Timedelta) -> Decimal:
    """Clock hours, exactly (from integer nanoseconds), rounded half up to 0.01."""
    return round_fen(Decimal(pd.Timedelta(delta).value) / Decimal(3_600_000_000_000))


def minutes_sla(minutes_docs: pd.DataFrame, cfg: "Config", as_of: date) -> pd.DataFrame:
    """Minutes of important meetings against `[sla] minutes_hours` clock hours after the meeting's end.

    Takes one row per minutes document (`frames.documents(ledger, "minutes")`).
    Meetings marked important and ended by the end of as_of count:
    `on_time` (sent by meeting_end + minutes_hours), `late` (sent after; hours_late
    = how much), `missing` (not sent by the end of as_of although due; hours_late =
    hours overdue then) or `pending` (not sent, not yet due).  A sent_at after the
    end of as_of counts as not sent.  hours_late is a Decimal rounded to 0.01.

    Columns: MINUTES_COLUMNS, by meeting_end.
    """
    as_of = _as_of(as_of)
    tz = cfg.tz
    end = _end_of(as_of, tz)
    allowed = pd.Timedelta(hours=cfg.sla.minutes_hours)
    rows = []
    for rec in _records(minutes_docs, ("title", "job_no", "meeting_start", "meeting_end", "important", "sent_at", "prepared_by"), cells=("sent_at",)):
        if not _flag(rec.get("important")):
            continue
        meeting_end = _local(rec.get("meeting_end"), tz)
        if meeting_end is None or meeting_end >= end:
            continue
        deadline = meeting_end + allowed
        sent = _local(rec.get("sent_at"), tz)
        if sent is not None and sent >= end:
            sent = None
        hours_late = None
        if sent is not None:
            status = "on_time" if sent <= deadline else "late"
            if status == "late":
                hours_late = _hours(sent - deadline)
        elif end > deadline:
            status = "missing"
            hours_late = _hours(end - deadline)
        else:
            status = "pending"
        rows.append(
            {
                "title": _text(rec.get("title")),
                "job_no": _text(rec.get("job_no")),
                "meeting_start": _local(rec.get("meeting_start"), tz),
                "meeting_end": meeting_end,
                "deadline": deadline,
                "sent_at": sent,
                "status": status,
                "hours_late": hours_late,
                "prepared_by": _text(rec.get("prepared_by")),
                "source": source(rec, "sent_at"),
            }
        )
    out = _frame(rows, MINUTES_COLUMNS)
    for c in ("meeting_start", "meeting_end", "deadline", "sent_at"):
        out[c] = pd.to_datetime(out[c], utc=True).dt.tz_convert(tz).astype(f"datetime64[ns, {cfg.time.timezone}]")
    return out.sort_values(["meeting_end", "title"], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- the Monday summary
def _iso_date(v: Any) -> str | None:
    d = _date(v)
    return None if d is None else d.isoformat()


def _iso_datetime(v: Any) -> str | None:
    return None if _missing(v) else pd.Timestamp(v).isoformat()


@dataclass(frozen=True, eq=False)
class WeeklySummary:
    """Everything the Monday progress report shows, as of the end of `as_of`.

    deadlines: every live work-order line (see `deadlines`); overdue / due_soon /
    open_lines are views of it.  gate_violations: every violation recorded by
    as_of.  awaiting_client: as `awaiting_client`.  minutes: important meetings
    that ended in the report's week (as_of - 6 days .. as_of) plus older ones whose
    minutes are still missing.  warnings: calendar warnings of every figure shown,
    then data warnings, each once.
    """

    as_of: date
    deadlines: pd.DataFrame
    gate_violations: pd.DataFrame
    awaiting_client: pd.DataFrame
    minutes: pd.DataFrame
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def jobs(self) -> int:
        """Jobs with a work order received by as_of."""
        return int(self.deadlines["job_no"].nunique())

    @property
    def open_lines(self) -> pd.DataFrame:
        return self.deadlines[self.deadlines["status"].isin(OPEN_STATUSES)]

    @property
    def open_deliverables(self) -> int:
        return len(self.open_lines)

    @property
    def minutes_late(self) -> int:
        """Important meetings whose minutes were sent late or are still missing."""
        return int(self.minutes["status"].isin(["late", "missing"]).sum())

    @property
    def overdue(self) -> pd.DataFrame:
        d = self.deadlines[self.deadlines["status"] == "overdue"]
        return d.sort_values(["working_days_late", "job_no"], ascending=[False, True], kind="stable")

    @property
    def due_soon(self) -> pd.DataFrame:
        d = self.deadlines[self.deadlines["status"] == "due_soon"]
        return d.sort_values(["target", "job_no"], kind="stable")

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of issue 5 (`adtools report weekly --json`), JSON conventions of CONTRACTS.md."""
        return {
            "as_of": self.as_of.isoformat(),
            "jobs": self.jobs,
            "open_deliverables": self.open_deliverables,
            "overdue": [
                {"job_no": r["job_no"], "deliverable": r["deliverable"], "due": _iso_date(r["target"]),
                 "working_days_late": int(r["working_days_late"])}
                for r in _records(self.overdue)
            ],
            "due_soon": [
                {"job_no": r["job_no"], "deliverable": r["deliverable"], "due": _iso_date(r["target"]),
                 "working_days_left": int(r["working_days_left"])}
                for r in _records(self.due_soon)
            ],
            "awaiting_client": [
                {"job_no": r["job_no"], "document": r["document"], "version": int(r["version"]),
                 "submitted_on": _iso_date(r["submitted_on"]), "working_days_waiting": int(r["working_days_waiting"])}
                for r in _records(self.awaiting_client)
            ],
            "gate_violations": [
                {"job_no": r["job_no"], "stage": r["stage"], "done_on": _iso_date(r["done_on"]), "missing": list(r["missing"])}
                for r in _records(self.gate_violations)
            ],
            "minutes": [
                {"title": r["title"], "meeting_end": _iso_datetime(r["meeting_end"]), "sent_at": _iso_datetime(r["sent_at"]),
                 "status": r["status"], "hours_late": None if _missing(r["hours_late"]) else fmt2(r["hours_late"])}
                for r in _records(self.minutes)
            ],
            "warnings": list(self.warnings),
        }  # fmt: skip

    def to_json(self, **dumps: Any) -> str:
        """`to_dict()` as JSON text (UTF-8 characters kept, indented by default)."""
        dumps.setdefault("ensure_ascii", False)
        dumps.setdefault("indent", 2)
        return json.dumps(self.to_dict(), **dumps)


def weekly_summary(
    cfg: "Config",
    *,
    work_orders: pd.DataFrame,
    progress: pd.DataFrame,
    sign_offs: pd.DataFrame,
    minutes_docs: pd.DataFrame,
    as_of: date | None = None,
    today: date | None = None,
    cal: WorkCalendar | None = None,
) -> WeeklySummary:
    """Assemble deadlines, gate violations, awaiting-client and minutes SLA into one WeeklySummary.

    as_of defaults to `last_friday(today)`; today defaults to the current date in
    the configured time zone (tests pass as_of or today).
    """
    if as_of is None:
        as_of = last_friday(today if today is not None else clock.today(cfg.tz))
    as_of = _as_of(as_of)
    cal = cal or WorkCalendar.from_config(cfg)

    lines = deadlines(work_orders, progress, cfg, cal, as_of)
    violations = gate_violations(progress, sign_offs, as_of, work_orders=work_orders)
    waiting = awaiting_client(sign_offs, cfg, cal, as_of)
    minutes = minutes_sla(minutes_docs, cfg, as_of)
    if not minutes.empty:
        week_start = pd.Timestamp(datetime.combine(as_of - timedelta(days=6), time(0), tzinfo=cfg.tz))
        minutes = minutes[(minutes["meeting_end"] >= week_start) | (minutes["status"] == "missing")].reset_index(drop=True)

    found: list[str] = []
    for frame in (lines, waiting):
        for ws in frame["warnings"]:
            found.extend(ws)
    found.extend(lines.attrs.get("warnings", []))
    calendar = [w for w in map(cal.year_warning, cal.assumed_years_used) if w in found]  # by year
    warnings = tuple(dict.fromkeys([*calendar, *found]))
    for w in warnings:
        log.info("weekly summary %s: %s", as_of, w)
    return WeeklySummary(as_of, lines, violations, waiting, minutes, warnings)
