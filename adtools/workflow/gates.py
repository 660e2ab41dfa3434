"""Sign-off gates: steps of the progress log done without the client approvals they require."""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from ..provenance import source
from ._frames import _as_of, _date, _frame, _records, _text
from ._sign_offs import _sign_off_versions
from .stages import DOCUMENT_LABELS, REQUIREMENTS

__all__ = ["GATE_COLUMNS", "gate_violations"]

GATE_COLUMNS = ("job_no", "stage", "done_on", "owner", "missing", "detail", "source")


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
    others: dict[tuple[str, str], tuple[str, ...]] = {}  # (job, doc) -> the job's siblings with versions of doc

    def gap_of(job: str, doc: str, done: date) -> str | None:
        """The job's own gap, unless a sibling's version in force on `done` was approved by then."""
        gap = _approval_gap(versions.get((job, doc)), doc, done)
        if gap is None:
            return None
        if (job, doc) not in others:
            others[job, doc] = tuple(j for j in siblings.get(job, (job,))[1:] if (j, doc) in versions)
        if any(_approval_gap(versions[j, doc], doc, done) is None for j in others[job, doc]):
            return None
        return gap

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
            gap = gap_of(job, doc, done)
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
