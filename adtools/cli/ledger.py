"""`adtools ingest`, `adtools ledger history` and `adtools ledger show`: parse, call the ledger, present."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import InputError
from ..money import fmt2
from ._common import emit_json, err_console, out_console

if TYPE_CHECKING:  # pragma: no cover
    from ..forms.schema import Field
    from ..ledger.ingest import IngestSummary

__all__ = ["ingest_command", "ledger_group"]

STATUS_LABELS = {
    "ingested": "已读入 ingested",
    "unchanged": "未变 unchanged",
    "duplicate": "重复 duplicate",
    "rejected": "退回 rejected",
    "skipped": "跳过 skipped",
    "missing": "缺失 missing",
    "current": "当前 current",
    "superseded": "已取代 superseded",
}
_STAGES = {"scan": "扫描 scanning", "validate": "检查 checking", "reject": "退回 rejecting", "store": "读入 storing"}


def _short(path: str, cfg) -> str:  # noqa: ANN001
    p = Path(path)
    for w in cfg.watch_dirs:
        try:
            return p.relative_to(w).as_posix()
        except ValueError:
            continue
    return path


@click.command("ingest")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout (progress stays on stderr).")
@click.option("--all", "show_all", is_flag=True, help="List every file: unchanged ones too, and every file ingested "
              "(otherwise the first 30).")
@click.pass_obj
def ingest_command(app, as_json: bool, show_all: bool) -> None:
    """Read new and changed workbooks from the watch folders into the ledger.

    Unchanged files are skipped without being opened; a copy of a file already
    read is a duplicate; a workbook with errors enters nothing and its owner gets
    a feedback workbook by mail; the previous good version stays current.
    Staff files are only read, never moved or changed.

    Example: adtools ingest --json
    """
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ..tasks import ingest

    cfg = app.config
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("[dim]{task.fields[path]}"),
        console=err_console, transient=True, disable=not err_console.is_terminal,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int, path: str) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(_STAGES.get(stage, stage), total=total, path="")
            bar.update(tasks[stage], completed=done, total=total, path=escape(Path(path).name))

        summary = ingest(cfg, progress=progress)
    if as_json:
        emit_json(summary.to_json())
        return
    _print_summary(summary, cfg, show_all)


_LISTED_INGESTED = 30  # files listed by name after a big ingest; problems are always listed


def _print_summary(summary: IngestSummary, cfg, show_all: bool) -> None:  # noqa: ANN001
    from rich.markup import escape
    from rich.table import Table

    counts = Table(title="读入结果 Ingest summary")
    counts.add_column("文件 Files")
    counts.add_column("数量 Count", justify="right")
    keys = ("scanned", "ingested", "unchanged", "duplicate", "rejected", "superseded", "skipped", "missing")
    zh = ("扫描", "读入", "未变", "重复", "退回", "被取代", "跳过", "缺失")
    for k, z in zip(keys, zh):
        counts.add_row(f"{z} {k}", str(getattr(summary, k)))
    out_console.print(counts)
    shown = [f for f in summary.files if show_all or f.status != "unchanged"]
    more = 0
    if not show_all:  # every problem is listed; of a big batch of good files, the first few
        good = [f for f in shown if f.status == "ingested"]
        more = max(0, len(good) - _LISTED_INGESTED)
        if more:
            hidden = {id(f) for f in good[_LISTED_INGESTED:]}
            shown = [f for f in shown if id(f) not in hidden]
    if shown:
        t = Table(show_lines=False)
        for col in ("文件 File", "结果 Status", "表格 Form", "编号 Key", "行 Rows", "说明 Reason"):
            t.add_column(col, overflow="fold")
        for f in shown:
            t.add_row(
                escape(_short(f.path, cfg)), STATUS_LABELS.get(f.status, f.status), f.form_id or "",
                escape(f.document_key or ""), "" if f.rows is None else str(f.rows), escape(f.reason or ""),
            )
        out_console.print(t)
    if more:
        out_console.print(f"…另有 {more} 个文件已读入（adtools ingest --all 或 --json 列出全部） / … and {more} more files "
                          "ingested (`adtools ingest --all` or `--json` lists every file)")
    if summary.archive_missing:
        out_console.print(
            f"[red]{summary.archive_missing} 份存档副本不见了：运行 adtools ledger verify 查看并恢复 / "
            f"{summary.archive_missing} archive copies are missing: run `adtools ledger verify` to see and restore them[/]"
        )
    if summary.notices_queued:
        out_console.print(f"已排队退回通知邮件 {summary.notices_queued} 封 / {summary.notices_queued} rejection mail(s) queued")
    if summary.notices_pending:
        out_console.print(
            f"[yellow]{summary.notices_pending} 封退回通知未能加入发件箱，下次读入时重试（原因见日志） / "
            f"{summary.notices_pending} rejection mail(s) could not be queued; tried again on the next ingest "
            "(the log says why, e.g. an e-mail address in [[people]] or [mail] sender)[/]"
        )


@click.group("ledger")
def ledger_group() -> None:
    """台账 / Ledger: the history of a document and the current records of a form.

    Example: adtools ledger show timesheet
    """


def _form_option(value: str | None) -> str | None:
    from ..forms.catalog import FORMS

    if value is not None and value not in FORMS:
        raise InputError(f"没有此表格 / There is no form {value!r}. Fix: use one of {', '.join(FORMS)}.")
    return value


@ledger_group.command("history")
@click.argument("key")
@click.option("--form", "form_id", help="Only this form (a form id such as timesheet).")
@click.option("--json", "as_json", is_flag=True, help="Print the versions as JSON on stdout.")
@click.pass_obj
def history_command(app, key: str, form_id: str | None, as_json: bool) -> None:
    """Every version of a document: version, status, file, sha256, ingested at, submitter, rows.

    KEY is the document key as the ledger shows it: the key fields joined by `|`
    (a timesheet: `张伟|2026-11-02`; a work order: its order number).

    Example: adtools ledger history "张伟|2026-11-02" --form timesheet
    """
    from rich.markup import escape
    from rich.table import Table

    from ..ledger.store import Ledger

    cfg = app.config
    _form_option(form_id)
    with Ledger.open(cfg) as led:
        versions = led.history(key, form_id)
        if not versions:
            near = led.similar_keys(key.split("|")[0]) if key.strip() else []
            hint = f" Keys that look close: {', '.join(near)}." if near else ""
            raise InputError(
                f"台账中没有编号为 {key!r} 的文件 / No document with key {key!r} in the ledger"
                + (f" (form {form_id})" if form_id else "")
                + f". Fix: give the key fields joined by | (e.g. 张伟|2026-11-02).{hint}"
            )
    if as_json:
        emit_json({"key": key, "versions": [v.to_json(cfg.tz) for v in versions]})
        return
    t = Table(title=f"文件历史 History: {escape(key)}")
    for col in ("表格 Form", "版本 Ver.", "状态 Status", "文件 File", "sha256", "读入时间 Ingested at", "提交人 Submitter", "行 Rows", "说明 Reason"):
        t.add_column(col, overflow="fold")
    for v in versions:
        t.add_row(
            v.form_id or "", "" if v.version is None else str(v.version), STATUS_LABELS.get(v.status, v.status),
            escape(v.rel_path), v.sha256[:12], v.ingested_at.astimezone(cfg.tz).strftime("%Y-%m-%d %H:%M"),
            escape(v.submitter or ""), str(v.rows), escape(v.reason or ""),
        )
    out_console.print(t)


def _json_value(field_type: str | None, key: str, value: Any) -> Any:
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if field_type == "date" else value.isoformat()
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return fmt2(value) if field_type == "money" or key == "hours" else str(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _shown(f: Field, value: Any, cfg: Any) -> str:
    """A value as staff read it: an enum or Y/N as its `中文 English` label, money and hours with two decimals."""
    v = _json_value(f.type, f.key, value)
    if v is None:
        return ""
    if f.type == "bool":
        return "是 Yes" if v else "否 No"
    if f.type == "enum":
        return next((c.label for c in f.choices_for(cfg) if c.key == v), str(v))
    if f.type == "datetime" and isinstance(v, str):
        return v[:16].replace("T", " ")
    return str(v)


def _source_text(rec: dict[str, Any]) -> str:
    """`inbox/张伟.xlsx 第 9 行 row 9`: the file and row a record came from."""
    row = _json_value("int", "_row", rec.get("_row"))
    return f"{rec['_file']}" + (f" 第 {row} 行 row {row}" if row is not None else "")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"日期格式错误 / --as-of {text!r} is not a date. Fix: write it as YYYY-MM-DD, e.g. 2026-11-30.") from None


@ledger_group.command("show")
@click.argument("form_id", metavar="FORM")
@click.option("--as-of", "as_of", help="The records as they stood at the end of this day (YYYY-MM-DD).")
@click.option("--documents", "header_only", is_flag=True, help="One line per document (header fields) instead of one per table row.")
@click.option("--limit", type=click.IntRange(min=1), help="Show at most N records (table default 50; JSON default all).")
@click.option("--json", "as_json", is_flag=True, help="Print the records as JSON on stdout.")
@click.pass_obj
def show_command(app, form_id: str, as_of: str | None, header_only: bool, limit: int | None, as_json: bool) -> None:
    """The current records of a form (FORM: timesheet, work_order, media_schedule, ...).

    Each record names the file and row it came from.

    Example: adtools ledger show timesheet --as-of 2026-11-30 --limit 20
    """
    from rich.markup import escape
    from rich.table import Table

    from ..forms.catalog import FORMS
    from ..ledger import frames
    from ..ledger.store import Ledger

    cfg = app.config
    _form_option(form_id)
    form = FORMS[form_id]
    day = _day(as_of) if as_of else None
    with Ledger.open(cfg) as led:
        df = (frames.documents if header_only else frames.rows)(led, form_id, as_of=day)
    fields = form.header if header_only else form.fields
    types = {f.key: f.type for f in fields}
    total = len(df)
    if as_json:
        part = df if limit is None else df.head(limit)
        records = [
            {col: _json_value(types.get(col), col, rec[col]) for col in part.columns}
            for rec in part.to_dict("records")
        ]
        emit_json({"form_id": form_id, "as_of": day.isoformat() if day else None, "count": total, "records": records})
        return
    part = df.head(limit or 50)
    title = f"{form.zh} {form.en}" + (f" · {day.isoformat()}" if day else "") + f" · {total} 条 records"
    if not total:
        out_console.print(f"台账中没有{form.zh}的记录" + (f"（截至 {day.isoformat()}）" if day else "")
                          + f" / The ledger holds no {form.en} records" + (f" as of {day.isoformat()}" if day else "")
                          + ".", soft_wrap=True)
        return
    t = Table(title=escape(title))
    for f in fields:  # what staff read: labels and words, never keys, True/False or internal columns
        t.add_column(escape(f"{f.zh}\n{f.en}"), overflow="fold")
    t.add_column("来源\nSource", overflow="fold")
    for rec in part.to_dict("records"):
        cells = [_shown(f, rec[f.key], cfg) for f in fields] + [_source_text(rec)]
        t.add_row(*(escape(v) for v in cells))
    out_console.print(t)
    if total > len(part):
        out_console.print(f"[dim]… 另有 {total - len(part)} 条 / {total - len(part)} more (use --limit or --json)[/]")


@ledger_group.command("verify")
@click.option("--quick", is_flag=True, help="Check that each archive copy exists, without reading its bytes.")
@click.option("--repair", is_flag=True, help="Copy again each missing or altered archive copy whose original is unchanged.")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON on stdout.")
@click.pass_obj
def verify_command(app, quick: bool, repair: bool, as_json: bool) -> None:
    """Check the ledger's invariants and every archive copy (missing, or altered: its sha256); exit 1 on a problem.

    Each problem says how to restore it: from a backup, or with --repair where the
    original is still unchanged in its watch folder.

    Example: adtools ledger verify --repair
    """
    from rich.markup import escape

    from ..ledger.recovery import RESTORE_HINT, check_archive, repair_archive
    from ..ledger.store import Ledger

    cfg = app.config
    with Ledger.open(cfg) as led:
        problems = led.verify()
        archive = check_archive(cfg, led, deep=not quick)
        repaired = repair_archive(cfg, archive) if repair and not quick else 0
        if repaired:
            archive = check_archive(cfg, led, deep=True)
    archive_ids = {p.document_id for p in archive}
    # the archive's own lines replace verify()'s "archive copy … is missing" for the same document
    problems = [p for p in problems if not any(p.startswith(f"document {i}: archive copy") for i in archive_ids)]
    if as_json:
        emit_json({"ledger": problems, "archive": [vars(p) for p in archive], "repaired": repaired})
    else:
        if repaired:
            out_console.print(f"已重新复制 {repaired} 份存档副本 / {repaired} archive copies copied again")
        for p in problems:
            out_console.print(f"[red]台账 ledger:[/] {escape(p)}")
        for p in archive:
            out_console.print(f"[red]存档 archive:[/] {escape(p.text())}")
        if archive:
            out_console.print(escape(RESTORE_HINT))
        if not problems and not archive:
            out_console.print("台账与存档一致 / The ledger and the archive are consistent.")
    if problems or archive:
        raise SystemExit(1)


@ledger_group.command("rebuild")
@click.option("--json", "as_json", is_flag=True, help="Print what was read as JSON on stdout.")
@click.pass_obj
def rebuild_command(app, as_json: bool) -> None:
    """Rebuild a missing ledger from the archive copies (oldest first); refused when a ledger exists.

    Use it when the ledger file is lost and no backup exists.  The next ingest then
    recognises the watch folders' files as the versions read back.  What was mailed is
    not in the archive: check the outbox before the next report runs.

    Example: adtools ledger rebuild
    """
    from rich.markup import escape

    from ..clock import now as clock_now
    from ..ledger.recovery import rebuild

    cfg = app.config
    summary = rebuild(cfg, now=clock_now(cfg.tz))
    if as_json:
        emit_json(summary.to_json())
        return
    out_console.print(f"已从存档重建台账：{summary.stored} 个版本 / The ledger was rebuilt from the archive: "
                      f"{summary.stored} versions read")
    for line in summary.not_stored:
        out_console.print(f"[yellow]未读入 not stored:[/] {escape(line)}")
