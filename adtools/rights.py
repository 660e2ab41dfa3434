"""Archive and rights: rights about to end, ads booked or run after them, outside their scope, gaps in the archive.

The manual (文件存档管理) says every signed creative belongs to the client, goes to
the client in copy and is archived with its legal documents: the model's portrait
rights (模特肖像权, `model_release`) and the footage or stock licence (租片,
`footage_licence`).  This calculator reads the archive register against the media
schedules, the monitoring log, the sign-off register and the minutes:

- **expiring**: rights ending within `[sla] rights_alert_days` calendar days after
  the as-of date (ending on the as-of day itself: 0 days left, still valid that day);
  `rights_alerts` gives the escalation step of each (`[sla] rights_alert_steps`);
- **expired in use**: booked insertions of the same job whose run date is after the
  rights end (an insertion on the last day of the rights is inside them), each with
  the clipping of the client's ad that proves it ran, where the monitoring has one;
- **outside scope**: where a right's scope text names print titles or cities (read
  against `[monitoring] media` and the cities in use), the insertions outside it; a
  scope with words this reading does not know is listed, never guessed;
- **missing archive entries**: approved design/artwork sign-offs without a
  `signed_creative` entry for the job, approved media schedules without
  `signed_media_plan`, approved quotes without `signed_quote`, minutes without an
  archive entry;
- **client copy overdue**: signed creative without `client_copy_on` more than
  `[sla] client_response_days` working days after it was signed.

Pure: ledger frames (`adtools.ledger.frames.rows/documents`), the config and an
as-of date in, plain rows (dicts of dates, ints and text) out; no file, network or
clock I/O.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

import pandas as pd

from .calendar import WorkCalendar
from .errors import InputError
from .provenance import source
from .reconcile.matching import CLIPPING_FIELDS, normalise_name as _norm
from .workflow._frames import _date, _int, _missing, _records

if TYPE_CHECKING:  # pragma: no cover
    from .config import Config

__all__ = [
    "RIGHTS_TYPES",
    "REQUIRED_ARCHIVE",
    "RightsAlert",
    "RightsSummary",
    "Scope",
    "parse_scope",
    "expiring_rights",
    "rights_alerts",
    "expired_in_use",
    "outside_scope",
    "missing_archive",
    "missing_client_copy",
    "rights_summary",
    "rights_counts",
    "MONITORING_FIELDS",
]

RIGHTS_TYPES = ("model_release", "footage_licence")

#: sign-off document -> the archive document types its approval must leave for the job
REQUIRED_ARCHIVE: Mapping[str, tuple[str, ...]] = {
    "design_quote": ("signed_creative", "signed_quote"),
    "artwork_production_quote": ("signed_creative", "signed_quote"),
    "media_schedule": ("signed_media_plan",),
}
_MINUTES = "minutes"  # the archive's document type of minutes (and the sign-off document of the same name)

#: the monitoring log's fields the rights concerns read (the match's, and the cities a scope may name): a caller
#: may read only these (`frames.rows(ledger, "monitoring", fields=MONITORING_FIELDS)`)
MONITORING_FIELDS: tuple[str, ...] = (*CLIPPING_FIELDS, "city")

#: a clipping matcher: (booked insertions, the monitoring log's rows, config) -> {insertion index: clipping row}
ClippingMatcher = Callable[[list[dict[str, Any]], "pd.DataFrame | None", "Config"], dict[int, dict[str, Any]]]


# --------------------------------------------------------------------------- small helpers
def _text(v: Any) -> str | None:
    """Stripped text, None for missing or blank (a register's cell as staff see it)."""
    if _missing(v):
        return None
    s = str(v).strip()
    return s or None


def _as_of(v: Any) -> date:
    d = _date(v)
    if d is None:
        raise InputError("缺少截止日期 / as_of is missing. Fix: pass the report date, e.g. date(2026, 11, 26).")
    return d


def _rights(archive: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The archive's rights documents with an end date, as rows with plain dates."""
    out = []
    for r in _records(archive):
        if _text(r.get("doc_type")) not in RIGHTS_TYPES:
            continue
        end = _date(r.get("rights_end"))
        if end is None:
            continue  # the validator requires it; a row without one cannot be judged
        out.append({**r, "_end": end, "_job": _text(r.get("job_no")), "_doc": _text(r.get("doc_id"))})
    return out


def _bookings(media_schedule: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Booked insertions of the current version of each (campaign, flight) schedule, by run date.

    The current version is the reconciliation's (`reconcile.matching.current_schedule`), so the
    rights report and the reconciliation never read two different schedules.
    """
    from .reconcile.matching import current_schedule

    current = current_schedule(media_schedule)
    if current.empty:
        return []
    # only the booked rows with a run date become dicts (the same tests, per column, before the conversion)
    current = current[current["status"].map(_text).eq("booked").to_numpy()
                      & current["date"].map(lambda v: _date(v) is not None).to_numpy(dtype=bool)]
    out = [{**r, "_date": _date(r["date"]), "_job": _text(r.get("job_no"))} for r in _records(current)]
    return sorted(out, key=lambda r: (r["_date"], _text(r.get("media")) or "", _text(r.get("booking_ref")) or ""))


# --------------------------------------------------------------------------- expiring and alerts
@dataclass(frozen=True)
class RightsAlert:
    """One escalation of a right about to end: the step (days) it has reached and the days left."""

    doc_id: str
    job_no: str | None
    doc_type: str
    title: str | None
    rights_end: date
    days_left: int
    step: int
    source: str = ""

    @property
    def key(self) -> str:
        """`MR-2026-001|2026-12-16|30`: once per document, rights end and step (a renewed right alerts again)."""
        return f"{self.doc_id}|{self.rights_end.isoformat()}|{self.step}"


def _step_of(days_left: int, steps: Iterable[int]) -> int | None:
    """The smallest step the days left have reached (`days_left <= step`); None above every step."""
    reached = [s for s in steps if days_left <= s]
    return min(reached) if reached else None


def expiring_rights(archive: pd.DataFrame | None, cfg: "Config", as_of: date) -> list[dict[str, Any]]:
    """Rights ending within `[sla] rights_alert_days` calendar days after `as_of` (0 = ending that day), soonest first."""
    as_of = _as_of(as_of)
    limit = cfg.sla.rights_alert_days
    out = []
    for r in _rights(archive):
        left = (r["_end"] - as_of).days
        if 0 <= left <= limit:
            out.append({
                "doc_id": r["_doc"], "job_no": r["_job"], "doc_type": _text(r.get("doc_type")),
                "title": _text(r.get("title")), "rights_start": _date(r.get("rights_start")), "rights_end": r["_end"],
                "days_left": left, "step": _step_of(left, cfg.sla.rights_alert_steps),
                "scope": _text(r.get("scope")), "location": _text(r.get("location")), "source": source(r, "rights_end"),
            })
    return sorted(out, key=lambda x: (x["days_left"], x["doc_id"] or ""))


def rights_alerts(archive: pd.DataFrame | None, cfg: "Config", as_of: date) -> list[RightsAlert]:
    """The escalation each right has reached on `as_of`: the smallest `[sla] rights_alert_steps` step >= days left.

    A right is alerted from its largest step on (also beyond `rights_alert_days`),
    down to the day it ends; each (document, rights end, step) is one alert, so a
    job that mails them by `RightsAlert.key` mails each step once.  A step skipped
    while no job ran is not mailed late: only the one reached now is.
    """
    as_of = _as_of(as_of)
    steps = cfg.sla.rights_alert_steps
    out = []
    for r in _rights(archive):
        left = (r["_end"] - as_of).days
        step = _step_of(left, steps) if left >= 0 else None
        if step is None or r["_doc"] is None:
            continue
        out.append(RightsAlert(r["_doc"], r["_job"], _text(r.get("doc_type")) or "", _text(r.get("title")),
                               r["_end"], left, step, source(r, "rights_end")))
    return sorted(out, key=lambda a: (a.days_left, a.doc_id))


# --------------------------------------------------------------------------- expired in use, with proof
def _match_clippings(bookings: list[dict[str, Any]], monitoring: pd.DataFrame | None, cfg: "Config") -> dict[int, dict[str, Any]]:
    """Booking index -> the clipping of the client's ad that shows it ran: the reconciliation's matching.

    `adtools.reconcile.matching.match` decides (same media, run date within
    `[monitoring] match_days`, same size, the client's brands; one clipping proves
    one booking, ties broken as it explains), so the rights report and the
    reconciliation never disagree on whether an ad ran.
    """
    from .reconcile.matching import match

    if not bookings:
        return {}
    frame = pd.DataFrame([{k: v for k, v in b.items() if k not in ("_date", "_job")} for b in bookings])
    frame["_booking"] = range(len(bookings))
    ins = match(frame, monitoring, None, cfg).insertions
    ran = ins[ins["clipping"].notna()]
    if ran.empty:
        return {}
    # only the clippings a match names become dicts: those whose reference is among the matched ones
    wanted = {_text(v) for v in ran["clipping_ref"]}
    clips = _records(monitoring[monitoring["clipping_ref"].map(_text).isin(wanted).to_numpy(dtype=bool)]
                     if "clipping_ref" in monitoring.columns and None not in wanted else monitoring)
    by_ref = {}
    for c in clips:
        by_ref.setdefault((_text(c.get("clipping_ref")), _date(c.get("date")), _norm(c.get("media"))), c)
    out: dict[int, dict[str, Any]] = {}
    for booking, ref, day in zip(ran["_booking"].tolist(), ran["clipping_ref"].tolist(), ran["clipping_date"].tolist()):
        i = int(booking)
        key = (_text(ref), _date(day), _norm(bookings[i].get("media")))
        out[i] = by_ref.get(key) or {"clipping_ref": ref, "date": day}
    return out


def expired_in_use(
    archive: pd.DataFrame | None,
    media_schedule: pd.DataFrame | None,
    monitoring: pd.DataFrame | None,
    cfg: "Config",
    *,
    match_clippings: ClippingMatcher | None = None,
) -> list[dict[str, Any]]:
    """Booked insertions of a right's job that run after the right ends (the day after its last day or later).

    Each row names the right, the insertion and, as proof that the ad ran, the
    matching clipping of the client's ad (`clipping_ref`, `ran` True) where the
    monitoring log has one.  Future insertions are listed too: booked, not yet run.
    """
    return _expired_in_use(_rights(archive), lambda: _bookings(media_schedule), monitoring, cfg, match_clippings)


def _expired_in_use(rights: list[dict[str, Any]], bookings_of: Callable[[], list[dict[str, Any]]],
                    monitoring: pd.DataFrame | None, cfg: "Config",
                    match_clippings: ClippingMatcher | None) -> list[dict[str, Any]]:
    """`expired_in_use` of rights and bookings already read (`bookings_of()` only when there are rights)."""
    if not rights:
        return []
    bookings = bookings_of()
    if not bookings:
        return []
    proof = (match_clippings or _match_clippings)(bookings, monitoring, cfg)
    by_job: dict[Any, list[tuple[int, dict[str, Any]]]] = {}  # each right looks only at its own job's bookings
    for i, b in enumerate(bookings):
        by_job.setdefault(b["_job"], []).append((i, b))
    out = []
    for r in rights:
        for i, b in by_job.get(r["_job"], ()):
            if b["_date"] <= r["_end"]:
                continue
            clip = proof.get(i)
            out.append({
                "doc_id": r["_doc"], "job_no": r["_job"], "doc_type": _text(r.get("doc_type")),
                "title": _text(r.get("title")), "rights_end": r["_end"],
                "media": _text(b.get("media")), "city": _text(b.get("city")), "date": b["_date"],
                "size": _text(b.get("size")), "booking_ref": _text(b.get("booking_ref")),
                "days_after": (b["_date"] - r["_end"]).days, "ran": clip is not None,
                "clipping_ref": _text(clip.get("clipping_ref")) if clip else None,
                "clipping_date": _date(clip.get("date")) if clip else None,
                "source": source(r, "rights_end"), "booking_source": source(b, "date"),
                "clipping_source": source(clip, "date") if clip else "",
            })
    return sorted(out, key=lambda x: (x["doc_id"] or "", x["date"], x["media"] or ""))


# --------------------------------------------------------------------------- scope
_SEPARATORS = re.compile(r"[,，、;；/／|+＋()（）\[\]【】]+|以及|及|和|与|\band\b|\s+")
_PREFIXES = ("仅限于", "仅限", "限于", "限", "仅", "only")
_TERRITORY = frozenset({"全国", "中国", "中国大陆", "大陆", "中国境内", "境内", "全球", "不限", "china", "mainland",
                        "mainlandchina", "prc", "national", "nationwide", "worldwide", "global", "unlimited"})
_PRINT = frozenset({"平面", "平面广告", "平面媒体", "报纸", "报纸广告", "报刊", "报刊广告", "印刷", "印刷品", "print",
                    "press", "newspaper", "newspapers", "printads", "printad"})
_OTHER_MEDIUMS = frozenset({"卖场pop", "pop", "卖场", "促销品", "海报", "电视", "电视广告", "tv", "广播", "radio", "户外",
                            "outdoor", "网络", "互联网", "数字", "数字媒体", "online", "digital", "视频", "video", "pos"})


@dataclass(frozen=True)
class Scope:
    """A scope text as read: the print titles and cities it names, whether it allows print, and what it could not read."""

    text: str
    media: frozenset[str] = frozenset()
    cities: frozenset[str] = frozenset()
    print_allowed: bool = True  # False when it names mediums and print is none of them
    unread: tuple[str, ...] = ()

    @property
    def parsed(self) -> bool:
        return not self.unread

    @property
    def restricts(self) -> bool:
        return bool(self.media or self.cities) or not self.print_allowed


def parse_scope(text: Any, media: Iterable[str], cities: Iterable[str]) -> Scope:
    """Read a rights scope: the titles of `media`, the `cities`, territory and medium words; the rest is `unread`.

    `平面广告及卖场POP，中国大陆` allows print everywhere; `北京晚报、新民晚报` only those
    two titles; `北京、上海 平面` print in those cities; `电视` no print at all; a
    word outside these (`华东地区`) makes the scope unread, listed, never guessed.
    """
    raw = _text(text) or ""
    titles = {_norm(m): m for m in media if _norm(m)}
    places = {_norm(c): c for c in cities if _norm(c)}
    named_media: set[str] = set()
    named_cities: set[str] = set()
    mediums: set[str] = set()
    unread: list[str] = []
    for token in _SEPARATORS.split(unicodedata.normalize("NFKC", raw)):
        t = _norm(token)
        if not t:
            continue
        hit = [m for n, m in titles.items() if n in t]
        if hit:
            named_media.update(hit)
            continue
        hit = [c for n, c in places.items() if n in t]
        if hit:
            named_cities.update(hit)
            continue
        bare = next((t[len(p):] for p in _PREFIXES if t.startswith(p) and len(t) > len(p)), t)
        if bare in _TERRITORY:
            continue
        if bare in _PRINT:
            mediums.add("print")
        elif bare in _OTHER_MEDIUMS:
            mediums.add("other")
        else:
            unread.append(token.strip())
    return Scope(raw, frozenset(named_media), frozenset(named_cities), not mediums or "print" in mediums, tuple(unread))


def _cities_in_use(*frames: pd.DataFrame | None) -> list[str]:
    seen: dict[str, str] = {}
    for df in frames:
        if df is None or df.empty or "city" not in df.columns:
            continue
        for c in df["city"].tolist():
            c = _text(c)
            if c:
                seen.setdefault(_norm(c), c)
    return sorted(seen.values())


def outside_scope(
    archive: pd.DataFrame | None,
    media_schedule: pd.DataFrame | None,
    monitoring: pd.DataFrame | None,
    cfg: "Config",
) -> list[dict[str, Any]]:
    """Booked insertions of a right's job, within its dates, outside the media or cities its scope names.

    `reason`: `medium` (the scope allows no print), `media` (another title),
    `city` (another city), or `unread` for a scope with words that cannot be read:
    one row per such right, its insertions not judged.
    """
    return _outside_scope(_rights(archive), lambda: _bookings(media_schedule), media_schedule, monitoring, cfg)


def _outside_scope(all_rights: list[dict[str, Any]], bookings_of: Callable[[], list[dict[str, Any]]],
                   media_schedule: pd.DataFrame | None, monitoring: pd.DataFrame | None,
                   cfg: "Config") -> list[dict[str, Any]]:
    """`outside_scope` of rights and bookings already read (`bookings_of()` only when a right names a scope)."""
    rights = [r for r in all_rights if _text(r.get("scope"))]
    if not rights:
        return []
    bookings = bookings_of()
    cities = _cities_in_use(media_schedule, monitoring)
    out = []
    for r in rights:
        scope = parse_scope(r.get("scope"), cfg.monitoring.media, cities)
        base = {"doc_id": r["_doc"], "job_no": r["_job"], "doc_type": _text(r.get("doc_type")),
                "title": _text(r.get("title")), "scope": scope.text, "source": source(r, "scope")}
        if not scope.parsed:
            out.append({**base, "reason": "unread", "detail": "、".join(scope.unread), "media": None, "city": None,
                        "date": None, "booking_ref": None, "booking_source": ""})
            continue
        if not scope.restricts:
            continue
        start = _date(r.get("rights_start"))
        for b in bookings:
            if b["_job"] != r["_job"] or b["_date"] > r["_end"] or (start is not None and b["_date"] < start):
                continue  # after the end: expired in use, not a scope question
            media, city = _text(b.get("media")), _text(b.get("city"))
            if not scope.print_allowed:
                reason, detail = "medium", "平面 print"
            elif scope.media and media not in scope.media:
                reason, detail = "media", "、".join(sorted(scope.media))
            elif scope.cities and city is not None and city not in scope.cities:
                reason, detail = "city", "、".join(sorted(scope.cities))
            else:
                continue
            out.append({**base, "reason": reason, "detail": detail, "media": media, "city": city, "date": b["_date"],
                        "booking_ref": _text(b.get("booking_ref")), "booking_source": source(b, "date")})
    return sorted(out, key=lambda x: (x["doc_id"] or "", x["date"] or date.min, x["media"] or ""))


# --------------------------------------------------------------------------- missing archive entries
def _archived(archive: pd.DataFrame | None) -> tuple[dict[tuple[str | None, str], int], list[dict[str, Any]]]:
    """(job, doc type) -> entries, and the archive's minutes entries."""
    have: dict[tuple[str | None, str], int] = {}
    minutes = []
    for r in _records(archive):
        t = _text(r.get("doc_type"))
        if t is None:
            continue
        have[(_text(r.get("job_no")), t)] = have.get((_text(r.get("job_no")), t), 0) + 1
        if t == _MINUTES:
            minutes.append(r)
    return have, minutes


def _pair_minutes(meetings: list[dict[str, Any]], entries: list[dict[str, Any]]) -> set[int]:
    """Indexes of the meetings an archive entry of type minutes covers.

    Per job: first an entry whose title contains the meeting's title (or the
    reverse); then each remaining entry covers the latest meeting not yet covered
    on or before its signed_on date (the earliest when it has no date).
    """
    covered: set[int] = set()
    left = []
    for e in entries:
        title = _norm(e.get("title"))
        hit = next((i for i, m in enumerate(meetings) if i not in covered and m["_job"] == _text(e.get("job_no"))
                    and title and (_norm(m.get("title")) in title or title in _norm(m.get("title")))), None)
        if hit is None:
            left.append(e)
        else:
            covered.add(hit)
    for e in sorted(left, key=lambda e: (_date(e.get("signed_on")) or date.max)):
        signed = _date(e.get("signed_on"))
        mine = [i for i, m in enumerate(meetings) if i not in covered and m["_job"] == _text(e.get("job_no"))]
        if signed is not None:
            before = [i for i in mine if meetings[i]["_day"] <= signed]
            mine = before[-1:] if before else []
        if mine:
            covered.add(mine[0] if signed is None else mine[-1])
    return covered


def missing_archive(
    archive: pd.DataFrame | None,
    sign_off: pd.DataFrame | None,
    minutes: pd.DataFrame | None,
    as_of: date,
) -> list[dict[str, Any]]:
    """Approved sign-offs (decided by `as_of`) and minutes (meetings by `as_of`) whose archive entry is missing.

    A row per sign-off version (`document`, `version`) or minutes document
    (`document` = minutes, `version` None), with the archive types it lacks.
    """
    as_of = _as_of(as_of)
    have, archived_minutes = _archived(archive)
    out = []
    seen: set[tuple] = set()
    for r in _records(sign_off):
        doc, job = _text(r.get("document")), _text(r.get("job_no"))
        needs = REQUIRED_ARCHIVE.get(doc or "")
        decided = _date(r.get("decided_on"))
        if not needs or _text(r.get("decision")) != "approved" or decided is None or decided > as_of:
            continue
        lacking = tuple(t for t in needs if not have.get((job, t)))
        key = (job, doc, _int(r.get("version")))
        if lacking and key not in seen:
            seen.add(key)
            out.append({"job_no": job, "document": doc, "version": _int(r.get("version")), "missing": lacking,
                        "title": None, "on": decided, "source": source(r, "decision")})
    meetings = []
    for r in _records(minutes):
        start = r.get("meeting_start")
        if _missing(start):
            continue
        day = pd.Timestamp(start).date()  # an aware start counts by its own (local) date
        if day <= as_of:
            meetings.append({**r, "_job": _text(r.get("job_no")), "_day": day})
    meetings.sort(key=lambda m: (m["_day"], _norm(m.get("title"))))
    covered = _pair_minutes(meetings, archived_minutes)
    for i, m in enumerate(meetings):
        if i not in covered:
            out.append({"job_no": m["_job"], "document": _MINUTES, "version": None, "missing": (_MINUTES,),
                        "title": _text(m.get("title")), "on": m["_day"], "source": source(m, "title")})
    return sorted(out, key=lambda x: (x["job_no"] or "", x["on"], x["document"] or "", x["version"] or 0))


# --------------------------------------------------------------------------- client copy
def missing_client_copy(archive: pd.DataFrame | None, cfg: "Config", cal: WorkCalendar, as_of: date) -> list[dict[str, Any]]:
    """Signed creative not copied to the client (`client_copy_on` blank or later than as_of) after
    `[sla] client_response_days` working days from `signed_on`; most late first."""
    as_of = _as_of(as_of)
    limit = cfg.sla.client_response_days
    out = []
    for r in _records(archive):
        if _text(r.get("doc_type")) != "signed_creative":
            continue
        signed, copied = _date(r.get("signed_on")), _date(r.get("client_copy_on"))
        if signed is None or signed > as_of or (copied is not None and copied <= as_of):
            continue
        waited = cal.workdays_between(signed, as_of)
        if waited <= limit:
            continue
        out.append({"doc_id": _text(r.get("doc_id")), "job_no": _text(r.get("job_no")), "title": _text(r.get("title")),
                    "signed_on": signed, "due": cal.add_workdays(signed, limit), "working_days_late": waited - limit,
                    "location": _text(r.get("location")), "source": source(r, "client_copy_on")})
    return sorted(out, key=lambda x: (-x["working_days_late"], x["doc_id"] or ""))


# --------------------------------------------------------------------------- all of it
@dataclass(frozen=True)
class RightsSummary:
    """Everything the archive report shows, as of the end of one day."""

    as_of: date
    expiring: list[dict[str, Any]]
    expired_in_use: list[dict[str, Any]]
    outside_scope: list[dict[str, Any]]
    missing_archive: list[dict[str, Any]]
    missing_client_copy: list[dict[str, Any]]
    alerts: list[RightsAlert]
    documents: int  # rows of the archive register
    rights: int  # of them rights with an end date
    warnings: tuple[str, ...] = field(default_factory=tuple)


def rights_summary(
    cfg: "Config",
    *,
    archive: pd.DataFrame | None,
    media_schedule: pd.DataFrame | None,
    sign_off: pd.DataFrame | None,
    minutes: pd.DataFrame | None,
    monitoring: pd.DataFrame | None,
    as_of: date,
    cal: WorkCalendar | None = None,
    match_clippings: ClippingMatcher | None = None,
) -> RightsSummary:
    """Every concern of the archive report, computed from the ledger's frames as of the end of `as_of`."""
    as_of = _as_of(as_of)
    cal = cal or WorkCalendar.from_config(cfg)
    copy = missing_client_copy(archive, cfg, cal, as_of)
    rights = _rights(archive)
    bookings_of = functools.cache(lambda: _bookings(media_schedule))  # read once for both concerns, when needed
    return RightsSummary(
        as_of=as_of,
        expiring=expiring_rights(archive, cfg, as_of),
        expired_in_use=_expired_in_use(rights, bookings_of, monitoring, cfg, match_clippings),
        outside_scope=_outside_scope(rights, bookings_of, media_schedule, monitoring, cfg),
        missing_archive=missing_archive(archive, sign_off, minutes, as_of),
        missing_client_copy=copy,
        alerts=rights_alerts(archive, cfg, as_of),
        documents=0 if archive is None else len(archive),
        rights=len(rights),
        warnings=tuple(cal.warnings_for(min(r["signed_on"] for r in copy), as_of)) if copy else (),
    )


def rights_counts(
    cfg: "Config",
    *,
    archive: pd.DataFrame | None,
    media_schedule: pd.DataFrame | None,
    as_of: date,
) -> dict[str, int]:
    """`{"expiring": n, "expired_in_use": n}`: the two figures the weekly internal report and the dashboard show.

    expiring = rights ending within `[sla] rights_alert_days`; expired_in_use =
    booked insertions after their rights ended (no clipping needed to count).
    """
    as_of = _as_of(as_of)
    return {
        "expiring": len(expiring_rights(archive, cfg, as_of)),
        "expired_in_use": len(expired_in_use(archive, media_schedule, None, cfg, match_clippings=lambda *_: {})),
    }
