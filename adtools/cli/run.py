"""`adtools jobs list|run|status`, `adtools run JOB [JOB ...]` (an alias of `jobs run`) and `adtools scheduler`."""
from __future__ import annotations

import click

from .. import registry
from ._common import AppContext, emit_json, err_console, out_console

__all__ = ["run_command", "jobs_group", "scheduler_command"]


def Text(*args, **kwargs):  # noqa: N802 - rich's Text, imported when a command prints (--help stays light)
    from rich.text import Text as _Text

    return _Text(*args, **kwargs)


def Table(*args, **kwargs):  # noqa: N802 - rich's Table, imported when a command prints
    from rich.table import Table as _Table

    return _Table(*args, **kwargs)

_JOB_LINES = "\n".join(f"  {j.name}: {j.summary}" for j in registry.JOBS)
_JOB_NAMES = click.Choice([j.name for j in registry.JOBS])


def _run_all(app: AppContext, jobs: tuple[str, ...], as_json: bool, force: bool) -> None:
    """Each job in the order given, in this process; a failed one stops no other (as in the scheduler); exit 1 if any failed."""
    failed = [job for job in jobs if not _run(app, job, as_json, force)]
    if failed:
        raise SystemExit(1)


def _run(app: AppContext, job: str, as_json: bool, force: bool) -> bool:
    """Run one job and say what it did; False when it failed."""
    from ..tasks import run_task

    result = run_task(job, app.config, force=force)
    if as_json:
        emit_json(result.to_json())
    elif result.status == "done":
        out_console.print(Text(f"{job} [{result.period}]: 本期已完成，未重复生成或发送 / already done for this period "
                               f"(run {result.summary.get('run')}); nothing made or sent again. "
                               "Use --force to make and send it again."))
    else:
        out_console.print(Text(f"{job} [{result.period}]: {result.status}"))
        for p in result.files:
            out_console.print(Text(f"  {p}"))
        if result.queued:
            out_console.print(Text(f"  已排队邮件 mail queued: {', '.join(map(str, result.queued))}"))
    if result.status == "failed":
        err_console.print(Text(f"错误 Error: {job}: {result.error}", style="red"), soft_wrap=True)
        return False
    return True


_RUN_HELP = f"""Run scheduled jobs now, as the scheduler would, and record each in the ledger.

\b
Jobs:
{_JOB_LINES}

A job that runs once per period (a report, the digests) does nothing when its
period is done already, unless --force (then it is made and queued again).  The
moment the job runs at is the clock's: set it with `adtools --now
2026-11-30T09:00 jobs run JOB` (or ADTOOLS_NOW) to run a past or future period.
Several jobs run one after the other in this one process, in the order given
(adtools and its libraries load once); a job that fails stops no other, as in
the scheduler; with --json each prints its own JSON document.  Exits 1 when a
job failed.
"""


def _run_options(f):
    """JOB [JOB ...], --force and --json: the same for `adtools run` and `adtools jobs run`."""
    for decorate in reversed((
        click.argument("jobs", metavar="JOB [JOB]...", nargs=-1, required=True, type=_JOB_NAMES),
        click.option("--force", is_flag=True, help="Run it even when its period is done, and queue its mail again."),
        click.option("--json", "as_json", is_flag=True, help="Print the job's result as JSON on stdout."),
        click.pass_obj,
    )):
        f = decorate(f)
    return f


@click.command("run", help=_RUN_HELP + "\nThe same as `adtools jobs run`.\n\nExample: adtools run ingest weekly_progress")
@_run_options
def run_command(app: AppContext, jobs: tuple[str, ...], force: bool, as_json: bool) -> None:
    _run_all(app, jobs, as_json, force)


# --------------------------------------------------------------------------- adtools jobs …
def _ledger_engine(app: AppContext):
    """The ledger's engine, or None when a SQLite ledger does not exist yet (nothing has run)."""
    from ..ledger.db import sqlite_path
    from ..ledger.store import Ledger

    path = sqlite_path(app.config.ledger_url)
    if path is not None and not path.is_file():
        return None
    return Ledger.open(app.config)


def _list(app: AppContext, as_json: bool) -> None:
    from .. import clock

    cfg = app.config
    now = clock.now(cfg.tz)
    states = {}
    ledger = _ledger_engine(app)
    if ledger is not None:
        from ..scheduler import job_states

        with ledger:
            states = {s.job: s.to_json() for s in job_states(cfg, ledger.engine, now)}
    rows = []
    for j in registry.JOBS:
        row = {"job": j.name, "schedule": cfg.schedule[j.name].text if j.name in cfg.schedule else j.schedule,
               "period_now": j.period(now), "report": j.report, "what": j.summary,
               "catch_up": cfg.catch_up.policy(j.name)}
        row.update({k: v for k, v in states.get(j.name, {}).items() if k not in row})
        rows.append(row)
    if as_json:
        emit_json(rows)
        return
    table = Table(title=f"任务 Jobs (now {now.isoformat(timespec='minutes')})")
    for head in ("任务 Job", "时间 Schedule", "当前周期 Period now", "上次 Last run", "下次 Next", "状态 State",
                 "内容 What it does"):
        table.add_column(head)
    for r in rows:
        last = f"{r.get('last_status') or '—'} {r.get('last_period') or ''}".strip()
        if r.get("failures"):
            state = Text(f"失败 failing ×{r['failures']}", style="red")
        elif r.get("late"):
            state = Text(f"逾期 late: {', '.join(r['late'])}", style="yellow")
        else:
            state = Text("正常 ok" if r.get("last_status") else "—")
        table.add_row(r["job"], r["schedule"], r["period_now"], last, (r.get("next_due") or "")[:16], state,
                      Text(r["what"]))
    out_console.print(table)


@click.group("jobs", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="With no subcommand: the jobs as JSON on stdout.")
@click.pass_context
def jobs_group(ctx: click.Context, as_json: bool) -> None:
    """任务 / The scheduled jobs: list them, run one, or check them for the server's monitoring.

    With no subcommand: the same as `adtools jobs list`.

    Example: adtools jobs list
    """
    if ctx.invoked_subcommand is None:
        _list(ctx.obj, as_json)


@jobs_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the jobs as JSON on stdout.")
@click.pass_obj
def jobs_list(app: AppContext, as_json: bool) -> None:
    """Every job: schedule, catch-up policy, the period a run now covers, last run, next run, late or failing.

    Example: adtools jobs list
    """
    _list(app, as_json)


@jobs_group.command("run", help=_RUN_HELP + "\nExample: adtools jobs run weekly_progress --force")
@_run_options
def jobs_run(app: AppContext, jobs: tuple[str, ...], force: bool, as_json: bool) -> None:
    _run_all(app, jobs, as_json, force)


@jobs_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON on stdout.")
@click.pass_obj
def jobs_status(app: AppContext, as_json: bool) -> None:
    """For the server's monitoring: exit 0 when every job is well and the scheduler's heartbeat is fresh, else 1.

    Names each failing job and a stale, missing or stopped heartbeat
    ([scheduler] heartbeat_stale_minutes).

    Example: adtools jobs status || echo "adtools needs attention"
    """
    from .. import clock
    from ..ledger.store import Ledger
    from ..scheduler import status_problems

    cfg = app.config
    now = clock.now(cfg.tz)
    with Ledger.open(cfg) as ledger:
        problems = status_problems(cfg, ledger.engine, now)
    if as_json:
        emit_json({"ok": not problems, "problems": problems, "now": now.isoformat(timespec="seconds")})
    elif problems:
        for p in problems:
            err_console.print(Text(p, style="red"), soft_wrap=True)
    else:
        out_console.print(Text("正常 / All jobs well; the scheduler is alive."))
    if problems:
        raise SystemExit(1)


# --------------------------------------------------------------------------- adtools scheduler
@click.command("scheduler")
@click.option("--wait", is_flag=True,
              help="When another scheduler holds the ledger, stand by and take over when it stops (instead of exiting).")
@click.pass_obj
def scheduler_command(app: AppContext, wait: bool) -> None:
    """调度程序 / Run every job on its [schedule], in the foreground, until SIGTERM or Ctrl-C.

    On start and at each tick ([scheduler] tick_seconds) it runs every job whose
    period is due and not done, catching up after downtime by
    [schedule.catch_up]; a failing job is retried and the [mail] admins told
    once; logs go to [scheduler] log (rotated) and stderr.  A second scheduler
    on the same ledger exits at once (exit code 3) unless --wait.  With
    ADTOOLS_NOW (or --now) the clock starts at that moment and runs on.

    Example: adtools --config /srv/adtools/config.toml scheduler
    """
    from ..errors import LockedError
    from ..scheduler import serve, setup_logging

    cfg = app.config
    path = setup_logging(cfg)
    err_console.print(Text(f"调度程序启动 / scheduler starting; log: {path}"))
    try:
        serve(cfg, wait=wait)
    except LockedError as exc:
        err_console.print(Text(str(exc), style="red"), soft_wrap=True)
        raise SystemExit(3) from None
