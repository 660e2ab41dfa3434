"""`adtools quote …`: price a filled-in quote workbook and write the client-facing quote."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import click

from ..money import fmt_money
from ._common import AppContext, emit_json, err_console, out_console

__all__ = ["quote_group"]

if TYPE_CHECKING:  # pragma: no cover
    from ..errors import Finding


@click.group("quote")
def quote_group() -> None:
    """报价单 / Quotes: price a filled-in quote workbook by the fee standard.

    Example: adtools quote price inbox/报价单-HRFR-2026-001.xlsx
    """


def _findings_table(path: Path, findings: Sequence[Finding]) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=f"问题 Findings: {path.name}", show_lines=True)
    table.add_column("位置 Where", overflow="fold")
    table.add_column("字段 Field", overflow="fold")
    table.add_column("值 Value", overflow="fold")
    table.add_column("问题 Problem", overflow="fold", ratio=3)
    for f in findings:
        colour = "red" if f.is_error else "yellow"
        table.add_row(
            Text(f.where or "—", style=colour),
            Text(f.field),
            Text("" if f.value is None else str(f.value)),
            Text(f"{f.message_zh}\n{f.message_en}", style=None if f.is_error else "yellow"),
        )
    return table


@quote_group.command("price")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the priced quote (default: <reports>/quotes/报价单_quote_<job>_<type>_v<n>.xlsx).")
@click.option("--json", "as_json", is_flag=True, help="Print the priced quote as JSON on stdout (nothing else).")
@click.pass_obj
def price_command(app: AppContext, file: Path, out: Path | None, as_json: bool) -> None:
    """Price a filled-in quote (报价单) and write the client-facing quote to print and sign.

    Hours at the rates in force on the quote date, film pro rata by area, costs at
    actual cost (plus [fees] oop_markup), postage at cost, tax on the subtotal.
    A workbook with errors is not priced: its findings are listed and the exit code is 1.

    Example: adtools quote price inbox/报价单-HRFR-2026-001.xlsx --out 报价单.xlsx
    """
    from rich.table import Table
    from rich.text import Text

    from ..reports.quote import InvalidQuoteError, price_quote_file

    try:
        priced, path = price_quote_file(app.config, file, out=out)
    except InvalidQuoteError as exc:
        if as_json:
            emit_json({"file": str(file), "priced": False, "error": str(exc),
                       "findings": [f.to_dict() for f in exc.findings]})
        else:
            if exc.findings:
                out_console.print(_findings_table(file, exc.findings))
            err_console.print(Text(f"错误 Error: {exc}", style="bold red"), soft_wrap=True)
        raise SystemExit(1) from None
    if as_json:
        emit_json(priced.to_json())
    else:
        data = priced.to_json()
        table = Table(title=f"报价单 Quote {priced.job_no} {priced.quote_type} v{priced.version} ({priced.quote_date})")
        table.add_column("类型 Type")
        table.add_column("类别 Category")
        table.add_column("金额 Amount", justify="right")
        for line in data["lines"]:
            table.add_row(line["line_type"], Text(line["category"] or ""), fmt_money(line["amount"]))
        table.add_row("", "小计 Subtotal", fmt_money(priced.subtotal))
        table.add_row("", "税金 Tax", fmt_money(priced.tax))
        table.add_row("", Text("合计 Total", style="bold"), Text(fmt_money(priced.total), style="bold"))
        out_console.print(table)
        out_console.print(Text(f"报价单 Quote workbook: {path}"), soft_wrap=True)
    for w in priced.warnings:
        err_console.print(Text(f"注意 Warning: {w}", style="yellow"), soft_wrap=True)
