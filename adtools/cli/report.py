"""`adtools report …`: build a report from the ledger, write its workbook, show its figures.

One command per report; adding one is a `@report_group.command(...)` in this module.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from ..errors import InputError
from ..fees import month_bounds
from ..money import fmt2, fmt_money
from ._common import AppContext, emit_json, err_console, out_console

__all__ = ["report_group"]


@click.group("report")
def report_group() -> None:
    """报告 / Reports: build a report from the ledger, write its workbook and show its figures.

    Example: adtools report fees --month 2026-11
    """


def _month(ctx: click.Context, param: click.Parameter, value: str) -> str:
    try:
        month_bounds(value)
    except InputError as exc:
        raise click.BadParameter(str(exc)) from None
    return value.strip()


def _queue(cfg, result) -> None:  # noqa: ANN001
    """Put a finished report in the outbox; say whether it was new (progress goes to stderr)."""
    from ..mail import open_outbox, queue_report

    engine = open_outbox(cfg)
    try:
        queued = queue_report(cfg, engine, result)
    finally:
        engine.dispose()
    to = ", ".join(cfg.mail.recipients.get(result.key, ()))
    if queued.queued:
        err_console.print(Text(f"已加入发件箱 Queued for {to} (message {queued.id}); `adtools mail flush` sends it."),
                          soft_wrap=True)
    else:
        err_console.print(Text(f"已在发件箱中，未重复加入 / Already in the outbox (message {queued.id}, {queued.state}); "
                               "not queued twice."), soft_wrap=True)


def _as_of(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """--as-of YYYY-MM-DD as a date; a bad date is refused in Chinese and English."""
    if value is None:
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(
            f"日期无效 / Not a date: {value!r}. Rule: a real calendar day written YYYY-MM-DD. "
            "Fix: e.g. --as-of 2026-11-20."
        ) from None


def _output_options(key: str, period: str):
    """--json, --out and --send, alike on every report; `key` names [mail.recipients] and <reports>/key."""

    def decorate(fn):
        fn = click.option("--send", is_flag=True,
                          help=f"Queue the report for [mail.recipients] {key} (delivered by `adtools mail flush`); "
                               f"a {period} already queued is not queued again.")(fn)
        fn = click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
                          help=f"Folder for the workbook (default: <reports>/{key}).")(fn)
        return click.option("--json", "as_json", is_flag=True,
                            help="Print the figures as JSON on stdout (nothing else).")(fn)

    return decorate


def _deliver(cfg, result, *, send: bool, as_json: bool) -> bool:  # noqa: ANN001
    """Queue the report when asked and print its JSON when asked; True when JSON was printed (nothing else may be)."""
    if send:
        _queue(cfg, result)
    if as_json:
        emit_json(result.data)
    return as_json


def _closing_lines(result, workbook_label: str) -> None:  # noqa: ANN001
    for w in result.warnings:
        err_console.print(Text(f"注意 Warning: {w}", style="yellow"), soft_wrap=True)
    for path in result.files:
        out_console.print(Text(f"{workbook_label}: {path}"), soft_wrap=True)


@report_group.command("fees")
@click.option("--month", required=True, callback=_month, metavar="YYYY-MM", help="The month of the statement, e.g. 2026-11.")
@click.option("--job", metavar="JOB", help="Only this job number, e.g. HRFR-2026-001.")
@click.option("--as-of", "as_of", callback=_as_of, metavar="YYYY-MM-DD",
              help="The end of the day the statement speaks for (default: today): weeks starting later "
                   "are not yet missing.")
@_output_options("fees", "month")
@click.pass_obj
def fees_command(app: AppContext, month: str, job: str | None, as_of: date | None, as_json: bool,
                 out_dir: Path | None, send: bool) -> None:
    """The monthly fee statement (收费清单): fees by job, every line with its source cell.

    Writes 收费清单_fees_<month>.xlsx: summary by job with totals, charged lines and
    timesheet rows with their cells, hours by staff, approved quotes against fees
    billed to date, missing timesheets and warnings.

    Example: adtools report fees --month 2026-11 --send
    """
    from ..ledger.store import Ledger
    from ..reports.fees import build_fees

    cfg = app.config
    with Ledger.open(cfg) as ledger:
        result = build_fees(cfg, ledger, month, job=job, as_of=as_of, out_dir=out_dir)
    if _deliver(cfg, result, send=send, as_json=as_json):
        return
    data = result.data
    table = Table(title=f"{result.title_zh} / {result.title_en}", show_footer=bool(data["jobs"]))
    table.add_column("工作编号 Job No.", footer="合计 Total", no_wrap=True)
    table.add_column("小时 Hours", justify="right", footer=data["totals"]["hours"], no_wrap=True)
    for key, head in (("subtotal", "小计 Subtotal"), ("tax", "税金 Tax"), ("total", "合计 Total")):
        table.add_column(head, justify="right", footer=fmt_money(data["totals"][key]), no_wrap=True)
    for j in data["jobs"]:
        table.add_row(Text(j["job_no"]), j["hours"], *(fmt_money(j[k]) for k in ("subtotal", "tax", "total")))
    out_console.print(table)
    out_console.print(f"非计费工时 Non-billable hours: {data['non_billable_hours']}")
    out_console.print(f"缺交工时表 Missing timesheets: {len(data['missing_timesheets'])}")
    for b in data["over_budget"]:
        out_console.print(Text(f"超出报价 Over budget: {b['job_no']} {fmt2(b['actual'])} > {b['approved']}", style="red"))
    _closing_lines(result, "收费清单 Workbook")


@report_group.command("weekly")
@click.option("--as-of", "as_of", callback=_as_of, metavar="YYYY-MM-DD",
              help="The end of this day (default: the last Friday on or before today).")
@_output_options("weekly", "week")
@click.pass_obj
def weekly_command(app: AppContext, as_of: date | None, as_json: bool, out_dir: Path | None, send: bool) -> None:
    """The Monday progress report (工作进展周报): deadlines, overdue, awaiting client, gate violations, minutes.

    Writes 周报_weekly_<as-of>.xlsx: a summary, then one sheet per concern, each
    row with its job, owner, dates, working days late or left and its source cell;
    overdue rows red, rows due within 2 working days amber.

    Example: adtools report weekly --as-of 2026-11-27 --send
    """
    from ..ledger.store import Ledger
    from ..reports.weekly import build_weekly

    cfg = app.config
    with Ledger.open(cfg) as ledger:
        result = build_weekly(cfg, ledger, as_of=as_of, out_dir=out_dir)
    if _deliver(cfg, result, send=send, as_json=as_json):
        return
    data = result.data
    table = Table(title=f"{result.title_zh} / {result.title_en}")
    table.add_column("项目 Item")
    table.add_column("数值 Value", justify="right")
    for label, value in (
        ("工作数 Jobs", data["jobs"]),
        ("未完成交付 Open deliverables", data["open_deliverables"]),
        ("逾期 Overdue", len(data["overdue"])),
        ("两个工作日内到期 Due soon", len(data["due_soon"])),
        ("待客户确认 Awaiting client", len(data["awaiting_client"])),
        ("流程违规 Gate violations", len(data["gate_violations"])),
        ("纪要延迟或未发 Minutes late/missing", sum(m["status"] in ("late", "missing") for m in data["minutes"])),
    ):
        table.add_row(label, str(value))
    out_console.print(table)
    for o in data["overdue"]:
        out_console.print(Text(f"逾期 Overdue: {o['job_no']} {o['deliverable']} due {o['due']} "
                               f"({o['working_days_late']} working days late)", style="red"))
    for g in data["gate_violations"]:
        out_console.print(Text(f"流程违规 Gate violation: {g['job_no']} {g['stage']} on {g['done_on']} "
                               f"without {', '.join(g['missing'])}", style="red"))
    _closing_lines(result, "周报 Workbook")
