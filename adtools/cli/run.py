"""`adtools run JOB` and `adtools jobs`: the registered jobs, run one now or list them (for cron, Task Scheduler, or by hand)."""
from __future__ import annotations

import click

from .. import registry
from ._common import AppContext, emit_json, err_console, out_console

__all__ = ["run_command", "jobs_command"]

_JOB_LINES = "\n".join(f"  {j.name}: {j.summary}" for j in registry.JOBS)


@click.command("run", help=f"""Run one scheduled job now, as the scheduler would, and record it in the ledger.

\b
Jobs:
{_JOB_LINES}

A report already queued for its period is not queued again.  The moment the
job runs at is the clock's: set it with `adtools --now 2026-11-30T09:00 run JOB`
(or ADTOOLS_NOW) to run a past or future period.  Exits 1 when the job failed.

Example: adtools run weekly_progress""")
@click.argument("job", type=click.Choice([j.name for j in registry.JOBS]))
@click.option("--json", "as_json", is_flag=True, help="Print the job's result as JSON on stdout.")
@click.pass_obj
def run_command(app: AppContext, job: str, as_json: bool) -> None:
    from rich.text import Text

    from ..tasks import run_task

    result = run_task(job, app.config)
    if as_json:
        emit_json(result.to_json())
    else:
        out_console.print(Text(f"{job} [{result.period}]: {result.status}"))
        for p in result.files:
            out_console.print(Text(f"  {p}"))
        if result.queued:
            out_console.print(Text(f"  已排队邮件 mail queued: {', '.join(map(str, result.queued))}"))
    if result.status != "ok":
        err_console.print(Text(f"错误 Error: {result.error}", style="red"), soft_wrap=True)
        raise SystemExit(1)


@click.command("jobs")
@click.option("--json", "as_json", is_flag=True, help="Print the jobs as JSON on stdout.")
@click.pass_obj
def jobs_command(app: AppContext, as_json: bool) -> None:
    """任务 / The scheduled jobs: name, schedule (config.toml [schedule]), the period a run now covers, what it does.

    Example: adtools jobs
    """
    from rich.table import Table
    from rich.text import Text

    from .. import clock

    cfg = app.config
    now = clock.now(cfg.tz)
    rows = [{"job": j.name, "schedule": cfg.schedule[j.name].text if j.name in cfg.schedule else j.schedule,
             "period_now": j.period(now), "report": j.report, "what": j.summary} for j in registry.JOBS]
    if as_json:
        emit_json(rows)
        return
    table = Table(title=f"任务 Jobs (now {now.isoformat(timespec='minutes')})")
    for head in ("任务 Job", "时间 Schedule", "当前周期 Period now", "内容 What it does"):
        table.add_column(head)
    for r in rows:
        table.add_row(r["job"], r["schedule"], r["period_now"], Text(r["what"]))
    out_console.print(table)
