"""Turnaround deadlines: each live work-order line's committed due date, target, delivery and status."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..calendar import WorkCalendar
from ..provenance import source
from ._frames import _as_of, _date, _flag, _frame, _int, _local, _records, _text, _value

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["DEADLINE_COLUMNS", "OPEN_STATUSES", "deadlines"]

OPEN_STATUSES = ("overdue", "due_soon", "open")

# work_order.order_type keys (FORMS.md): orders that add work, and the one that cuts it;
# the others (media_change, creative_change) re-issue what they list.
_ADDING_ORDERS = ("new", "add_production")
_CUTTING_ORDER = "cut_production"


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
