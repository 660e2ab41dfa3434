"""`adtools validate`: check filled-in workbooks, list every finding, optionally write feedback copies."""
from __future__ import annotations

from pathlib import Path

from typing import TYPE_CHECKING

import click

from ..errors import AdtoolsError
from ._common import AppContext, emit_json, err_console, fail, out_console

if TYPE_CHECKING:  # pragma: no cover
    from ..forms.schema import FormResult

__all__ = ["validate_command"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def _expand(paths: tuple[Path, ...]) -> list[Path]:
    """Files as given; folders give their workbooks (recursively, Office lock files `~$…` left out)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out.extend(sorted(
                q for q in p.rglob("*")
                if q.is_file() and q.suffix.lower() in WORKBOOK_SUFFIXES and not q.name.startswith("~$")
            ))
        else:
            out.append(p)
    return out


@click.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON on stdout (nothing else).")
@click.option(
    "--feedback", "feedback_dir", type=click.Path(file_okay=False, path_type=Path),
    help="Write, for each file with findings, a copy with the bad cells marked into this folder.",
)
@click.pass_obj
def validate_command(app: AppContext, files: tuple[Path, ...], as_json: bool, feedback_dir: Path | None) -> None:
    """Check filled-in workbooks (检查表格) and list every finding by cell.

    FILES are workbooks or folders (searched recursively). Exits with 1 when any
    file has an error; warnings alone exit 0. Job numbers are checked against the
    work orders in the ledger, when there is one.

    Example: adtools validate inbox/工时表-张伟.xlsx --feedback var/feedback
    """
    from rich.text import Text

    from ..forms.feedback import write_feedback
    from ..forms.validate import result_json, validate_file
    from ..ledger.store import known_jobs_in_ledger

    cfg = app.config
    paths = _expand(files)
    if not paths:
        fail("没有找到表格文件 / No workbooks (.xlsx, .xlsm) found in the folders given. Fix: name the files.")
    known = known_jobs_in_ledger(cfg)  # unknown job numbers are warnings once work orders are in the ledger
    results = [validate_file(p, cfg, known_jobs=known) for p in paths]

    feedback: dict[Path, Path] = {}
    if feedback_dir is not None:
        for r in results:
            if not r.findings:
                continue
            try:
                feedback[r.path] = write_feedback(r, feedback_dir)
            except AdtoolsError as exc:
                err_console.print(Text(f"{r.path}: 未写反馈表 no feedback copy: {exc}", style="yellow"), soft_wrap=True)

    if as_json:
        emit_json({"files": [result_json(r) for r in results]})
        for src, dst in feedback.items():
            err_console.print(Text(f"反馈表 Feedback: {src} -> {dst}"), soft_wrap=True)
    else:
        _print(results, feedback)
    if any(not r.ok for r in results):
        raise SystemExit(1)


def _print(results: list[FormResult], feedback: dict[Path, Path]) -> None:
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    from ..forms.catalog import field_label

    for r in results:
        n_err, n_warn = len(r.errors), len(r.warnings)
        what = f"{r.form_id}" + (f" [{r.document_key}]" if r.document_key else "") if r.form_id else "?"
        if r.ok:
            mark = "[green]✓ 通过 OK[/]" if not n_warn else f"[yellow]✓ 通过 OK, {n_warn} 警告 warning(s)[/]"
        else:
            mark = f"[red]✗ {n_err} 错误 error(s)[/]" + (f"[yellow], {n_warn} 警告 warning(s)[/]" if n_warn else "")
        out_console.print(f"{mark}  {escape(str(r.path))}  {escape(what)}  {len(r.rows)} 行 rows", soft_wrap=True)
        if r.path in feedback:
            out_console.print(f"    反馈表 Feedback: {escape(str(feedback[r.path]))}", soft_wrap=True)
    findings = [(r, f) for r in results for f in r.findings]
    if not findings:
        return
    table = Table(title="问题 Findings", show_lines=True)
    table.add_column("文件 File", overflow="fold")
    table.add_column("位置 Where", overflow="fold")
    table.add_column("字段 Field", overflow="fold")
    table.add_column("值 Value", overflow="fold")
    table.add_column("问题 Problem", overflow="fold", ratio=3)
    for r, f in findings:
        colour = "red" if f.is_error else "yellow"
        table.add_row(
            Text(r.path.name),
            Text(f.where if f.sheet else "—", style=colour),
            Text(field_label(r.form_id, f.field)),
            Text("" if f.value is None else str(f.value)),
            Text(f"{f.message_zh}\n{f.message_en}", style=None if f.is_error else "yellow"),
        )
    out_console.print(table)
