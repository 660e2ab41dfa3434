"""`adtools run JOB`: run one scheduled job now (for cron, Windows Task Scheduler, or by hand)."""
from __future__ import annotations

import click
from rich.text import Text

from ..tasks import TASKS, run_task
from ._common import AppContext, emit_json, err_console, out_console

__all__ = ["run_command"]


@click.command("run")
@click.argument("job", type=click.Choice(sorted(TASKS)))
@click.option("--json", "as_json", is_flag=True, help="Print the job's result as JSON on stdout.")
@click.pass_obj
def run_command(app: AppContext, job: str, as_json: bool) -> None:
    """Run one scheduled job now, as the scheduler would, and record it in the ledger.

    Jobs: ingest (read new workbooks), weekly_progress (the Monday report, queued
    to its recipients), fees_statement (last month's fee statement, queued),
    mail_flush (send the queued mail).  A report already queued for its period is
    not queued again.  Exits 1 when the job failed.

    Example: adtools run weekly_progress
    """
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
