"""The feedback workbook: a copy of a rejected file with its bad cells marked, to fix and resubmit.

For a checked workbook, `write_feedback` writes `<stem>.反馈 feedback.xlsx` (`.xlsm`
stays `.xlsm`, macros kept, never run) into a folder.  In the copy every cell with
a finding is filled red (error) or amber (warning) and carries a comment in
Chinese and English, and a first sheet `错误 Errors` lists every finding with a
link to its cell.  The rest of the file (input sheet, `_meta`, `_lists`, defined
names, table, validation) is kept, so the copy is still a valid form: staff fix
it and submit it again.  The original file is never modified.

The loop staff follow is one (`HOW_TO_FIX_ZH`/`_EN`, the same words in the
rejection mail and the README): fix the original file where it is, or fix the
marked cells in this copy and save it into their folder.  A fixed copy is read as
the document's next version: the reader ignores the `错误 Errors` sheet, the fills
and the comments (they are never data).

A feedback copy that is checked again and still has findings gets a fresh copy:
the earlier marks (fills, comments, the old `错误 Errors` sheet) are removed first;
the fill each marked cell had before is kept in the very hidden sheet `_feedback`.
"""
from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import coordinate_from_string, range_boundaries
from openpyxl.worksheet.hyperlink import Hyperlink

from ..errors import ERROR, FileError, Finding
from ..safetext import cell_text, display_name, put_text
from .catalog import FORMS, field_label
from .reader import ERRORS_SHEET
from .schema import FormResult
from .template import lines_needed

__all__ = ["write_feedback", "feedback_filename", "ERRORS_SHEET", "FEEDBACK_MARK", "ERROR_FILL", "WARNING_FILL",
           "HOW_TO_FIX_ZH", "HOW_TO_FIX_EN", "SIZE_REFUSALS"]

log = logging.getLogger("adtools.forms.feedback")

FEEDBACK_MARK = ".反馈 feedback"
ERROR_FILL = "FFFFC7CE"  # Excel's light red
WARNING_FILL = "FFFFC000"  # Excel's orange: far from the pale yellow (FFF8DC) of input cells
_AUTHOR = "adtools"
_ORIGINAL_COMMENT = "—— 原批注 original comment ——"
_HEADERS = (
    ("严重程度\nSeverity", 12),
    ("工作表\nSheet", 12),
    ("单元格\nCell", 8),
    ("字段\nField", 22),
    ("填写值\nValue", 16),
    ("说明\nMessage (中文)", 44),
    ("说明\nMessage (English)", 48),
)
_LAST_COL = "G"
_HEADER_ROW = 3
_MARKS_SHEET = "_feedback"  # very hidden: sheet, cell, the fill a marked cell had before (to undo a round)

# One instruction, the same in the rejection mail, this workbook and the README.
HOW_TO_FIX_ZH = ("两种改法，任选其一：① 直接修改您原来的文件并保存；或 ② 打开反馈表格（邮件附件），"
                 "改正红色（错误）的单元格、核对橙色（警告）的单元格，把它保存到您提交原文件的文件夹。"
                 "下次读入时会自动重新检查，改好的文件作为该表格的新版本读入；“错误 Errors”工作表和标记不必删除。")
HOW_TO_FIX_EN = ("Either of two ways: (1) correct your original file where it is and save it; or (2) open the "
                 "feedback workbook (attached to the mail), correct the red (error) cells, check the orange "
                 "(warning) ones and save it into the folder where you submitted the original. The next scan "
                 "checks it automatically and reads the corrected file as the form's next version; you need not "
                 "delete the 错误 Errors sheet or the marks.")
_SEVERITY_TEXT = {ERROR: "错误 Error", "warning": "警告 Warning"}


def feedback_filename(source: Path) -> str:
    """`工时表.xlsx` -> `工时表.反馈 feedback.xlsx`; a feedback copy keeps its name (no stacking)."""
    suffix = source.suffix.lower() if source.suffix.lower() == ".xlsm" else ".xlsx"
    stem = display_name(source.stem)  # a name that is not UTF-8: its escape, so the copy can be stored and mailed
    if stem.endswith(FEEDBACK_MARK):
        stem = stem[: -len(FEEDBACK_MARK)]
    return f"{stem}{FEEDBACK_MARK}{suffix}"


@dataclass(frozen=True)
class _Mark:
    sheet: str
    coordinate: str  # top-left cell of a merged range


# refusals for size or shape: the reader stopped early; opening the file again with openpyxl
# (a zip bomb within the limits, a sheet of a million rows) would take minutes and gigabytes
SIZE_REFUSALS = frozenset({"too_large", "unzipped_too_large", "unsafe_file", "too_many_rows"})


def _clean(value: Any) -> str:
    return cell_text(value)



def _field_label(form_id: str | None, key: str) -> str:
    """`中文 English` of a finding's field; blank when the form does not know it (never an internal key)."""
    if not key:
        return ""
    label = field_label(form_id, key)
    return label if label != key else ""


def _fill_text(fill: PatternFill) -> str:
    if fill is None or fill.fill_type is None:
        return "none"
    color = fill.fgColor.rgb if fill.fgColor is not None and fill.fgColor.type == "rgb" else None
    if not isinstance(color, str):
        return "keep"  # a theme or indexed colour: not ours, leave as is
    return f"{fill.fill_type}:{color}"


def _restore_fill(cell, text: str) -> None:
    current = cell.fill.fgColor.rgb if cell.fill is not None and cell.fill.fill_type == "solid" else None
    if current not in (ERROR_FILL, WARNING_FILL) or text == "keep":
        return  # someone recoloured it since; leave their colour
    if text == "none":
        cell.fill = PatternFill(fill_type=None)
    else:
        kind, _, color = text.partition(":")
        cell.fill = PatternFill(fill_type=kind, fgColor=color, bgColor=color)


def _target(wb, sheet: str, address: str) -> tuple[Any, str] | None:
    """The cell a finding marks (top-left of its merged range), or None when it is not in this file."""
    if not sheet or not address or sheet not in wb.sheetnames:
        return None
    ws = wb[sheet]
    try:
        first = address.replace("$", "").split(":")[0]
        coordinate_from_string(first)
    except (ValueError, TypeError):
        return None
    cell = ws[first]
    if isinstance(cell, MergedCell):
        for rng in ws.merged_cells.ranges:
            if first in rng:
                cell = ws.cell(rng.min_row, rng.min_col)
                break
    return ws, cell.coordinate


def _undo_previous_round(wb) -> None:
    """Remove the marks of an earlier feedback round, so that only today's findings show."""
    if ERRORS_SHEET not in wb.sheetnames:
        return
    old = wb[ERRORS_SHEET]
    marks = wb[_MARKS_SHEET] if _MARKS_SHEET in wb.sheetnames else None
    rows = [] if marks is None else list(marks.iter_rows(min_row=2, max_col=3, values_only=True))
    for sheet, address, previous in rows:
        found = _target(wb, str(sheet or ""), str(address or ""))
        if found is None:
            continue
        ws, coord = found
        cell = ws[coord]
        if previous:
            _restore_fill(cell, str(previous))
        comment = cell.comment
        if comment is not None and comment.author == _AUTHOR:
            text = comment.text or ""
            if _ORIGINAL_COMMENT in text:
                original = text.split(_ORIGINAL_COMMENT, 1)[1].strip("\n")
                cell.comment = Comment(original, "") if original else None
            else:
                cell.comment = None
    wb.remove(old)
    if marks is not None:
        wb.remove(marks)


def _sort_key(wb, finding: Finding, order: int):
    sheet_pos = wb.sheetnames.index(finding.sheet) if finding.sheet in wb.sheetnames else len(wb.sheetnames)
    row = col = 0
    if finding.cell:
        try:
            col, row, _, _ = range_boundaries(finding.cell.replace("$", ""))
        except (ValueError, TypeError):
            pass
    return (0 if finding.severity == ERROR else 1, sheet_pos, row or 0, col or 0, order)


def _mark_cells(wb, findings: list[Finding], default_sheet: str) -> dict[_Mark, str]:
    """Fill and comment every cell with a finding; returns each marked cell's previous fill."""
    by_cell: dict[_Mark, list[Finding]] = {}
    for f in findings:
        found = _target(wb, f.sheet or default_sheet, f.cell)
        if found is None:
            continue
        ws, coord = found
        by_cell.setdefault(_Mark(ws.title, coord), []).append(f)
    previous: dict[_Mark, str] = {}
    for mark, items in by_cell.items():
        cell = wb[mark.sheet][mark.coordinate]
        previous[mark] = _fill_text(cell.fill)
        color = ERROR_FILL if any(f.severity == ERROR for f in items) else WARNING_FILL
        cell.fill = PatternFill(fill_type="solid", fgColor=color, bgColor=color)
        lines = []
        for f in sorted(items, key=lambda f: 0 if f.severity == ERROR else 1):
            lines.append(f"{_SEVERITY_TEXT.get(f.severity, f.severity)}: {_clean(f.message_zh)}")
            lines.append(_clean(f.message_en))
        text = "\n".join(lines)
        if cell.comment is not None and cell.comment.author != _AUTHOR:
            text = f"{text}\n{_ORIGINAL_COMMENT}\n{_clean(cell.comment.text)}"
        comment = Comment(text, _AUTHOR)
        comment.width = 320
        comment.height = min(60 + 18 * len(lines), 400)
        cell.comment = comment
    return previous


def _errors_sheet(wb, result: FormResult, findings: list[Finding], previous: dict[_Mark, str], linkable: bool) -> None:
    ws = wb.create_sheet(ERRORS_SHEET, 0)
    ws.sheet_properties.tabColor = "C00000"
    n_err = sum(1 for f in findings if f.severity == ERROR)
    n_warn = len(findings) - n_err
    sheet = result.sheet or (FORMS[result.form_id].sheet_name if result.form_id in FORMS else "")
    put_text(ws["A1"], f"{result.path.name}：{n_err} 个错误，{n_warn} 个警告  /  {n_err} error(s), {n_warn} warning(s)")
    ws["A1"].font = Font(bold=True, size=13, color="C00000")
    if linkable:
        put_text(ws["A2"], f"要改的单元格在“{sheet}”中（点击“单元格”列可跳转）。{HOW_TO_FIX_ZH}\n"
                           f"The cells to fix are in '{sheet}' (click a Cell to jump there). {HOW_TO_FIX_EN}")
    else:
        put_text(ws["A2"], "无法打开此文件：请按下列说明处理原文件并保存，下次读入时会自动重新检查。\n"
                           "The file could not be opened: do what the messages below say to the original file and "
                           "save it; the next scan checks it again automatically.")
    ws["A2"].font = Font(color="595959")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(f"A2:{_LAST_COL}2")
    # each language on its own lines; LibreOffice and Excel wrap earlier than the character count: keep a margin
    width = 0.85 * sum(w for _, w in _HEADERS)
    ws.row_dimensions[2].height = 15 * (sum(lines_needed(part, width) for part in ws["A2"].value.split("\n")) + 1)
    bold = Font(bold=True)
    for c, (title, width) in enumerate(_HEADERS, start=1):
        cell = ws.cell(_HEADER_ROW, c, title)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        cell.fill = PatternFill(fill_type="solid", fgColor="FFD9D9D9")
        ws.column_dimensions[cell.column_letter].width = width
    ws.row_dimensions[_HEADER_ROW].height = 32
    kept: list[tuple[str, str, str]] = []
    wrap = Alignment(wrap_text=True, vertical="top")
    link_font = Font(color="0563C1", underline="single")
    for r, f in enumerate(findings, start=_HEADER_ROW + 1):
        fsheet = f.sheet or (result.sheet if f.cell else "")
        values = [
            _SEVERITY_TEXT.get(f.severity, f.severity),
            fsheet,
            f.cell,
            _field_label(result.form_id, f.field),
            f.value,
            f.message_zh,
            f.message_en,
        ]
        lines = 1
        for c, v in enumerate(values, start=1):
            cell = ws.cell(r, c)
            put_text(cell, v)
            cell.alignment = wrap
            lines = max(lines, lines_needed(cell.value or "", _HEADERS[c - 1][1]))
        ws.row_dimensions[r].height = 15 * lines
        sev = ws.cell(r, 1)
        sev.fill = PatternFill(fill_type="solid", fgColor=ERROR_FILL if f.severity == ERROR else WARNING_FILL)
        target = _target(wb, fsheet, f.cell) if linkable else None
        if target is not None:
            tws, coord = target
            link = ws.cell(r, 3)
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{tws.title}'!{coord}",
                                       tooltip=f"转到 Go to {tws.title}!{coord}")
            link.font = link_font
            mark = _Mark(tws.title, coord)
            if mark in previous:
                kept.append((tws.title, coord, previous.pop(mark)))
    if kept:
        marks = wb.create_sheet(_MARKS_SHEET)
        marks.sheet_state = "veryHidden"
        marks.append(["sheet", "cell", "previous_fill"])
        for row in kept:
            marks.append(list(row))
    last = _HEADER_ROW + max(len(findings), 1)
    ws.auto_filter.ref = f"A{_HEADER_ROW}:{_LAST_COL}{last}"
    ws.freeze_panes = f"A{_HEADER_ROW + 1}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{_HEADER_ROW}:{_HEADER_ROW}"
    ws.print_area = f"A1:{_LAST_COL}{last}"
    # open on this sheet, and only this one selected (several selected tabs = grouped sheets)
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = 0


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return False


def _load(path: Path):
    """The workbook to annotate, or None when openpyxl cannot open it (refused files)."""
    try:
        return load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm", keep_links=True, rich_text=True)
    except Exception as exc:  # noqa: BLE001 - any failure means: write a findings-only workbook
        log.warning("feedback: cannot open %s (%s); writing the findings only", path, exc)
        return None


def write_feedback(result: FormResult, out_dir: str | Path, *, annotate: bool = True) -> Path:
    """Write the annotated copy of `result.path` into `out_dir` and return its path.

    The copy is named by `feedback_filename`; an older copy of the same name is
    replaced.  A file that cannot be opened at all (not a workbook, encrypted,
    .xls), one the reader refused for its size or shape (`SIZE_REFUSALS`: never
    loaded again) and any file when `annotate` is False get a workbook holding
    only the `错误 Errors` sheet.
    """
    source = Path(result.path)
    out = Path(out_dir)
    refused_for_size = any(f.rule in SIZE_REFUSALS for f in result.findings)
    wb = _load(source) if annotate and not refused_for_size and _is_regular(source) else None
    linkable = wb is not None
    if wb is None:
        wb = Workbook()
        wb.remove(wb.active)
        target = out / f"{display_name(source.stem).removesuffix(FEEDBACK_MARK)}{FEEDBACK_MARK}.xlsx"
    else:
        target = out / feedback_filename(source)
        _undo_previous_round(wb)
    order = sorted(range(len(result.findings)), key=lambda i: _sort_key(wb, result.findings[i], i))
    findings = [result.findings[i] for i in order]
    previous = _mark_cells(wb, findings, result.sheet) if linkable else {}
    _errors_sheet(wb, result, findings, previous, linkable)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if target.resolve() == source.resolve():  # never overwrite the file we were given
            target = target.with_name(f"{target.stem}-2{target.suffix}")
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")  # complete or not at all: a mail attaches it
        try:
            wb.save(tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise FileError(
            f"无法写入反馈文件 / Cannot write the feedback workbook {target}: {exc}. "
            "Fix: close it if it is open in Excel, or check the folder's permissions."
        ) from None
    log.info("feedback for %s: %s (%d findings)", source, target, len(findings))
    return target
