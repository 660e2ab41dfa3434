"""Golden files for every workbook adtools writes: a reviewed JSON snapshot of what a reader sees and prints.

`tests/golden/<name>.json` holds, per sheet, one line per non-empty cell (value,
solid fill, number format) and one line per feature: print setup (paper,
orientation, fit to page, print area and titles, margins, header and footer),
sheet state and protection, column widths, row heights, merged ranges, cell
styles that carry meaning (bold, italic, colour, size, borders, unlocked cells on
a protected sheet, the formats of blank input cells) as compact ranges, data
validations, conditional formats, tables, charts and images; and a `[workbook]`
entry (sheet order, document properties, defined names, the body font the styles
are compared with).  Volatile fields (created and modified times) are left out.
Lists are sorted (cells and ranges in reading order), so a change reads as a short
diff that a reviewer can judge.

Regenerate every golden file after a deliberate change, from the repository root:

    ADTOOLS_REGEN_GOLDEN=1 python -m pytest -k golden -p no:cacheprovider

then read `git diff tests/golden` before committing it: every changed line is a
change a user will see.  The golden tests are the tests whose names contain
`golden` (the weekly report, the fee statement, the priced quote and the 13
templates).
"""
from __future__ import annotations

import difflib
import io
import json
import os
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable

import openpyxl
from openpyxl.utils import get_column_letter, range_boundaries

GOLDEN = Path(__file__).parent / "golden"
REGEN_ENV = "ADTOOLS_REGEN_GOLDEN"
REGENERATE = f"{REGEN_ENV}=1 python -m pytest -k golden -p no:cacheprovider"
WORKBOOK_KEY = "[workbook]"  # a sheet name cannot contain [ or ]

_DOC_PROPERTIES = ("title", "subject", "creator", "description", "keywords", "category", "lastModifiedBy")
_PROTECTION_OPTIONS = ("objects", "scenarios", "formatCells", "formatColumns", "formatRows", "insertColumns",
                       "insertRows", "insertHyperlinks", "deleteColumns", "deleteRows", "selectLockedCells",
                       "selectUnlockedCells", "sort", "autoFilter", "pivotTables")


# --------------------------------------------------------------------------- helpers
def _num(x: Any) -> str:
    """A width, height or margin, rounded to one decimal: `14.7`, `30`."""
    return f"{round(float(x), 1):g}"


def _ranges(cells: Iterable[tuple[int, int]]) -> str:
    """(row, col) pairs as compact rectangles in reading order: `A1 A4:L4 C8:E57`."""
    by_col: dict[int, list[int]] = defaultdict(list)
    for r, c in cells:
        by_col[c].append(r)
    rects: list[list[int]] = []  # [first row, last row, first col, last col]
    open_runs: dict[tuple[int, int], list[int]] = {}
    for c in sorted(by_col):
        rows = sorted(by_col[c])
        runs, start = [], rows[0]
        for prev, cur in zip(rows, rows[1:] + [None]):
            if cur != prev + 1:
                runs.append((start, prev))
                start = cur
        still_open = {}
        for run in runs:
            rect = open_runs.get(run)
            if rect is not None and rect[3] == c - 1:
                rect[3] = c
            else:
                rect = [run[0], run[1], c, c]
                rects.append(rect)
            still_open[run] = rect
        open_runs = still_open

    def ref(r0: int, r1: int, c0: int, c1: int) -> str:
        first = f"{get_column_letter(c0)}{r0}"
        return first if (r0, c0) == (r1, c1) else f"{first}:{get_column_letter(c1)}{r1}"

    return " ".join(ref(*rect) for rect in sorted(rects, key=lambda x: (x[0], x[2])))


def _colour(color: Any) -> str | None:
    """An explicit colour (`FF1F3864`, `theme 4`), or None for the default text colour."""
    if color is None:
        return None
    if color.type == "rgb" and isinstance(color.rgb, str) and color.rgb not in ("FF000000", "00000000"):
        return color.rgb
    if color.type == "theme" and color.theme not in (None, 1):
        return f"theme {color.theme}" + (f" tint {_num(color.tint)}" if color.tint else "")
    if color.type == "indexed" and color.indexed not in (None, 8, 64):
        return f"indexed {color.indexed}"
    return None


def _border(border: Any) -> str | None:
    """`thin` (all four sides alike) or `bottom thin, top medium`."""
    sides = {s: getattr(border, s).style for s in ("left", "right", "top", "bottom") if getattr(border, s).style}
    if not sides:
        return None
    if len(sides) == 4 and len(set(sides.values())) == 1:
        return next(iter(sides.values()))
    return ", ".join(f"{s} {style}" for s, style in sides.items())


def _reading_order(line: str) -> tuple[int, int, str]:
    """Sort key of a `A10:A2000 B5: …` line: its first cell's row and column."""
    min_col, min_row, _, _ = range_boundaries(line.split(" ", 1)[0].rstrip(":"))
    return min_row, min_col, line


def _value(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (datetime, date)) else v


# --------------------------------------------------------------------------- cells and styles
def _cell_lines(ws: Any) -> list[str]:
    """One line per non-empty cell, in reading order: `A5: 'HR-2026-002' fill=FFF8CBAD fmt=yyyy-mm-dd`."""
    rows = []
    for row in ws.iter_rows():
        for c in row:
            if c.value is None:
                continue
            line = f"{c.coordinate}: {_value(c.value)!r}"
            if c.fill and c.fill.fill_type == "solid":
                line += f" fill={c.fill.fgColor.rgb}"
            if not isinstance(c.value, str) and c.number_format != "General":
                line += f" fmt={c.number_format}"
            if c.data_type == "f":
                line += " formula"
            rows.append(line)
    return rows


def _style_lines(ws: Any, body_font: tuple[str, float]) -> list[str]:
    """`feature: ranges` for the styles that carry meaning, over every cell (blank input cells too)."""
    where: dict[str, list[tuple[int, int]]] = defaultdict(list)
    protected = bool(ws.protection.sheet)
    hidden_by_merge = {(r, c) for rng in ws.merged_cells.ranges for r, c in rng.cells} - {
        (rng.min_row, rng.min_col) for rng in ws.merged_cells.ranges}
    for row in ws.iter_rows():
        for c in row:
            if not c.has_style:
                continue
            at = (c.row, c.column)
            border = _border(c.border)
            if border:
                where[f"border {border}"].append(at)
            if at in hidden_by_merge:  # only its border shows; the merged range shows the first cell's style
                continue
            font = c.font
            if font.b:
                where["bold"].append(at)
            if font.i:
                where["italic"].append(at)
            if font.u:
                where[f"underline {font.u}"].append(at)
            if font.strike:
                where["strike"].append(at)
            colour = _colour(font.color)
            if colour:
                where[f"font colour {colour}"].append(at)
            if font.sz is not None and float(font.sz) != body_font[1]:
                where[f"font size {_num(font.sz)}"].append(at)
            if font.name and font.name != body_font[0]:
                where[f"font {font.name}"].append(at)
            if protected and not c.protection.locked:
                where["unlocked"].append(at)
            if protected and c.protection.hidden:
                where["formula hidden"].append(at)
            if c.value is None:  # a blank cell's format says what belongs there; valued cells show theirs above
                if c.fill and c.fill.fill_type == "solid":
                    where[f"blank fill {c.fill.fgColor.rgb}"].append(at)
                if c.number_format != "General":
                    where[f"blank fmt {c.number_format}"].append(at)
    return sorted(f"{feature}: {_ranges(cells)}" for feature, cells in where.items())


# --------------------------------------------------------------------------- layout and print setup
def _column_lines(ws: Any) -> list[str]:
    """`A: width 14.7 fmt=yyyy-mm-dd unlocked`; a run of equal columns as `B:D`."""
    out = []
    for dim in ws.column_dimensions.values():
        if dim.min is None:
            continue
        span = get_column_letter(dim.min) + ("" if dim.max in (None, dim.min) else f":{get_column_letter(dim.max)}")
        parts = []
        if dim.customWidth or dim.width:
            parts.append(f"width {_num(dim.width)}")
        if dim.hidden:
            parts.append("hidden")
        if dim.style_id:
            if dim.number_format != "General":
                parts.append(f"fmt={dim.number_format}")
            if ws.protection.sheet and not dim.protection.locked:
                parts.append("unlocked")
        if parts:
            out.append((dim.min, f"{span}: {' '.join(parts)}"))
    return [line for _, line in sorted(out)]


def _row_lines(ws: Any) -> list[str]:
    """Custom row heights and hidden rows, consecutive equal rows as one run: `10:59: height 15`."""
    rows = sorted((r, (_num(d.height) if d.height is not None else "", bool(d.hidden)))
                  for r, d in ws.row_dimensions.items() if d.height is not None or d.hidden)
    out, i = [], 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1][0] == rows[j][0] + 1 and rows[j + 1][1] == rows[i][1]:
            j += 1
        height, hidden = rows[i][1]
        span = str(rows[i][0]) if i == j else f"{rows[i][0]}:{rows[j][0]}"
        out.append(f"{span}:" + (f" height {height}" if height else "") + (" hidden" if hidden else ""))
        i = j + 1
    return out


def _header_footer_lines(ws: Any) -> list[str]:
    out = []
    for name in ("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter"):
        hf = getattr(ws, name)
        parts = [f"{pos} {getattr(hf, pos).text!r}" for pos in ("left", "center", "right") if getattr(hf, pos).text]
        if parts:
            out.append(f"{name}: {', '.join(parts)}")
    return out


def _setup_lines(ws: Any) -> list[str]:
    """Print setup, sheet state and protection, one line each, sorted."""
    ps, props = ws.page_setup, ws.sheet_properties
    out = [f"state: {ws.sheet_state}"]
    if ps.orientation:
        out.append(f"orientation: {ps.orientation}")
    if props.pageSetUpPr is not None and props.pageSetUpPr.fitToPage:
        # absent means 1 (the OOXML default); a height of 0 means "as many pages as needed"
        height = 1 if ps.fitToHeight is None else ps.fitToHeight
        out.append(f"fit to page: width {ps.fitToWidth or 1}, height {height}")
    elif ps.scale:
        out.append(f"scale: {ps.scale}")
    if ws.print_area:
        out.append(f"print area: {ws.print_area}")
    if ws.print_title_rows:
        out.append(f"print title rows: {ws.print_title_rows}")
    if ws.print_title_cols:
        out.append(f"print title columns: {ws.print_title_cols}")
    m = ws.page_margins
    out.append("margins: " + ", ".join(f"{side} {_num(getattr(m, side))}"
                                       for side in ("left", "right", "top", "bottom", "header", "footer")))
    po = ws.print_options
    for option in ("horizontalCentered", "verticalCentered", "gridLines", "headings"):
        if getattr(po, option):
            out.append(f"print: {option}")
    out.extend(_header_footer_lines(ws))
    view = ws.sheet_view
    if view.showGridLines is False:
        out.append("view: gridlines hidden")
    if view.zoomScale not in (None, 100):
        out.append(f"view: zoom {view.zoomScale}")
    if props.tabColor is not None and _colour(props.tabColor):
        out.append(f"tab colour: {_colour(props.tabColor)}")
    p = ws.protection
    if p.sheet:
        allowed = [o for o in _PROTECTION_OPTIONS if getattr(p, o) is False]
        password = "set" if (p.password or p.hashValue) else "none"
        out.append(f"protection: sheet, password {password}, allowed {' '.join(allowed) or '-'}")
    for name, dn in sorted(ws.defined_names.items()):
        out.append(f"local name {name}: {dn.attr_text}")
    return sorted(out)


# --------------------------------------------------------------------------- validations, rules, tables
def _validation_lines(ws: Any) -> list[str]:
    out = []
    for dv in ws.data_validations.dataValidation:
        parts = [f"{dv.type or 'any'}"]
        if dv.operator:
            parts.append(dv.operator)
        if dv.formula1 is not None:
            parts.append(f"={dv.formula1}" + (f" .. ={dv.formula2}" if dv.formula2 is not None else ""))
        if not dv.allowBlank:
            parts.append("no blank")
        if dv.showDropDown:  # the attribute means "hide the in-cell arrow"
            parts.append("no dropdown arrow")
        if dv.showInputMessage and (dv.promptTitle or dv.prompt):
            parts.append(f"prompt {dv.promptTitle!r}: {dv.prompt!r}")
        if dv.showErrorMessage:
            parts.append(f"error {dv.errorStyle or 'stop'} {dv.errorTitle!r}: {dv.error!r}")
        out.append(f"{dv.sqref}: {' '.join(parts)}")
    return sorted(out, key=_reading_order)


def _dxf_text(dxf: Any) -> str:
    if dxf is None:
        return ""
    bits = []
    if dxf.fill is not None and dxf.fill.bgColor is not None and _colour(dxf.fill.bgColor):
        bits.append(f"fill={_colour(dxf.fill.bgColor)}")
    if dxf.font is not None:
        if dxf.font.b:
            bits.append("bold")
        if _colour(dxf.font.color):
            bits.append(f"font colour={_colour(dxf.font.color)}")
    if dxf.numFmt is not None:
        bits.append(f"fmt={dxf.numFmt.formatCode}")
    return " ".join(bits)


def _conditional_lines(ws: Any) -> list[str]:
    out = []
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            parts = [rule.type]
            if rule.operator:
                parts.append(rule.operator)
            if rule.formula:
                parts.append("formula " + " ; ".join(rule.formula))
            if rule.text:
                parts.append(f"text {rule.text!r}")
            style = _dxf_text(rule.dxf)
            if style:
                parts.append(style)
            if rule.stopIfTrue:
                parts.append("stop")
            out.append(f"{cf.sqref}: priority {rule.priority} {' '.join(parts)}")
    return sorted(out, key=_reading_order)


def _table_lines(ws: Any) -> list[str]:
    out = []
    for t in sorted(ws.tables.values(), key=lambda t: t.displayName):
        style = t.tableStyleInfo
        bits = [f"{t.displayName} {t.ref}"]
        if style is not None:
            bits.append(f"style {style.name}" + (" row stripes" if style.showRowStripes else ""))
        if t.autoFilter is not None:
            bits.append("filter")
        if t.totalsRowCount:
            bits.append("totals row")
        bits.append("columns " + " | ".join(c.name for c in t.tableColumns))
        out.append(" ".join(bits))
    return out


def _drawing_lines(ws: Any) -> list[str]:
    out = []
    for chart in getattr(ws, "_charts", []):
        anchor = getattr(getattr(chart.anchor, "_from", None), "row", None)
        out.append(f"chart {type(chart).__name__} series {len(chart.series)}"
                   + (f" at row {anchor + 1}" if anchor is not None else ""))
    for _ in getattr(ws, "_images", []):
        out.append("image")
    return sorted(out)


# --------------------------------------------------------------------------- the snapshot
def _workbook_lines(wb: Any) -> list[str]:
    out = [f"sheets: {' | '.join(wb.sheetnames)}", f"active sheet: {wb.active.title if wb.active else None}"]
    for prop in _DOC_PROPERTIES:  # created/modified are volatile and left out
        value = getattr(wb.properties, prop)
        if value:
            out.append(f"property {prop}: {value!r}")
    for name, dn in sorted(wb.defined_names.items()):
        out.append(f"name {name}: {dn.attr_text}")
    name, size = _body_font(wb)
    out.append(f"body font: {name} {_num(size)}")
    if wb.security is not None and (wb.security.lockStructure or wb.security.lockWindows):
        out.append("workbook protection: structure" if wb.security.lockStructure else "workbook protection: windows")
    return out


def _body_font(wb: Any) -> tuple[str, float]:
    """The font most cells use (name, size); the styles list only the cells that differ from it."""
    seen = Counter((c.font.name, float(c.font.sz or 11)) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                   if c.has_style)
    if seen:
        return min(seen.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    default = wb._fonts[0]
    return default.name, float(default.sz or 11)


def snapshot(source: Path | bytes) -> dict:
    """`[workbook]` lines, then sheet name -> freeze, filter, paper and the feature lists (empty ones left out)."""
    wb = openpyxl.load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source)
    body_font = _body_font(wb)
    out: dict = {WORKBOOK_KEY: _workbook_lines(wb)}
    for ws in wb.worksheets:
        sheet = {
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "paper": ws.page_setup.paperSize,
            "setup": _setup_lines(ws),
            "columns": _column_lines(ws),
            "rows": _row_lines(ws),
            "merged": [str(r) for r in sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))],
            "styles": _style_lines(ws, body_font),
            "validations": _validation_lines(ws),
            "conditional": _conditional_lines(ws),
            "tables": _table_lines(ws),
            "drawings": _drawing_lines(ws),
        }
        sheet = {k: v for k, v in sheet.items() if v or k in ("freeze", "filter", "paper")}
        sheet["cells"] = _cell_lines(ws)
        out[ws.title] = sheet
    return out


def _dump(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def check_golden(source: Path | bytes, name: str) -> None:
    """Compare a workbook (a path or its bytes) with tests/golden/<name>.json, or write it when regenerating."""
    got = json.loads(json.dumps(snapshot(source), ensure_ascii=False, default=str))
    golden = GOLDEN / f"{name}.json"
    regenerate = bool(os.environ.get(REGEN_ENV))
    if regenerate or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(_dump(got), encoding="utf-8")
        if not regenerate:
            raise AssertionError(f"golden file {golden} was missing and has been written: review and commit it")
    want = json.loads(golden.read_text(encoding="utf-8"))
    if got != want:
        diff = list(difflib.unified_diff(_dump(want).splitlines(), _dump(got).splitlines(),
                                         f"tests/golden/{golden.name}", "this run", lineterm="", n=1))
        shown = "\n".join(diff[:80]) + (f"\n… {len(diff) - 80} more diff lines" if len(diff) > 80 else "")
        raise AssertionError(f"the workbook differs from {golden.name}:\n{shown}\n"
                             f"If the change is intended, regenerate with `{REGENERATE}` and review the diff.")
