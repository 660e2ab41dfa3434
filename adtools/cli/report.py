"""`adtools report …`: one command per registered report, made from its declaration in adtools.registry.

Each command builds the report from the ledger (adtools.tasks.make_report),
writes its workbook, shows its figures and, with --send, queues it.  Nothing
here names a report: adding one to the registry adds its command.  The group
chains: `adtools report weekly fees --month 2026-11 archive` checks every
option first, then builds the three side by side (adtools.tasks.make_reports)
and shows them in the order given.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from .. import registry
from ..errors import InputError
from ._common import AppContext, emit_json, err_console, fail, out_console, say_error

__all__ = ["report_group"]


@click.group("report", chain=True, subcommand_metavar="REPORT [OPTIONS] [REPORT [OPTIONS]]...")
@click.option("--workers", type=click.IntRange(min=0), default=0, show_default=True, metavar="N",
              help="同时生成的报告数 / How many of the reports named are built at once (0: one per CPU core; "
                   "1: one after the other).")
def report_group(workers: int) -> None:
    """报告 / Reports: build a report from the ledger, write its workbook and show its figures.

    Several reports named one after the other, each with its own options, are
    built by this one command, side by side on the machine's cores (--workers),
    and shown in the order given.  A report that fails stops no other (exit 1);
    with --json each prints its own JSON document, in order.  Every option of
    every report is checked before any is built.

    Example: adtools report fees --month 2026-11 reconciliation archive
    """


@dataclass(frozen=True)
class _Wanted:
    """One report named on the command line, with its options, before anything is built."""

    declared: registry.Report
    options: dict[str, Any]
    as_json: bool
    out_dir: Path | None
    send: bool


@report_group.result_callback()
def _build(wanted: list[_Wanted], workers: int) -> None:
    """Build the reports named (every option already checked) and show each, in the order given."""
    from ..tasks import ReportRequest, make_reports

    app = click.get_current_context().find_object(AppContext)
    requests = [ReportRequest(w.declared.key, w.options, w.out_dir, w.send) for w in wanted]
    failed = 0
    for w, outcome in zip(wanted, make_reports(app.config, requests, workers=workers)):
        if outcome.error is not None:
            if len(wanted) == 1:
                fail(outcome.error)
            failed += 1
            say_error(f"{w.declared.key}: {outcome.error}")
            continue
        _show(app.config, w, outcome.result, outcome.queued)
    if failed:
        raise SystemExit(1)


def _month(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """--month YYYY-MM; a bad month is refused in Chinese and English."""
    from ..fees import month_bounds

    if value is None:
        return None
    try:
        month_bounds(value)
    except InputError as exc:
        near = _month_meant(value)
        hint = f" 您是不是要写 --month {near}？ / Did you mean --month {near}?" if near else ""
        raise click.BadParameter(f"{exc}{hint}") from None
    return value.strip()


def _month_meant(value: str) -> str | None:
    """`2026-01` for `2026-1`, `2026/1` or `2026年1月`: the accepted form of a month written another way."""
    import re

    m = re.fullmatch(r"\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*", value)
    if m is None or not 1 <= int(m.group(2)) <= 12:
        return None
    return f"{m.group(1)}-{int(m.group(2)):02d}"


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


_CALLBACKS = {"as_of": _as_of, "month": _month}


def _queued_line(cfg: Any, result: Any, queued: Any) -> None:
    """Say whether the report was newly queued (progress goes to stderr)."""
    from rich.text import Text

    to = ", ".join(cfg.mail.recipients.get(result.key, ()))
    if queued.queued:
        err_console.print(Text(f"已加入发件箱 Queued for {to} (message {queued.id}); `adtools mail flush` sends it."),
                          soft_wrap=True)
    else:
        err_console.print(Text(f"已在发件箱中，未重复加入 / Already in the outbox (message {queued.id}, {queued.state}); "
                               "not queued twice."), soft_wrap=True)


def _show(cfg: Any, wanted: _Wanted, result: Any, queued: Any) -> None:
    """Say what one report found: its figures (or its JSON), warnings, workbooks, and whether it was queued."""
    from rich.text import Text

    if queued is not None:
        _queued_line(cfg, result, queued)
    if wanted.as_json:
        emit_json(result.data)
        return
    lines: list[Text] = []  # consecutive lines printed at once: one render, not one per line
    for item in [*registry.resolve(wanted.declared.show)(result), None]:
        if isinstance(item, Text):
            lines.append(item)
            continue
        if lines:
            out_console.print(Text("\n").join(lines), soft_wrap=True)
            lines = []
        if item is not None:
            out_console.print(item, soft_wrap=isinstance(item, str))
    if result.warnings:
        err_console.print(Text("\n").join(Text(f"注意 Warning: {w}", style="yellow") for w in result.warnings),
                          soft_wrap=True)
    for path in result.files:
        out_console.print(Text(f"工作簿 Workbook: {path}"), soft_wrap=True)


def _command(declared: registry.Report) -> click.Command:
    """The click command of one registered report."""

    def run(as_json: bool, out_dir: Path | None, send: bool, **options: Any) -> _Wanted:
        return _Wanted(declared, options, as_json, out_dir, send)  # built by _build, once every option is checked

    params: list[click.Parameter] = [
        click.Option([o.flag, o.name], required=o.required, metavar=None if o.choices else o.metavar,
                     type=click.Choice(o.choices) if o.choices else None, callback=_CALLBACKS.get(o.name),
                     help=declared.option_help.get(o.name, o.help))
        for o in declared.options
    ]
    params += [
        click.Option(["--json", "as_json"], is_flag=True, help="Print the figures as JSON on stdout (nothing else)."),
        click.Option(["--out", "out_dir"], type=click.Path(file_okay=False, path_type=Path),
                     help=f"Folder for the workbook (default: <reports>/{declared.key})."),
        click.Option(["--send"], is_flag=True,
                     help=f"Queue the report for [mail.recipients] {declared.recipients_key} (delivered by `adtools mail flush`); "
                          "a period already queued is not queued again."),
    ]
    summary = declared.summary[0].upper() + declared.summary[1:]
    help_text = f"{summary}.\n\n{declared.description}\n\nExample: {declared.example}"
    return click.Command(declared.key, callback=run, params=params, help=help_text,
                         short_help=declared.title)


for _declared in registry.REPORTS:
    report_group.add_command(_command(_declared))
