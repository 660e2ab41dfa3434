"""What a statement can speak for: the job asked about, and the weeks the ledger holds timesheets for.

A statement never answers nonsense with silence: a job number written in lower
case is read as the job it names (with a warning), an unknown job gets the close
ones as a did-you-mean, and weeks before the ledger's first timesheet are not
"missing" (nobody was using adtools yet), said once as a warning.
"""
from __future__ import annotations

import difflib
from datetime import date
from typing import Iterable

import pandas as pd

__all__ = ["known_jobs", "resolve_job", "weeks_with_data"]


def known_jobs(*frames: pd.DataFrame | None) -> set[str]:
    """Every job number in the frames given (those with a `job_no` column)."""
    jobs: set[str] = set()
    for df in frames:
        if df is not None and "job_no" in df.columns:
            jobs.update(str(j) for j in df["job_no"].dropna().unique() if str(j).strip())
    return jobs


def resolve_job(job: str | None, known: Iterable[str]) -> tuple[str | None, list[str]]:
    """The job number to use for `job`, and what to tell the user about it.

    Known as written: itself, no warning.  Known up to case and spaces (`hrfr-2026-001`):
    the known number, with a warning saying so.  Unknown: itself, with a warning naming
    the close job numbers, or all of them when few.
    """
    if job is None:
        return None, []
    known = sorted(set(known))
    if job in known:
        return job, []
    folded = {k.casefold().replace(" ", ""): k for k in known}
    match = folded.get(job.casefold().replace(" ", ""))
    if match is not None:
        return match, [f"工作编号按 {match} 读取（写作 {job}） / The job number {job!r} was read as {match}."]
    close = difflib.get_close_matches(job.upper(), known, n=3, cutoff=0.6)
    if close:
        hint_zh, hint_en = f"您是不是要找 {'、'.join(close)}？", f"Did you mean {', '.join(close)}?"
    elif known:
        shown = known[:8]
        hint_zh = f"台账中的工作编号：{'、'.join(shown)}" + ("…" if len(known) > 8 else "")
        hint_en = f"The ledger's job numbers: {', '.join(shown)}" + (", …" if len(known) > 8 else "") + "."
    else:
        hint_zh, hint_en = "台账中还没有任何工作编号", "The ledger holds no job numbers yet."
    return job, [f"台账中没有工作编号 {job}；{hint_zh} / There is no job {job} in the ledger. {hint_en}"]


def weeks_with_data(weeks: list[date], week_starts: pd.Series, month: str) -> tuple[list[date], list[str]]:
    """The weeks of `weeks` on or after the ledger's first timesheet week, and a warning for those left out.

    Before the first timesheet the ledger holds, a week without one is not a missing
    timesheet: adtools was not in use yet.  With no timesheets at all, every week is kept.
    """
    starts = pd.to_datetime(week_starts.dropna()) if week_starts is not None else pd.Series(dtype="datetime64[ns]")
    if starts.empty:  # no timesheet at all: every week of the month is missing, as it truly is
        return list(weeks), []
    first = starts.min().date()
    kept = [w for w in weeks if w >= first]
    if len(kept) == len(weeks):
        return kept, []
    if not kept:
        return [], [f"台账中最早的工时表是 {first} 那一周，{month} 在此之前，没有数据 / The ledger's first timesheet is "
                    f"for the week of {first}: {month} is before it and has no data."]
    return kept, [f"台账中最早的工时表是 {first} 那一周，此前的周不计缺交 / The ledger's first timesheet is for the "
                  f"week of {first}: earlier weeks are not counted as missing."]
