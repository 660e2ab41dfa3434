"""`adtools export FORM`: the current records of a form as a workbook to open in Excel."""
from __future__ import annotations

from pathlib import Path

import click

from ._common import AppContext, emit_json, out_console
from .ledger import _day

__all__ = ["export_command"]


@click.command("export")
@click.argument("form_id", metavar="FORM")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The records as they stood at the end of this day.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="The workbook to write (default: <reports>/export/台账_<form>_<form_id>_<date>.xlsx).")
@click.option("--json", "as_json", is_flag=True, help="Print the path and the number of records as JSON on stdout.")
@click.pass_obj
def export_command(app: AppContext, form_id: str, as_of: str | None, out: Path | None, as_json: bool) -> None:
    """Write the current records of a form to a workbook (FORM: timesheet, work_order, ...).

    Columns carry the fields' Chinese and English labels, dropdown values their
    labels, and every row its source file, sheet, row and version, so the ledger
    can be read in Excel without a terminal.

    Example: adtools export timesheet --as-of 2026-11-20
    """
    from ..tasks import export_records

    day = _day(as_of) if as_of else None
    path, n = export_records(app.config, form_id, as_of=day, out=out)
    if as_json:
        emit_json({"form_id": form_id, "as_of": day.isoformat() if day else None, "records": n, "path": str(path)})
        return
    out_console.print(f"台账导出 Export: {n} 条 records → [bold]{path}[/]")
