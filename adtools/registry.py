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
from dataclasses import dataclass, replace
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
    "reports_of_job",
    "recipients_key",
    "subject",
    "resolve",
    "default_schedule",
    "default_catch_up",
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
    choices: tuple[str, ...] = ()  # the values the option accepts (the command refuses others); () = any


AS_OF = Option("as_of", "--as-of", "YYYY-MM-DD", "The end of this day in the configured time zone")
MONTH = Option("month", "--month", "YYYY-MM", "The month, e.g. 2026-11", required=True)
JOB_NO = Option("job", "--job", "JOB", "Only this job number, e.g. HRFR-2026-001")
PART = Option("part", "--part", "PART", "Only this part of the report", choices=("placements", "industry", "competitors"))
CAMPAIGN = Option("campaign", "--campaign", "CAMPAIGN", "Only this campaign, as written on its media schedule")
FLIGHT = Option("flight", "--flight", "FLIGHT", "The flight, as in its media schedule, e.g. 第一波", required=True)
OPTIONS: Mapping[str, Option] = MappingProxyType({o.name: o for o in (AS_OF, MONTH, JOB_NO, PART, CAMPAIGN, FLIGHT)})


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
    job_run: str = ""  # "module:function" of a job that does more than build and queue the report once a period
    # "module:function": due(cfg, ledger, now) -> the option sets the job sends at `now` (each part of a
    # month on its own day, each flight when due), each built and queued once by its period; "" = the one
    # set `defaults(now)`
    due: str = ""
    # the [mail.recipients] key, when several reports go to one list (the flight reports: `flight`); "" = key
    recipients_to: str = ""
    catch_up: str = "latest"  # the job's default [schedule.catch_up] policy: latest | all | skip

    @property
    def recipients_key(self) -> str:
        """The [mail.recipients] key this report is sent to."""
        return self.recipients_to or self.key

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
    report: str | None = None  # the report it makes, for a report's job (the first, when it makes several)
    reports: tuple[str, ...] = ()  # every report it makes, in the registry's order
    catch_up: str = "latest"  # default [schedule.catch_up] policy after downtime: latest | all | skip
    repeatable: bool = False  # True: every run is its own period (ingest, mail_flush); False: once per period

    @property
    def once_per_period(self) -> bool:
        """A second run of a done period does nothing (unless forced)."""
        return not self.repeatable


def _weekly_defaults(now: datetime) -> dict[str, Any]:
    return {"as_of": clock.last_friday(now.date())}


def _fees_defaults(now: datetime) -> dict[str, Any]:
    return {"month": clock.previous_month(now.date()), "as_of": now.date()}


def _today_defaults(now: datetime) -> dict[str, Any]:
    return {"as_of": now.date()}


def _iso_campaign(options: Mapping[str, Any]) -> str:
    campaign = options.get("campaign")
    return f"{_iso(options)} {campaign}" if campaign else _iso(options)


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
        schedule="workday 3 09:00",
        catch_up="all",
        subject_tag="收费清单 Fees",
        subject_topic="收费清单",
        recipients=("finance@agency.example",),
    ),
    Report(
        key="reconciliation",
        title_zh="对账报告",
        title_en="Reconciliation",
        summary="media three-way match (booked · ran · invoiced), prepayment statement, payment reconciliation with ageing",
        description=(
            "Writes 对账报告_reconciliation_<as-of>.xlsx: a one-page summary to sign, the prepayment statement per "
            "campaign with its waterfall chart, every booked insertion with its reconciliation code (coloured, "
            "filtered) and source cells, the exceptions, the payment reconciliation list with ageing buckets and "
            "the media invoices ready to pay (pay when paid)."
        ),
        example="adtools report reconciliation --as-of 2026-11-30 --send",
        build="adtools.reports.reconciliation:build_reconciliation",
        show="adtools.reports.reconciliation:show",
        headline="adtools.reports.reconciliation:headline",
        options=(AS_OF, CAMPAIGN),
        defaults=_today_defaults,
        period=_iso_campaign,
        option_help={
            "as_of": "The end of this day (default: today): clippings and payments up to then count.",
            "campaign": "Only this campaign (as written on its media schedule).",
        },
        job="reconciliation",
        job_help="the media match, prepayment statement and payment reconciliation as of today, queued to "
                 "[mail.recipients] reconciliation",
        schedule="monday 10:00",
        subject_tag="对账 Reconciliation",
        subject_topic="媒体核对及付款对账",
        recipients=("finance@agency.example", "client.finance@client.example"),
    ),
    Report(
        key="archive",
        title_zh="存档与授权",
        title_en="Archive and rights",
        summary="rights about to end, ads that ran after their rights ended, outside their scope, gaps in the archive",
        description=(
            "Writes 存档与授权_archive_<as-of>.xlsx: a summary, then one sheet per concern (expiring rights with "
            "days left, insertions after the rights end with the clipping that proves the ad ran, insertions "
            "outside the rights scope, signed documents missing from the archive, signed creative not copied "
            "to the client), each row with its source cell; red = a legal risk or overdue, amber = attention."
        ),
        example="adtools report archive --as-of 2026-11-27 --send",
        build="adtools.reports.archive:build_archive",
        show="adtools.reports.archive:show",
        headline="adtools.reports.archive:headline",
        options=(AS_OF,),
        defaults=_today_defaults,
        period=_iso,
        option_help={"as_of": "The end of this day (default: today); days left are calendar days after it."},
        job="archive_watch",
        job_help="rights alerts at each [sla] rights_alert_steps step, each mailed once per document to "
                 "[mail.recipients] archive",
        job_run="adtools.tasks:archive_watch_task",
        schedule="daily 08:30",
        subject_tag="存档 Archive",
        subject_topic="存档与授权",
        recipients=("account.haier@agency.example",),
    ),
    Report(
        key="monitoring",
        title_zh="媒体监测报告",
        title_en="Media monitoring",
        summary="the monthly media monitoring report (媒体监测报告) in three parts: placements and new clippings, "
                "industry ad volume, competitors",
        description=(
            "Writes 媒体监测_monitoring_<month>[_<part>].xlsx: placements of the client and competitors (new "
            "creatives first) with counts by brand and media; industry insertions and rate-card spend by advertiser "
            "for the month and the trailing 12 months, share of voice, month-on-month and year-on-year change, "
            "TOP list with rank change, new and stopped advertisers, by media; per competitor the change, top "
            "media, size mix and new themes. Native charts, each with its numbers beside it; unmapped advertisers "
            "with their counts (add them to the brand-alias register)."
        ),
        example="adtools report monitoring --month 2026-10 --part industry --send",
        build="adtools.reports.monitoring:build_monitoring",
        show="adtools.reports.monitoring:show",
        headline="adtools.reports.monitoring:headline",
        options=(MONTH, PART),
        defaults=lambda now: {"month": clock.previous_month(now.date())},
        period=lambda options: " ".join(str(options[k]) for k in ("month", "part") if options.get(k)),
        option_help={
            "month": "The month monitored, e.g. 2026-10.",
            "part": "Only this part: placements, industry or competitors (default: all three in one workbook).",
        },
        job="monitoring",
        job_help="each part of the previous month's monitoring report on its [sla] monitoring_<part>_day, "
                 "queued once to [mail.recipients] monitoring",
        schedule="daily 09:00",
        subject_tag="媒体监测 Monitoring",
        subject_topic="媒体监测报告",
        recipients=("client.pm@client.example",),
        catch_up="all",
        due="adtools.reports.monitoring:due",
    ),
    Report(
        key="market",
        title_zh="市场分析",
        title_en="Market analysis",
        summary="the market analysis of a flight (市场分析): competitors around the flight against ours, share of voice, "
                "the flight notes' competitor and response sections",
        description=(
            "Writes 市场分析_market_<campaign>_<flight>.xlsx: insertions and rate-card spend of the client and each "
            "competitor in the [monitoring] market_window_days before, during and after the flight, share of voice "
            "during the flight against the same number of days before it, the window's clippings, and the flight "
            "notes' competitors and response sections. Native charts, each with its numbers beside it."
        ),
        example="adtools report market --campaign 2026鲜活冰箱上市 --flight 第一波 --send",
        build="adtools.reports.market:build_market",
        show="adtools.reports.market:show",
        headline="adtools.reports.market:headline",
        options=(replace(CAMPAIGN, required=True, help="The campaign, as in its media schedule"), FLIGHT),
        defaults=lambda now: {},
        period=lambda options: f"{options['campaign']} {options['flight']}",
        option_help={},
        job="flight_reports",
        job_help="the reports of each flight when due (the market analysis [sla] market_analysis_days, the execution "
                 "report [sla] execution_report_days after its end), each queued once per flight to "
                 "[mail.recipients] flight",
        schedule="daily 09:30",
        subject_tag="市场分析 Market",
        subject_topic="市场分析",
        recipients=("client.pm@client.example",),
        due="adtools.reports.market:due",
        recipients_to="flight",
    ),
    Report(
        key="flight",
        title_zh="执行报告",
        title_en="Flight execution",
        summary="the execution report of a flight (执行报告): each booked insertion ran, not seen or invoiced with its "
                "tear sheet, the delivery rate, spend against the approved schedule, the flight notes' effect and "
                "next steps",
        description=(
            "Writes 执行报告_flight_<campaign>_<flight>.xlsx: each insertion of the flight's current media schedule "
            "with ran / not seen / cancelled and invoiced (the reconciliation's matching), its tear sheet (clipping "
            "ref) and source cells; the delivery rate (ran ÷ booked) by count and by net cost, overall and by media "
            "with a native chart; booked, ran and invoiced against the latest client-approved media-schedule amount; "
            "the flight notes' effect and next-steps sections."
        ),
        example="adtools report flight --campaign 2026鲜活冰箱上市 --flight 第一波 --send",
        build="adtools.reports.flight:build_flight",
        show="adtools.reports.flight:show",
        headline="adtools.reports.flight:headline",
        options=(replace(CAMPAIGN, required=True, help="The campaign, as in its media schedule"), FLIGHT),
        defaults=lambda now: {},
        period=lambda options: f"{options['campaign']} {options['flight']}",
        option_help={},
        job="flight_reports",
        job_help="",
        schedule="daily 09:30",
        subject_tag="执行报告 Execution",
        subject_topic="执行报告",
        recipients=("client.pm@client.example",),
        due="adtools.reports.flight:due",
        recipients_to="flight",
    ),
)


def _day(now: datetime) -> str:
    return now.date().isoformat()


def _minute(now: datetime) -> str:
    return now.isoformat(timespec="minutes")


_OTHER_JOBS: tuple[Job, ...] = (
    Job("ingest", "read new and changed workbooks of the watch folders into the ledger",
        "every 10 minutes", "adtools.tasks:ingest_task", _minute, repeatable=True),
    Job("mail_flush", "send the queued mail that is due", "every 5 minutes", "adtools.tasks:mail_flush_task", _minute,
        repeatable=True),
    Job("dashboard", "rewrite the dashboard workbook ([paths] dashboard): open deliverables, sign-offs, budgets, "
        "missing timesheets, rejected files, the outbox, the last runs", "every 10 minutes",
        "adtools.tasks:dashboard_task", _minute, repeatable=True),
    Job("sla_watch", "each working morning, a personal digest to each person with something to act on "
        "(deliverables due or overdue, minutes owed, approvals awaiting the client, last week's timesheet, "
        "rejected workbooks)", "workdays 08:30", "adtools.tasks:sla_watch_task", _day, catch_up="latest"),
)


def _report_jobs(reports: tuple[Report, ...]) -> tuple[Job, ...]:
    """One job per job name: a report's own, or one that makes several reports (the flight reports).

    A job whose reports say when each run is `due` has the day as its period (it
    looks every day for what has fallen due); otherwise the period of its report's
    default options.
    """
    names = list(dict.fromkeys(r.job for r in reports))
    jobs = []
    for name in names:
        mine = tuple(r for r in reports if r.job == name)
        first = mine[0]
        period = _day if any(r.due for r in mine) else (lambda now, r=first: r.period(r.defaults(now)))
        run = next((r.job_run for r in mine if r.job_run), "")
        jobs.append(Job(name, first.job_help or first.summary, first.schedule, run, period, report=first.key,
                        reports=tuple(r.key for r in mine), catch_up=first.catch_up))
    return tuple(jobs)


JOBS: tuple[Job, ...] = _OTHER_JOBS[:1] + _report_jobs(REPORTS) + _OTHER_JOBS[1:]


# --------------------------------------------------------------------------- checks at import
def _check() -> None:
    """Refuse a registry with two reports or jobs of one name, or a phrase or path that cannot work."""
    from .schedule_spec import parse_schedule

    for what, names in (("report", [r.key for r in REPORTS]), ("job", [j.name for j in JOBS])):
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise RuntimeError(f"registry: two {what}s named {sorted(dup)}")
    for r in REPORTS:
        for other in REPORTS:
            if other.job == r.job and (other.schedule, bool(other.due)) != (r.schedule, bool(r.due)):
                raise RuntimeError(f"registry: reports {r.key} and {other.key} share the job {r.job} "
                                   "but not its schedule or its due function")
            if other.recipients_key == r.recipients_key and other.recipients != r.recipients:
                raise RuntimeError(f"registry: reports {r.key} and {other.key} share [mail.recipients] "
                                   f"{r.recipients_key} but not its default addresses")
    for j in JOBS:
        mates = [r for r in REPORTS if r.job == j.name]
        # one run covers one period: the reports share the moment's options, unless each says when it is due
        if any(r.schedule != mates[0].schedule or (r.defaults is not mates[0].defaults and not r.due) for r in mates):
            raise RuntimeError(f"registry: the reports of job {j.name} must share its schedule and defaults")
        parse_schedule(j.schedule)  # ValueError names the accepted phrases
        if j.catch_up not in ("latest", "all", "skip"):
            raise RuntimeError(f"registry: job {j.name}: catch_up {j.catch_up!r} is not latest, all or skip")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", j.name):
            raise RuntimeError(f"registry: job name {j.name!r} must be lower_snake_case")
    for r in REPORTS:
        for path in (r.build, r.show, r.headline) + tuple(p for p in (r.job_run, r.due) if p):
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


def reports_of_job(name: str) -> tuple[Report, ...]:
    """Every report a job makes, in the registry's order (none for ingest, mail_flush …)."""
    return tuple(report(k) for k in job(name).reports)


def recipients_key(key: str) -> str:
    """The [mail.recipients] key of the report `key` (the flight reports share `flight`)."""
    return report(key).recipients_key


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


def default_catch_up() -> dict[str, str]:
    """job name -> its default [schedule.catch_up] policy."""
    return {j.name: j.catch_up for j in JOBS}


def default_recipients() -> dict[str, tuple[str, ...]]:
    """[mail.recipients] key -> its default addresses, in the registry's order."""
    return {r.recipients_key: r.recipients for r in REPORTS}

