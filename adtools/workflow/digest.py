"""The personal morning digest: for each person of [[people]], what they must act on today.

Pure: the workflow frames (deadlines, minutes SLA, approvals awaiting the client),
the job owners from the work orders, the missing timesheets of last week and the
unfixed rejections in; one `Digest` per person out.  Who is whose:

- a deliverable belongs to the work order's `received_by` (the account person who took the order);
- minutes belong to their `prepared_by`;
- an approval awaiting the client belongs to every `received_by` of the job's work orders;
- a timesheet to its `staff`;
- a rejected workbook to the addresses its notice went to, else its author (`submitter`).

Names are matched through `[[people]]` (name or alias, case and spaces ignored).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Iterable

import pandas as pd

from ._frames import _date, _records, _text

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["Digest", "person_digests", "due_within"]


@dataclass(frozen=True)
class Digest:
    """One person's things to act on as of a morning; `empty` when there is nothing (no mail is sent)."""

    name: str
    email: str
    as_of: date
    deliverables: tuple[dict[str, Any], ...] = ()  # overdue or due within one working day
    minutes: tuple[dict[str, Any], ...] = ()  # minutes of important meetings not sent
    approvals: tuple[dict[str, Any], ...] = ()  # sign-offs of their jobs awaiting the client past the SLA
    timesheet_week: date | None = None  # the Monday of last week, when their timesheet is missing
    rejected: tuple[dict[str, Any], ...] = ()  # their workbooks rejected and not fixed yet
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.deliverables or self.minutes or self.approvals or self.timesheet_week or self.rejected)

    def to_json(self) -> dict[str, Any]:
        def plain(v: Any) -> Any:
            if isinstance(v, (pd.Timestamp,)):
                return v.isoformat()
            if isinstance(v, date):
                return v.isoformat()
            if isinstance(v, list):
                return [plain(x) for x in v]
            return None if v is None or (not isinstance(v, (str, int)) and pd.isna(v)) else v if isinstance(v, (str, int)) else str(v)

        return {
            "name": self.name, "email": self.email, "as_of": self.as_of.isoformat(),
            "deliverables": [{k: plain(v) for k, v in r.items()} for r in self.deliverables],
            "minutes": [{k: plain(v) for k, v in r.items()} for r in self.minutes],
            "approvals": [{k: plain(v) for k, v in r.items()} for r in self.approvals],
            "timesheet_week": self.timesheet_week.isoformat() if self.timesheet_week else None,
            "rejected": [{k: plain(v) for k, v in r.items()} for r in self.rejected],
        }


def due_within(deadlines: pd.DataFrame, working_days: int = 1) -> pd.DataFrame:
    """Open lines overdue, or due within `working_days` working days (today counts as 0)."""
    if deadlines is None or deadlines.empty:
        return deadlines
    left = pd.to_numeric(deadlines["working_days_left"], errors="coerce")
    keep = (deadlines["status"] == "overdue") | (deadlines["status"].isin(("open", "due_soon")) & (left <= working_days))
    return deadlines[keep.fillna(False).astype(bool)]


def person_digests(
    cfg: "Config",
    as_of: date,
    *,
    deadlines: pd.DataFrame,
    minutes: pd.DataFrame,
    awaiting: pd.DataFrame,
    work_orders: pd.DataFrame,
    missing_timesheets: Iterable[str],
    timesheet_week: date,
    rejected: pd.DataFrame,
) -> list[Digest]:
    """One Digest per person of [[people]] (in config order), each with the rows that are theirs."""

    def who(text: Any) -> str | None:
        t = _text(text)
        p = cfg.person(t) if t else None
        return p.name if p else None

    deliverables: dict[str, list[dict[str, Any]]] = {}
    for r in _records(due_within(deadlines, 1)):
        name = who(r.get("received_by"))
        if name:
            deliverables.setdefault(name, []).append({
                "job_no": r.get("job_no"), "deliverable": r.get("deliverable"), "order_no": r.get("order_no"),
                "target": _date(r.get("target")), "status": r.get("status"),
                "working_days_left": r.get("working_days_left"), "working_days_late": r.get("working_days_late"),
                "source": r.get("source")})
    owed: dict[str, list[dict[str, Any]]] = {}
    for r in _records(minutes):
        if r.get("status") not in ("missing", "pending"):
            continue
        name = who(r.get("prepared_by"))
        if name:
            owed.setdefault(name, []).append({
                "title": r.get("title"), "job_no": r.get("job_no"), "meeting_end": r.get("meeting_end"),
                "deadline": r.get("deadline"), "status": r.get("status"), "source": r.get("source")})
    owners: dict[str, set[str]] = {}
    for r in _records(work_orders, ("job_no", "received_by")):
        name, job = who(r.get("received_by")), _text(r.get("job_no"))
        if name and job:
            owners.setdefault(job, set()).add(name)
    approvals: dict[str, list[dict[str, Any]]] = {}
    for r in _records(awaiting):
        for name in sorted(owners.get(_text(r.get("job_no")) or "", ())):
            approvals.setdefault(name, []).append({
                "job_no": r.get("job_no"), "document": r.get("document"), "version": r.get("version"),
                "submitted_on": _date(r.get("submitted_on")), "response_due": _date(r.get("response_due")),
                "working_days_waiting": r.get("working_days_waiting"), "source": r.get("source")})
    by_email = {p.email.casefold(): p.name for p in cfg.people if p.email}
    fixes: dict[str, list[dict[str, Any]]] = {}
    for r in _records(rejected):
        names = {by_email[a.casefold()] for a in (r.get("notify_to") or []) if a.casefold() in by_email}
        if not names and who(r.get("submitter")):
            names = {who(r.get("submitter"))}
        for name in names:
            fixes.setdefault(name, []).append({
                "file": r.get("file"), "form_id": r.get("form_id"), "ingested_at": r.get("ingested_at"),
                "reason": r.get("reason")})
    missing = set(missing_timesheets)
    out = []
    for p in cfg.people:
        out.append(Digest(
            p.name, p.email, as_of,
            tuple(deliverables.get(p.name, ())), tuple(owed.get(p.name, ())), tuple(approvals.get(p.name, ())),
            timesheet_week if p.name in missing else None, tuple(fixes.get(p.name, ())),
        ))
    return out
