"""Every report and every scheduled job, declared once.

A report's declaration says everything the rest of adtools needs to know of it:
its key (the command `adtools report <key>`, the `[mail.recipients]` key and the
folder `<reports>/<key>`), its titles, its options, the functions that compute,
show and summarise it (as `module:function` paths, imported only when used),
its scheduled job with the job's default `[schedule]` phrase and period, its
default recipients and its mail subject.  The CLI's report commands, `adtools
run`, the jobs, the demo's steps, the config's check of `[schedule]` and
`[mail.recipients]`, the README's command table test and every report subject
are made from these declarations; nothing else lists the reports.

This module imports nothing of adtools but the clock and the schedule phrases,
so that the config (which checks its keys against it), the reports (which take
their subjects from it) and the face (which composes from it) can all read it.

Adding a report: write `adtools/reports/<key>.py` with `build`, `show` and
`headline` functions, then add one `Report(...)` to `REPORTS` below
(docs/CONTRACTS.md, "Adding a report").
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import Any, Callable, Mapping

from . import clock

__all__ = [
    "Option",
    "Report",
    "Job",
    "REPORTS",
    "JOBS",
    "OPTIONS",
    "report",
    "job",
    "report_of_job",
    "reports_of_job",
    "subject",
    "resolve",
    "default_schedule",
    "default_recipients",
]


# --------------------------------------------------------------------------- options
@dataclass(frozen=True)
class Option:
    """One option a report takes: its keyword, its command-line flag, its metavar and help."""

    name: str  # the keyword the report's build function takes
    flag: str  # e.g. "--as-of"
    metavar: str
    help: str
    required: bool = False


AS_OF = Option("as_of", "--as-of", "YYYY-MM-DD", "The end of this day in the configured time zone")
MONTH = Option("month", "--month", "YYYY-MM", "The month, e.g. 2026-11", required=True)
JOB_NO = Option("job", "--job", "JOB", "Only this job number, e.g. HRFR-2026-001")
OPTIONS: Mapping[str, Option] = MappingProxyType({o.name: o for o in (AS_OF, MONTH, JOB_NO)})


# --------------------------------------------------------------------------- declarations
@dataclass(frozen=True)
class Report:
    """A report: what it is called, what it takes, what computes and shows it, when and to whom it goes."""

    key: str
    title_zh: str
    title_en: str
    summary: str  # one line for `--help` listings and the README's command table
    description: str  # the command's help text after the summary line (what the workbook holds)
    example: str  # e.g. "adtools report weekly --as-of 2026-11-27 --send"
    build: str  # "module:function": build(cfg, ledger, *, out_dir=None, **options) -> ReportResult
    show: str  # "module:function": show(result) -> rich renderables for the terminal
    headline: str  # "module:function": headline(data) -> one line of key figures (the demo's table)
    options: tuple[Option, ...]
    defaults: Callable[[datetime], dict[str, Any]]  # the options a run at this moment covers
    period: Callable[[Mapping[str, Any]], str]  # the period key of a run with these options
    option_help: Mapping[str, str]  # per option: this report's wording of its meaning and default
    job: str  # the scheduled job that makes and sends it
    schedule: str  # the job's default [schedule] phrase
    subject_tag: str  # 【tag】 of the mail subject
    subject_topic: str  # the topic after `[client] product`
    recipients: tuple[str, ...]  # default [mail.recipients] addresses
    job_help: str = ""

    @property
    def title(self) -> str:
        """`周报 Weekly progress`: how lists of reports name it (the demo's steps, `--help`)."""
        return f"{self.title_zh} {self.title_en}"


@dataclass(frozen=True)
class Job:
    """A scheduled job: its name (the [schedule] key), what it does, when by default, and its period key."""

    name: str
    summary: str
    schedule: str  # default [schedule] phrase
    run: str  # "module:function": run(cfg, *, now, progress=None) -> TaskResult; "" for a report's job
    period: Callable[[datetime], str]  # the period key of a run at this moment
    report: str | None = None  # the (first) report it makes, for a report's job
    reports: tuple[str, ...] = ()  # every report it makes, in the registry's order (the weekly job makes two)


def _weekly_defaults(now: datetime) -> dict[str, Any]:
    return {"as_of": clock.last_friday(now.date())}


def _fees_defaults(now: datetime) -> dict[str, Any]:
    return {"month": clock.previous_month(now.date()), "as_of": now.date()}


def _iso(options: Mapping[str, Any]) -> str:
    value = options["as_of"]
    return value.isoformat() if isinstance(value, date) else str(value)


REPORTS: tuple[Report, ...] = (
    Report(
        key="weekly",
        title_zh="周报",
        title_en="Weekly progress",
        summary="the Monday progress report (工作进展周报): deadlines, overdue, awaiting client, gate violations, minutes",
        description=(
            "Writes 周报_weekly_<as-of>.xlsx: a summary, then one sheet per concern, each row with its job, "
            "owner, dates, working days late or left and its source cell; overdue rows red, rows due within "
            "2 working days amber."
        ),
        example="adtools report weekly --as-of 2026-11-27 --send",
        build="adtools.reports.weekly:build_weekly",
        show="adtools.reports.weekly:show",
        headline="adtools.reports.weekly:headline",
        options=(AS_OF,),
        defaults=_weekly_defaults,
        period=_iso,
        option_help={"as_of": "The end of this day (default: the last Friday on or before today)."},
        job="weekly_progress",
        job_help="the Monday progress list as of the last Friday, queued to [mail.recipients] weekly, "
                 "and the account team's version to [mail.recipients] weekly_internal",
        schedule="monday 09:00",
        subject_tag="周报 Weekly",
        subject_topic="工作进展",
        recipients=("client.pm@client.example",),
    ),
    Report(
        key="weekly_internal",
        title_zh="内部周报",
        title_en="Weekly progress, internal",
        summary="the account team's weekly report (内部周报): the client's list plus gate violations, minutes SLA and source cells",
        description=(
            "Writes 内部周报_weekly_internal_<as-of>.xlsx for the account team: the client's progress list with "
            "each row's source cell, steps started without the client's written approval and the minutes SLA."
        ),
        example="adtools report weekly_internal --as-of 2026-11-27 --send",
        build="adtools.reports.weekly_internal:build_weekly_internal",
        show="adtools.reports.weekly_internal:show",
        headline="adtools.reports.weekly_internal:headline",
        options=(AS_OF,),
        defaults=_weekly_defaults,
        period=_iso,
        option_help={"as_of": "The end of this day (default: the last Friday on or before today)."},
        job="weekly_progress",
        schedule="monday 09:00",
        subject_tag="内部周报 Internal weekly",
        subject_topic="工作进展（内部）",
        recipients=("account.haier@agency.example",),
    ),
    Report(
        key="fees",
        title_zh="收费清单",
        title_en="Fee statement",
        summary="the monthly fee statement (收费清单): fees by job, every line with its source cell",
        description=(
            "Writes 收费清单_fees_<month>.xlsx: summary by job with totals, charged lines and timesheet rows "
            "with their cells, hours by staff, approved quotes against fees billed to date, missing timesheets "
            "and warnings."
        ),
        example="adtools report fees --month 2026-11 --send",
        build="adtools.reports.fees:build_fees",
        show="adtools.reports.fees:show",
        headline="adtools.reports.fees:headline",
        options=(MONTH, JOB_NO, AS_OF),
        defaults=_fees_defaults,
        period=lambda options: str(options["month"]),
        option_help={
            "month": "The month of the statement, e.g. 2026-11.",
            "job": "Only this job number, e.g. HRFR-2026-001.",
            "as_of": "The end of the day the statement speaks for (default: today): weeks starting later "
                     "are not yet missing.",
        },
        job="fees_statement",
        job_help="the previous month's fee statement, queued to [mail.recipients] fees",
        schedule="day 3 09:00",
        subject_tag="收费清单 Fees",
        subject_topic="收费清单",
        recipients=("finance@agency.example",),
    ),
)


def _minute(now: datetime) -> str:
    return now.isoformat(timespec="minutes")


_OTHER_JOBS: tuple[Job, ...] = (
    Job("ingest", "read new and changed workbooks of the watch folders into the ledger",
        "every 10 minutes", "adtools.tasks:ingest_task", _minute),
    Job("mail_flush", "send the queued mail that is due", "every 5 minutes", "adtools.tasks:mail_flush_task", _minute),
    Job("dashboard", "rewrite the dashboard workbook ([paths] dashboard): open deliverables, sign-offs, budgets, "
        "missing timesheets, rejected files, the outbox, the last runs", "every 10 minutes",
        "adtools.tasks:dashboard_task", _minute),
)


def _report_jobs() -> tuple[Job, ...]:
    """One job per distinct `Report.job`, declared by its first report; the others ride along with it.

    The reports of one job share its schedule and period (the weekly job sends the
    client's list and the account team's version of the same Friday).
    """
    first: dict[str, Report] = {}
    keys: dict[str, list[str]] = {}
    for r in REPORTS:
        first.setdefault(r.job, r)
        keys.setdefault(r.job, []).append(r.key)
    return tuple(
        Job(name, r.job_help or r.summary, r.schedule, "", lambda now, r=r: r.period(r.defaults(now)),
            report=r.key, reports=tuple(keys[name]))
        for name, r in first.items()
    )


JOBS: tuple[Job, ...] = _OTHER_JOBS[:1] + _report_jobs() + _OTHER_JOBS[1:]


# --------------------------------------------------------------------------- checks at import
def _check() -> None:
    """Refuse a registry with two reports or jobs of one name, or a phrase or path that cannot work."""
    from .schedule_spec import parse_schedule

    for what, names in (("report", [r.key for r in REPORTS]), ("job", [j.name for j in JOBS]),
                        ("recipients key", [r.key for r in REPORTS])):
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise RuntimeError(f"registry: two {what}s named {sorted(dup)}")
    for j in JOBS:
        mates = [r for r in REPORTS if r.job == j.name]
        if any(r.schedule != mates[0].schedule or r.defaults is not mates[0].defaults for r in mates):
            raise RuntimeError(f"registry: the reports of job {j.name} must share its schedule and defaults")
        parse_schedule(j.schedule)  # ValueError names the accepted phrases
        if not re.fullmatch(r"[a-z][a-z0-9_]*", j.name):
            raise RuntimeError(f"registry: job name {j.name!r} must be lower_snake_case")
    for r in REPORTS:
        for path in (r.build, r.show, r.headline):
            if not re.fullmatch(r"adtools(\.\w+)+:\w+", path):
                raise RuntimeError(f"registry: report {r.key}: {path!r} is not a module:function path")
        unknown = set(r.option_help) - {o.name for o in r.options}
        if unknown:
            raise RuntimeError(f"registry: report {r.key}: help for options it lacks: {sorted(unknown)}")


_check()

_REPORTS_BY_KEY = MappingProxyType({r.key: r for r in REPORTS})
_JOBS_BY_NAME = MappingProxyType({j.name: j for j in JOBS})


# --------------------------------------------------------------------------- look-ups
def report(key: str) -> Report:
    """The report declared under `key`; KeyError names the reports there are."""
    try:
        return _REPORTS_BY_KEY[key]
    except KeyError:
        raise KeyError(f"no report {key!r}; the reports are {', '.join(_REPORTS_BY_KEY)}") from None


def job(name: str) -> Job:
    """The job declared under `name`; KeyError names the jobs there are."""
    try:
        return _JOBS_BY_NAME[name]
    except KeyError:
        raise KeyError(f"no job {name!r}; the jobs are {', '.join(_JOBS_BY_NAME)}") from None


def report_of_job(name: str) -> Report | None:
    """The (first) report a job makes (None for ingest, mail_flush …)."""
    j = job(name)
    return report(j.report) if j.report else None


def reports_of_job(name: str) -> tuple[Report, ...]:
    """Every report a job makes, in the registry's order (empty for ingest, mail_flush …)."""
    return tuple(report(k) for k in job(name).reports)


def subject(product: str, key: str, period: str, topic: str | None = None) -> str:
    """`【周报 Weekly】海尔冰箱 工作进展 截至 2026-11-27`: the report's tag, the product, the topic and the period.

    A period that is a date (YYYY-MM-DD) reads 截至 <date> ("as of"); any other
    period (a month `2026-11`, a flight name) is printed as given.
    """
    r = report(key)
    when = f"截至 {period}" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", period) else period
    return f"【{r.subject_tag}】{product} {topic or r.subject_topic} {when}".strip()


def resolve(path: str) -> Callable[..., Any]:
    """Import the function a `module:function` path names."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def default_schedule() -> dict[str, str]:
    """job name -> its default [schedule] phrase, in the registry's order."""
    return {j.name: j.schedule for j in JOBS}


def default_recipients() -> dict[str, tuple[str, ...]]:
    """report key -> its default [mail.recipients] addresses."""
    return {r.key: r.recipients for r in REPORTS}

