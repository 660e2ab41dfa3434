"""The jobs, composed: ingest → rejection notices → outbox; report → outbox; the mail flush.

This is the layer that joins the parts (the parts below never reach up to
each other): `adtools run JOB`, `jobs/`, the CLI's report commands, the demo
and the scheduler all call these, so a job does the same thing whoever starts
it.  Every job is declared in `adtools.registry`; every task takes `now` (the
clock's moment unless given), records a row in the ledger's job_runs table
with its period key, and returns a TaskResult.  A report already queued for
its period is not queued again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from . import clock, registry
from .clock import previous_month
from .config import Config
from .errors import AdtoolsError, InputError, MailError

__all__ = [
    "TaskResult",
    "run_task",
    "ingest",
    "ingest_task",
    "report_task",
    "make_report",
    "mail_flush_task",
    "queue_report",
    "send_pending_notices",
    "archive_watch_task",
    "sla_digests",
    "sla_watch_task",
    "previous_month",
    "dashboard_inputs",
    "write_dashboard",
    "dashboard_task",
    "export_records",
]

log = logging.getLogger("adtools.tasks")

Progress = Callable[..., None]


@dataclass
class TaskResult:
    """What a job did: its period key, status, a JSON-able summary, files written and messages queued."""

    job: str
    period: str
    status: str = "ok"  # ok | failed | done (its period was done already: nothing produced, nothing sent)
    summary: dict[str, Any] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    queued: list[int] = field(default_factory=list)  # outbox ids newly queued
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "period": self.period,
            "status": self.status,
            "summary": self.summary,
            "files": [str(p) for p in self.files],
            "queued": self.queued,
            "error": self.error,
        }


def _now(cfg: Config, now: datetime | None) -> datetime:
    return now.astimezone(cfg.tz) if now is not None else clock.now(cfg.tz)


def _recorded(job: str, period: str, cfg: Config, now: datetime, body: Callable[[Any], TaskResult],
              force: bool = False) -> TaskResult:
    """Run `body(ledger)` inside a job_runs record; a library error becomes a failed result, never a crash.

    A job that runs once per period (a report, the digests) whose period is
    already done does nothing and returns status `done` (no row, no file, no
    mail), unless `force`: then the period's earlier run is marked `redone`.
    """
    from .ledger import runs
    from .ledger.store import Ledger

    once = registry.job(job).once_per_period
    with Ledger.open(cfg) as ledger:
        if once:
            settled = runs.settled_run(ledger.engine, job, period)
            if settled is not None and not force:
                log.info("job %s (%s) already %s (run %s): nothing to do", job, period, settled["status"], settled["id"])
                return TaskResult(job, period, status="done", summary={
                    "already": settled["status"], "run": settled["id"],
                    "finished_at": settled["finished_at"].isoformat() if settled["finished_at"] else None})
            if settled is not None:
                runs.supersede_done(ledger.engine, job, period)
        run_id = ledger.start_run(job, period, now=now)
        try:
            result = body(ledger)
        except AdtoolsError as exc:
            log.error("job %s (%s) failed: %s", job, period, exc)
            result = TaskResult(job, period, status="failed", error=str(exc))
        summary = result.to_json()
        if result.status == "failed":
            summary["error"] = result.error
        recorded = ledger.finish_run(run_id, status=result.status, summary=summary, now=_now(cfg, None))
        if once and recorded != result.status and result.status == "ok":  # another process completed it meanwhile
            result.status = "done"
    return result


# --------------------------------------------------------------------------- report → outbox
def queue_report(config: Config, engine: Any, result: Any, force: bool = False, *, now: datetime | None = None):
    """Queue a finished report to its `[mail.recipients]`, its workbooks attached; key = (report, period, recipients)."""
    from .mail import MailKey, Message, queue

    try:
        to_key = registry.recipients_key(result.key)
    except KeyError:
        to_key = result.key
    recipients = tuple(config.mail.recipients.get(to_key, ()))
    if not recipients:
        raise MailError(
            f"报告没有收件人 / The report {result.key!r} has no recipients. "
            f'Fix: add {to_key} = ["name@example.com"] under [mail.recipients] in the config.'
        )
    message = Message(
        sender=config.mail.sender,
        to=recipients,
        subject=result.subject,
        html=result.html,
        text=result.text,
        attachments=tuple(result.files),
    )
    return queue(config, engine, message, MailKey.of(result.key, result.period, recipients), force, now=now)


def make_report(
    cfg: Config,
    key: str,
    options: Mapping[str, Any] | None = None,
    *,
    now: datetime | None = None,
    out_dir: Path | None = None,
    send: bool = False,
) -> tuple[Any, Any]:
    """Build the registered report `key` from the ledger; queue it when `send`. (ReportResult, QueueResult or None).

    Options not given take the report's defaults for `now` (the last Friday for
    the weekly report, today for a statement's as-of day …).
    """
    from .ledger.store import Ledger

    declared = registry.report(key)
    now = _now(cfg, now)
    given = {k: v for k, v in (options or {}).items() if v is not None}
    merged = {**declared.defaults(now), **given}
    build = registry.resolve(declared.build)
    with Ledger.open(cfg) as ledger:
        result = build(cfg, ledger, out_dir=out_dir, **{o.name: merged.get(o.name) for o in declared.options})
        queued = queue_report(cfg, ledger.engine, result, now=now) if send else None
    return result, queued


@dataclass(frozen=True)
class ReportRequest:
    """One report of several to build: its registry key, its options, its folder, whether to queue it."""

    key: str
    options: Mapping[str, Any] = field(default_factory=dict)
    out_dir: Path | None = None
    send: bool = False


@dataclass(frozen=True)
class ReportOutcome:
    """What became of one ReportRequest: the ReportResult and QueueResult, or the error that stopped it."""

    request: ReportRequest
    result: Any = None
    queued: Any = None
    error: str | None = None


def make_reports(cfg: Config, requests: list[ReportRequest], *, now: datetime | None = None,
                 workers: int = 0) -> Iterator[ReportOutcome]:
    """Build several reports, up to `workers` at once (0: one per CPU core); their outcomes in the order given.

    Reports only read the ledger and each writes its own workbook, so they are built
    side by side in worker processes (forked on Linux, spawned elsewhere), each yielded
    as soon as it and those before it are done; the mail of those with `send` is queued
    here, in the order given.  One that fails (an AdtoolsError, or a bug of ours) is an
    outcome with its error and stops no other.  With one worker, or one report, they are
    built one after the other in this process.
    """
    import os

    now = _now(cfg, now)
    n = max(1, min(workers or os.cpu_count() or 1, len(requests)))
    if n == 1:
        for req in requests:
            yield _built_here(cfg, req, now)
        return
    from concurrent.futures.process import BrokenProcessPool

    with _report_pool(n) as pool:
        futures = [pool.submit(_build_in_worker, cfg, req.key, dict(req.options), req.out_dir, now) for req in requests]
        for req, fut in zip(requests, futures):
            try:
                result, error = fut.result()
            except BrokenProcessPool:  # a worker died (killed, out of memory), which ends the pool's every report:
                result, error = _in_own_process(cfg, req, now)  # each is built again alone, so only the culprit fails
            if error is not None:
                yield ReportOutcome(req, error=error)
                continue
            try:
                queued = _queue_built(cfg, result, now) if req.send else None
            except AdtoolsError as exc:
                yield ReportOutcome(req, result, error=str(exc))
                continue
            yield ReportOutcome(req, result, queued)


def _report_pool(n: int):  # noqa: ANN202
    """Worker processes for reports: forked on Linux, spawned elsewhere; none inherits this process's ledger engines."""
    from concurrent.futures import ProcessPoolExecutor

    from .ledger.db import forget_engines
    from .ledger.workers import process_context

    return ProcessPoolExecutor(max_workers=n, mp_context=process_context(), initializer=forget_engines)


def _in_own_process(cfg: Config, req: ReportRequest, now: datetime) -> tuple[Any, str | None]:
    """One report built in a worker process of its own: (ReportResult, None), or (None, the error)."""
    from concurrent.futures.process import BrokenProcessPool

    with _report_pool(1) as pool:
        try:
            return pool.submit(_build_in_worker, cfg, req.key, dict(req.options), req.out_dir, now).result()
        except BrokenProcessPool as exc:
            return None, f"生成报告的进程意外退出 / the process building it ended unexpectedly: {exc}"


def _built_here(cfg: Config, req: ReportRequest, now: datetime) -> ReportOutcome:
    try:
        result, queued = make_report(cfg, req.key, req.options, now=now, out_dir=req.out_dir, send=req.send)
    except AdtoolsError as exc:
        return ReportOutcome(req, error=str(exc))
    return ReportOutcome(req, result, queued)


def _build_in_worker(cfg: Config, key: str, options: dict[str, Any], out_dir: Path | None,
                     now: datetime) -> tuple[Any, str | None]:
    """In a worker process: (ReportResult, None), or (None, the error) — an error as text always crosses back."""
    try:
        return make_report(cfg, key, options, now=now, out_dir=out_dir)[0], None
    except AdtoolsError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - a bug of ours on one report is that report's outcome
        log.exception("report %s failed", key)
        return None, f"内部错误 / internal error: {type(exc).__name__}: {exc}"


def _queue_built(cfg: Config, result: Any, now: datetime) -> Any:
    from .ledger.store import Ledger

    with Ledger.open(cfg) as ledger:
        return queue_report(cfg, ledger.engine, result, now=now)


def report_task(name: str, cfg: Config, *, now: datetime | None = None, send: bool = True,
                force: bool = False) -> TaskResult:
    """The scheduled job of registered reports: the period its moment covers, each report built and queued once.

    A period already done is neither built nor queued again unless `force`
    (then the reports are rebuilt and queued again, replacing copies still waiting).
    A job making several reports (the weekly job: the client's list and the
    account team's version) builds them in the registry's order; its summary is
    the first report's figures, the others' under `also`.
    """
    declared = registry.reports_of_job(name)
    if not declared:
        raise InputError(f"任务 {name} 不生成报告 / The job {name!r} makes no report.")
    now = _now(cfg, now)
    if any(r.due for r in declared):
        return _due_reports_task(name, cfg, now=now, send=send, force=force)
    options = declared[0].defaults(now)
    period = declared[0].period(options)

    def body(ledger: Any) -> TaskResult:
        result = TaskResult(name, period)
        for i, r in enumerate(declared):
            build = registry.resolve(r.build)
            report = build(cfg, ledger, **{o.name: options.get(o.name) for o in r.options})
            if send:
                q = queue_report(cfg, ledger.engine, report, force=force, now=now)
                result.queued += [q.id] if q.queued else []
            result.files += list(report.files)
            if i == 0:
                result.summary = dict(report.data)
            else:
                result.summary.setdefault("also", {})[r.key] = {"period": report.period,
                                                                "files": [str(f) for f in report.files]}
        return result

    return _recorded(name, period, cfg, now, body, force=force)


# --------------------------------------------------------------------------- archive report → rights alerts, each once
def archive_watch_task(cfg: Config, *, now: datetime | None = None, force: bool = False) -> TaskResult:
    """The archive report as of today, and one mail per rights alert step reached, each mailed once.

    Each alert (`adtools.rights.rights_alerts`: a right whose days left have reached
    a step of `[sla] rights_alert_steps`) is queued to `[mail.recipients]` of the
    archive report under the key (report, `rights <doc_id>|<rights end>|<step>`,
    recipients): run twice a day or every day, the job mails each step of each
    document once; a right renewed with a new end date is alerted again.  The
    workbook is attached to each alert; the whole report is mailed by
    `adtools report archive --send`.
    """
    from .mail import MailKey, Message, queue
    from .reports.archive import KEY, alert_mails, build_archive

    declared = registry.report(KEY)
    now = _now(cfg, now)
    options = declared.defaults(now)
    period = declared.period(options)

    def body(ledger: Any) -> TaskResult:
        report = build_archive(cfg, ledger, as_of=options["as_of"])
        mails = alert_mails(cfg, ledger, as_of=options["as_of"], attachments=report.files)
        recipients = tuple(cfg.mail.recipients.get(KEY, ()))
        if mails and not recipients:
            raise MailError(
                f"授权提醒没有收件人 / The rights alerts have no recipients. "
                f'Fix: add {KEY} = ["name@example.com"] under [mail.recipients] in the config.'
            )
        queued, already = [], []
        for mail in mails:
            message = Message(sender=cfg.mail.sender, to=recipients, subject=mail.subject, html=mail.html,
                              text=mail.text, attachments=tuple(mail.attachments))
            q = queue(cfg, ledger.engine, message, MailKey.of(KEY, f"rights {mail.key}", recipients), now=now)
            (queued if q.queued else already).append(q.id)
        summary = {**report.data, "alerts": [m.key for m in mails], "alerts_queued": len(queued),
                   "alerts_already_mailed": len(already)}
        return TaskResult(declared.job, period, summary=summary, files=list(report.files), queued=queued)

    return _recorded(declared.job, period, cfg, now, body, force=force)


def _due_reports_task(name: str, cfg: Config, *, now: datetime, send: bool, force: bool = False) -> TaskResult:
    """A job whose reports fall due by the ledger and the config (each monitoring part, each flight).

    Every report of the job lists the option sets due at `now` (its `due` function);
    each is built and queued under its own period, so a period already in the outbox
    is neither built nor queued again however often the job runs (`send=False` builds
    every one).  The summary lists what was due (`due`: report, period, queued, or
    "sent before", and for one built its outbox `mail_id` and `files`) and, per report,
    the figures of the last one built.
    """
    from .mail import MailKey, is_queued

    period = registry.job(name).period(now)

    def body(ledger: Any) -> TaskResult:
        result = TaskResult(name, period, summary={"due": [], "by_report": {}})
        for declared in registry.reports_of_job(name):
            build = registry.resolve(declared.build)
            to = tuple(cfg.mail.recipients.get(declared.recipients_key, ()))
            for options in registry.resolve(declared.due)(cfg, ledger, now):
                key = MailKey.of(declared.key, declared.period(options), to)
                if send and to and is_queued(ledger.engine, key):
                    result.summary["due"].append({"report": declared.key, "period": key.period, "queued": "sent before"})
                    continue
                report = build(cfg, ledger, **{o.name: options.get(o.name) for o in declared.options})
                queued, mail_id = None, None
                if send:
                    q = queue_report(cfg, ledger.engine, report, now=now)
                    queued = q.queued
                    if q.queued:
                        result.queued.append(q.id)
                        mail_id = q.id
                result.files.extend(report.files)
                result.summary["due"].append({"report": declared.key, "period": report.period, "queued": queued,
                                              "mail_id": mail_id, "files": [str(p) for p in report.files]})
                result.summary["by_report"][declared.key] = report.data
        return result

    return _recorded(name, period, cfg, now, body, force=force)


# --------------------------------------------------------------------------- ingest → rejection notices → outbox
def _queue_notice(cfg: Config, ledger: Any, notice: Any, *, now: datetime) -> bool:
    """Hand a rejection notice to the outbox (idempotent by its key); False when it could not be queued."""
    from .mail import Message, queue

    try:
        message = Message(
            sender=cfg.mail.sender,
            to=notice.to,
            subject=notice.subject,
            html=notice.html,
            text=notice.text,
            attachments=notice.attachments,
        )
        queue(cfg, ledger.engine, message, notice.key, now=now)
    except AdtoolsError as exc:
        log.warning("rejection notice %s not queued (stays pending): %s", notice.key, exc)
        return False
    return True


def send_pending_notices(cfg: Config, ledger: Any, *, now: datetime) -> tuple[int, int]:
    """Queue the mail of every rejected version not told yet; (queued, still pending).

    A notice that cannot be queued stays pending and is tried again on the next run.
    """
    docs = ledger.pending_notices()
    if not docs:
        return 0, 0
    from .reports.rejection import rejection_notice

    queued = pending = 0
    for doc in docs:
        try:
            notice = rejection_notice(cfg, doc, ledger.findings_of(doc.id), ledger.notify_to(doc.id))
            done = _queue_notice(cfg, ledger, notice, now=now)
        except AdtoolsError as exc:
            log.warning("rejection notice of document %s not queued (stays pending): %s", doc.id, exc)
            done = False
        except Exception:  # noqa: BLE001 - one notice that cannot be made never holds back the others
            # a bug of ours on this one document: retrying every run would fail the same way, so it is
            # marked told (the rejection and its findings stay in the ledger and in `adtools ledger show`)
            log.exception("rejection notice of document %s failed; not retried", doc.id)
            ledger.mark_notified(doc.id, now=now)
            pending += 1
            continue
        if done:
            ledger.mark_notified(doc.id, now=now)
            queued += 1
        else:
            pending += 1
    return queued, pending


def ingest(cfg: Config, *, now: datetime | None = None, progress: Progress | None = None):
    """Bring the ledger up to date from the watch folders, then queue the rejection mails; the IngestSummary.

    Raises LockedError when another ingest holds the ledger.
    """
    from .ledger.ingest import ingest as ingest_files
    from .ledger.store import Ledger

    now = _now(cfg, now)
    summary = ingest_files(cfg, now=now, progress=progress)
    try:
        with Ledger.open(cfg) as ledger:
            summary.notices_queued, summary.notices_pending = send_pending_notices(cfg, ledger, now=now)
    except AdtoolsError as exc:  # the files are in; their notices wait for the next run
        log.warning("rejection notices not queued (stay pending): %s", exc)
    return summary


def ingest_task(cfg: Config, *, now: datetime | None = None, progress: Progress | None = None) -> TaskResult:
    """Read every new or changed workbook of the watch folders into the ledger; tell the authors of rejected ones.

    The ingest records its own job_runs row under its write lock (that is how it
    tells a run that was killed from one still going), so it is not wrapped in
    `_recorded`; a run refused by the lock did nothing and records nothing.
    """
    now = _now(cfg, now)
    period = registry.job("ingest").period(now)
    try:
        summary = ingest(cfg, now=now, progress=progress)
    except AdtoolsError as exc:
        log.error("job ingest (%s) failed: %s", period, exc)
        return TaskResult("ingest", period, status="failed", error=str(exc))
    try:  # the dashboard shows what was just read (the dashboard job keeps it current otherwise)
        if summary.changed or not cfg.dashboard_path.exists():
            write_dashboard(cfg, now=now)
    except AdtoolsError as exc:  # it failing is not the ingest failing
        log.warning("dashboard not rewritten after the ingest: %s", exc)
    return TaskResult("ingest", period, summary=summary.to_json())


# --------------------------------------------------------------------------- the dashboard
def dashboard_inputs(cfg: Config, ledger: Any, *, now: datetime) -> Any:
    """Gather what the dashboard shows as of `now`: the calculators' figures, rejected files, the outbox, the runs."""
    from dataclasses import asdict, replace
    from datetime import timedelta

    from .calendar import WorkCalendar
    from .fees import fee_statement
    from .ledger import frames
    from .mail import list_messages
    from .reports.dashboard import DashboardInputs
    from .workflow import awaiting_client, weekly_summary

    today = now.date()
    cal = WorkCalendar.from_config(cfg)
    sign_offs = frames.rows(ledger, "sign_off")
    summary = weekly_summary(cfg, work_orders=frames.rows(ledger, "work_order"), progress=frames.rows(ledger, "progress"),
                             sign_offs=sign_offs, minutes_docs=frames.documents(ledger, "minutes"), as_of=today, cal=cal)
    # every pending sign-off, not only those past the client's response time (marked past_sla)
    pending = awaiting_client(sign_offs, replace(cfg, sla=replace(cfg.sla, client_response_days=0)), cal, today)
    if not pending.empty:
        pending = pending.assign(past_sla=pending["working_days_waiting"] > cfg.sla.client_response_days)
    statement = fee_statement(frames.rows(ledger, "timesheet"), frames.rows(ledger, "costs"), sign_offs, cfg,
                              today.strftime("%Y-%m"), calendar=cal, as_of=today)
    last_monday = today - timedelta(days=today.weekday() + 7)
    missing = tuple((staff, week) for staff, week in statement.missing_timesheets if week >= last_monday)
    rejected = []
    for state in ledger.file_states().values():
        if state.status != "rejected" or state.missing_since is not None:
            continue  # a fixed file is no longer rejected; a deleted one waits for nobody
        doc = ledger.document(state.document_id) if state.document_id is not None else None
        rejected.append({"who": (doc.submitter if doc else None) or "", "file": state.rel_path,
                         "since": doc.ingested_at if doc else None, "errors": state.errors, "reason": state.reason})
    rejected.sort(key=lambda r: (r["since"] is None, r["since"] or now))
    outbox = [asdict(e) | {"recipients": ", ".join(e.recipients)}
              for state in ("failed", "queued", "sending") for e in list_messages(cfg, ledger.engine, state=state)]
    runs = []
    for job in registry.JOBS:
        ok, last = ledger.last_run(job.name), ledger.last_run(job.name, status=None)
        runs.append({"job": job.name, "summary": job.summary,
                     "last_ok_at": ok and (ok["finished_at"] or ok["started_at"]), "last_ok_period": ok and ok["period"],
                     "last_status": last and last["status"], "last_at": last and (last["finished_at"] or last["started_at"])})
    from .rights import rights_counts

    rights = rights_counts(cfg, archive=frames.rows(ledger, "archive"), media_schedule=frames.rows(ledger, "media_schedule"),
                           as_of=today)
    return DashboardInputs(now=now, open_deliverables=summary.open_lines, awaiting_client=pending,
                           budget=statement.budget, missing_timesheets=missing, rejected=rejected, outbox=outbox,
                           runs=runs, warnings=tuple(summary.warnings), rights=rights)


def write_dashboard(cfg: Config, *, now: datetime | None = None) -> Path | None:
    """Rewrite the dashboard workbook (`[paths] dashboard`), atomically; None when Excel holds it open (next time)."""
    from .ledger.store import Ledger

    now = _now(cfg, now)
    with Ledger.open(cfg) as ledger:
        inputs = dashboard_inputs(cfg, ledger, now=now)
    return _render_dashboard(cfg, inputs)


def _render_dashboard(cfg: Config, inputs: Any) -> Path | None:
    """Write the dashboard atomically; None when Excel holds it open (written the next time)."""
    from .errors import FileBusyError
    from .reports.dashboard import render_dashboard

    try:
        return render_dashboard(cfg, inputs, cfg.dashboard_path)
    except FileBusyError as exc:
        log.info("dashboard not rewritten this time: %s", exc)
        return None


def dashboard_task(cfg: Config, *, now: datetime | None = None) -> TaskResult:
    """The dashboard job: rewrite 看板 Dashboard.xlsx; a file held open by Excel is written on the next run."""
    now = _now(cfg, now)
    period = registry.job("dashboard").period(now)

    def body(ledger: Any) -> TaskResult:
        path = _render_dashboard(cfg, dashboard_inputs(cfg, ledger, now=now))  # the run's own ledger, not a second
        return TaskResult("dashboard", period, summary={"written": path is not None, "path": str(cfg.dashboard_path)},
                          files=[path] if path else [])

    return _recorded("dashboard", period, cfg, now, body)


# --------------------------------------------------------------------------- the ledger as a workbook
def export_records(
    cfg: Config, form_id: str, *, as_of: Any = None, out: Path | None = None, now: datetime | None = None,
) -> tuple[Path, int]:
    """Write the current records of a form (as of the end of `as_of`) to a workbook; (path, records written).

    Table rows for a form with a table, one row per document otherwise.
    """
    from .forms.catalog import FORMS
    from .ledger import frames
    from .ledger.store import Ledger
    from .reports.export import export_form, export_path

    if form_id not in FORMS:
        raise InputError(f"没有这个表格 / No form {form_id!r}. Fix: use one of {', '.join(FORMS)}.")
    form = FORMS[form_id]
    with Ledger.open(cfg) as ledger:
        frame = (frames.rows if form.columns else frames.documents)(ledger, form_id, as_of=as_of)
    path = Path(out) if out is not None else export_path(cfg, form, as_of, _now(cfg, now).date())
    return export_form(cfg, frame, form_id, path, as_of=as_of), len(frame)


# --------------------------------------------------------------------------- mail
def mail_flush_task(cfg: Config, *, now: datetime | None = None) -> TaskResult:
    """Send the queued messages that are due; a failed delivery is retried later by the outbox's back-off."""
    from .mail import flush

    now = _now(cfg, now)
    period = registry.job("mail_flush").period(now)

    def body(ledger: Any) -> TaskResult:
        result = flush(cfg, ledger.engine, now)
        return TaskResult("mail_flush", period, "ok" if result.ok else "failed", summary=result.to_dict(),
                          error=None if result.ok else (result.error or "some messages failed"))

    return _recorded("mail_flush", period, cfg, now, body)


# --------------------------------------------------------------------------- sla_watch: the personal digests
def sla_digests(cfg: Config, ledger: Any, day: Any) -> list[Any]:
    """Every person's Digest for the morning of `day`: the ledger's frames through the workflow and fees calculators."""
    from datetime import timedelta

    from .calendar import WorkCalendar
    from .fees.timesheets import missing_timesheets
    from .ledger import frames
    from .workflow import awaiting_client, deadlines, minutes_sla
    from .workflow.digest import person_digests
    from .workflow.rejections import unfixed_rejections

    cal = WorkCalendar.from_config(cfg)
    work_orders = frames.rows(ledger, "work_order")
    week = day - timedelta(days=day.weekday() + 7)  # the Monday of last week
    return person_digests(
        cfg, day,
        deadlines=deadlines(work_orders, frames.rows(ledger, "progress"), cfg, cal, day),
        minutes=minutes_sla(frames.documents(ledger, "minutes"), cfg, day),
        awaiting=awaiting_client(frames.rows(ledger, "sign_off"), cfg, cal, day),
        work_orders=work_orders,
        missing_timesheets=missing_timesheets(frames.documents(ledger, "timesheet"), [p.name for p in cfg.people], week, cal),
        timesheet_week=week,
        rejected=unfixed_rejections(frames.versions(ledger)),
    )


def sla_watch_task(cfg: Config, *, now: datetime | None = None, force: bool = False) -> TaskResult:
    """Each working morning: a digest to each person of [[people]] with something to act on; nothing to act on, no mail.

    One mail per person and day (idempotency key `sla_watch:<day>:<address>`).
    """
    from .mail import Message, queue
    from .reports.sla_digest import render_digest

    now = _now(cfg, now)
    period = registry.job("sla_watch").period(now)

    def body(ledger: Any) -> TaskResult:
        queued: list[int] = []
        sent, quiet, no_address = [], [], []
        for digest in sla_digests(cfg, ledger, now.date()):
            if digest.empty:
                quiet.append(digest.name)
                continue
            if not digest.email:
                log.warning("sla_watch: %s has things to act on but no email in [[people]]", digest.name)
                no_address.append(digest.name)
                continue
            mail = render_digest(cfg, digest)
            q = queue(cfg, ledger.engine, Message(sender=cfg.mail.sender, to=(mail.to,), subject=mail.subject,
                                                   html=mail.html, text=mail.text),
                      f"sla_watch:{period}:{mail.to.casefold()}", force, now=now)
            if q.queued:
                queued.append(q.id)
            sent.append(digest.name)
        return TaskResult("sla_watch", period, summary={"digests": sent, "nothing_to_act_on": quiet,
                                                        "no_email": no_address}, queued=queued)

    return _recorded("sla_watch", period, cfg, now, body, force=force)


# --------------------------------------------------------------------------- any job by name
def run_task(name: str, cfg: Config, *, now: datetime | None = None, force: bool = False) -> TaskResult:
    """Run one registered job by its [schedule] key, as of `now` (default: the clock's).

    A job that runs once per period does nothing when its period is done
    (status `done`) unless `force`.
    """
    try:
        declared = registry.job(name)
    except KeyError:
        names = ", ".join(j.name for j in registry.JOBS)
        raise InputError(f"没有这个任务 / No job {name!r}. Fix: use one of {names}.") from None
    if declared.report is not None and not declared.run:
        return report_task(name, cfg, now=now, force=force)
    return registry.resolve(declared.run)(cfg, now=now, **({"force": force} if declared.once_per_period else {}))
