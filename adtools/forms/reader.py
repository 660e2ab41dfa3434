"""Reads a filled-in workbook into a RawWorkbook: which form it is, and its cells with addresses.

`read_workbook(path, cfg)` never raises on a bad file.  It
  1. refuses what is not a readable .xlsx/.xlsm (adtools.forms.intake, .ooxml);
  2. recognises the form by the hidden `_meta` sheet, else by its table
     `t_<form_id>`, sheet name and header labels (with a warning);
  3. locates header fields by the defined names `f_<key>` (else by the label
     cell beside an input, with a warning);
  4. finds the table's header row (the table `t_<form_id>`, else the row with the
     most column labels), maps columns by header text (Chinese, English or key;
     case, spaces and line breaks ignored) and reads every non-blank row under
     it, also rows typed or pasted below the table's range.
Values come from python-calamine (fast) or openpyxl; engine="auto" uses calamine
and falls back to openpyxl when calamine cannot read the file.  Parsing and
validation happen later (adtools.forms.parse, .validate): the reader hands over
values as found, each with its cell address, error cells marked.
"""
from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from ..errors import ERROR, WARNING, InputError
from .catalog import FORMS
from .engines import Engine, EngineFailed, Grid, open_engine
from .intake import Refused, finding, refusal, sniff_file
from .ooxml import Package, SheetInfo, SheetScan, TableInfo, cell_address, col_letter
from .parse import fold, is_blank
from .schema import Field, Form, RawCell, RawWorkbook

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["read_workbook", "READ_ENGINES", "ERRORS_SHEET", "label_key", "column_matcher"]

log = logging.getLogger("adtools.forms.reader")

READ_ENGINES = ("auto", "calamine", "openpyxl")
META_SHEET = "_meta"
ERRORS_SHEET = "错误 Errors"  # the findings sheet of a feedback copy (forms.feedback): never read as data
HEADER_SCAN_ROWS = 100  # the table's header row is looked for in these first rows
RECOGNISE_ROWS = 50  # rows of a sheet read to recognise a form without _meta
RECOGNISE_SHEETS = 5
MAX_COLS = 200  # columns read (more when a defined name or the table reaches further)
CALAMINE_MAX_CELLS = 4_000_000  # calamine holds a sheet as a dense rectangle; beyond this use openpyxl


# ----------------------------------------------------------------------------- label matching
def label_key(text: str) -> str:
    """A label as compared: folded as forms.parse.fold does (NFKC, case, no spaces or
    line breaks), without a leading or trailing `*` or colon."""
    return fold(text).strip("*:")


def _field_labels(f: Field) -> set[str]:
    forms = {f.zh, f.en, f.key, f.key.replace("_", " "), f.zh + f.en, f.en + f.zh, f"{f.zh}/{f.en}", f"{f.zh}({f.en})"}
    return {label_key(x) for x in forms if x}


_MATCHERS: dict[tuple[int, ...], tuple[tuple[Field, ...], dict[str, str]]] = {}


def column_matcher(fields: Iterable[Field]) -> dict[str, str]:
    """normalised label -> field key, for the cells of a header row (or header labels).

    Built once per tuple of fields (the catalog's are few and live as long as the
    process; the cache holds them, so their ids are not reused) and copied out.
    """
    fields = tuple(fields)
    key = tuple(map(id, fields))
    hit = _MATCHERS.get(key)
    if hit is None:
        if len(_MATCHERS) >= 256:  # fields made on the fly (tests): keep the cache bounded
            _MATCHERS.clear()
        hit = _MATCHERS[key] = (fields, _column_matcher(fields))
    return dict(hit[1])


def _column_matcher(fields: tuple[Field, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    clash: set[str] = set()
    for f in fields:
        for lab in _field_labels(f):
            if lab in out and out[lab] != f.key:
                clash.add(lab)
            out.setdefault(lab, f.key)
    for lab in clash:  # a label two fields share identifies neither
        del out[lab]
    return out


MAX_LABEL_CHARS = 200  # longer text is never a label (and is costly to normalise)


def _match(text: Any, matcher: dict[str, str]) -> str | None:
    if not isinstance(text, str) or len(text) > MAX_LABEL_CHARS or not text.strip():
        return None
    whole = label_key(text)
    if whole in matcher:
        return matcher[whole]
    for line in re.split(r"[\r\n]+", text):
        key = matcher.get(label_key(line))
        if key:
            return key
    return None


def _display(f: Field) -> str:
    return f"{f.zh} {f.en}"


def _form_name(form: Form) -> str:
    return f"{form.zh} {form.en}"


# ----------------------------------------------------------------------------- entry point
def read_workbook(path: str | Path, cfg: "Config", *, engine: str = "auto") -> RawWorkbook:
    """Read a submitted workbook: the form it is, its header cells and table rows.

    Never raises on a bad file: a refused file is a RawWorkbook with form_id None
    and an error finding (rule and bilingual message with the fix).
    engine: "auto" (python-calamine, openpyxl when calamine cannot), "calamine" or "openpyxl".
    """
    if engine not in READ_ENGINES:
        raise InputError(f"未知的读取引擎 {engine!r}，可选 {', '.join(READ_ENGINES)} / "
                         f"unknown reader engine {engine!r}; use one of {', '.join(READ_ENGINES)}")
    path = Path(path)
    raw = RawWorkbook(path=path)
    intake = cfg.intake
    try:
        sniff_file(path, intake.max_file_mb)
        pkg = Package(path, budget_mb=intake.max_unzipped_mb)
    except Refused as r:
        raw.findings.append(refusal(path, r.rule, **r.fields))
        return raw
    except Exception as exc:  # a bug of ours, not the file's fault: say so, keep going with other files
        log.exception("reading %s failed", path)
        raw.findings.append(refusal(path, "reader_failed", detail=f"{type(exc).__name__}: {exc}"))
        return raw
    try:
        order = ["calamine", "openpyxl"] if engine == "auto" else [engine]
        failure: EngineFailed | None = None
        for name in order:
            try:
                return _FormReader(path, cfg, pkg, name, can_fall_back=name != order[-1]).read()
            except EngineFailed as exc:
                log.info("%s: %s", path, exc)
                failure = exc
        raw.findings.append(refusal(path, "corrupt", detail=str(failure)))
        return raw
    except Refused as r:
        raw.findings.append(refusal(path, r.rule, **r.fields))
        return raw
    except Exception as exc:
        log.exception("reading %s failed", path)
        raw.findings.append(refusal(path, "reader_failed", detail=f"{type(exc).__name__}: {exc}"))
        return raw
    finally:
        pkg.close()


# ----------------------------------------------------------------------------- one attempt with one engine
@dataclass
class _Located:
    form: Form
    sheet: SheetInfo
    via: str  # meta | table | headers
    form_version: int | None = None


class _FormReader:
    def __init__(self, path: Path, cfg: "Config", pkg: Package, engine: str, *, can_fall_back: bool = False):
        self.path = path
        self.can_fall_back = can_fall_back
        self.cfg = cfg
        self.pkg = pkg
        self.engine_name = engine
        self.max_rows = cfg.intake.max_rows
        self.raw = RawWorkbook(path=path, date1904=pkg.date1904, author=pkg.author, engine=engine)
        self._grids: dict[tuple[str, int, int], Grid] = {}
        self.engine: Engine | None = None

    # -- findings
    def _add(self, rule: str, zh: str, en: str, *, severity: str = WARNING, sheet: str = "", cell: str = "",
             field: str = "", value: Any = None) -> None:
        self.raw.findings.append(finding(self.path, rule, zh, en, severity=severity, sheet=sheet, cell=cell,
                                         field=field, value=value))

    def _refuse(self, rule: str, **fields: Any) -> RawWorkbook:
        out = RawWorkbook(path=self.path, date1904=self.raw.date1904, author=self.raw.author, engine=self.engine_name)
        out.findings.append(refusal(self.path, rule, **fields))
        return out

    # -- engine access
    def _grid(self, sheet: SheetInfo, max_row: int, max_col: int = MAX_COLS) -> Grid:
        for (name, rows, cols), g in self._grids.items():  # a larger read of the same sheet serves a smaller one
            if name == sheet.name and rows >= max_row and cols >= max_col:
                return g
        scan = self.pkg.scan(sheet)
        if self.engine_name == "calamine":
            cells = max(scan.max_row, 1) * max(scan.max_col, 1)
            if cells > CALAMINE_MAX_CELLS:
                # calamine would allocate the whole rectangle: let openpyxl stream it instead, or refuse
                detail = f"sheet {sheet.name!r} spans {scan.max_row} x {scan.max_col} cells"
                if self.can_fall_back:
                    raise EngineFailed(f"calamine: {detail}")
                raise Refused("unsafe_file", detail_zh=f"工作表「{sheet.name}」的数据范围达 {scan.max_row} 行 × {scan.max_col} 列",
                              detail_en=detail)
        assert self.engine is not None
        grid = self.engine.grid(sheet.name, max_row, max_col)
        if self.engine_name == "calamine":  # calamine reads error cells as empty: take them from the XML
            grid.errors = {rc: e for rc, e in scan.errors.items() if rc[0] <= max_row and rc[1] <= max_col}
        self._grids[(sheet.name, max_row, max_col)] = grid
        return grid

    def _cell(self, grid: Grid, row: int, col: int) -> RawCell:
        return RawCell(value=grid.get(row, col), address=cell_address(row, col), error=grid.errors.get((row, col)))

    # -- the read
    def read(self) -> RawWorkbook:
        pkg = self.pkg
        for part in ("xl/sharedStrings.xml", "xl/styles.xml"):
            pkg.charge(part)
        worksheets = [s for s in pkg.sheets if s.kind == "worksheet" and s.part is not None]
        if not worksheets:
            return self._no_sheets()
        self.engine = open_engine(self.engine_name, self.path)
        try:
            names = self.engine.sheet_names()
            if not names:  # the package lists worksheets, the engine sees none (openpyxl on Strict files)
                if self.can_fall_back:
                    raise EngineFailed(f"{self.engine_name}: no sheet")
                return self._no_sheets()
            missing = [s.name for s in worksheets if s.name not in names]
            if len(missing) == len(worksheets):
                raise EngineFailed(f"{self.engine_name}: none of the sheets {missing[:3]} found")
            located = self._recognise(worksheets)
            if isinstance(located, RawWorkbook):
                return located
            self._read_form(located)
            return self.raw
        finally:
            self.engine.close()

    def _no_sheets(self) -> RawWorkbook:
        if self.pkg.strict:
            return self._refuse("no_sheets", engine=self.engine_name, detail_zh="文件为 Strict Open XML 格式",
                                detail_en="the file is in Strict Open XML format")
        return self._refuse("no_sheets", engine=self.engine_name)

    # -- which form
    def _recognise(self, worksheets: list[SheetInfo]) -> _Located | RawWorkbook:
        meta = self.pkg.sheet(META_SHEET)
        if meta is not None and meta.kind == "worksheet" and meta.part is not None:
            values = self._meta_values(meta)
            form_id = values.get("form_id")
            if form_id not in (None, ""):
                form = FORMS.get(str(form_id).strip())
                if form is None:
                    return self._refuse("unknown_form", detail_zh=f"模板的识别信息「{form_id}」不是已知的表格（也许是更新版本的模板）",
                                        detail_en=f"the template's identification '{form_id}' names no known form (a newer template, perhaps?)")
                sheet = self._input_sheet(form, worksheets)
                if sheet is None:
                    return self._refuse("unknown_form", detail_zh=f"找不到「{_form_name(form)}」的输入工作表",
                                        detail_en=f"the input sheet of {_form_name(form)} is missing")
                return _Located(form, sheet, "meta", _as_int(values.get("form_version")))
        # no _meta: a table named t_<form_id> is a strong sign
        for sheet in worksheets:
            for table in self.pkg.tables(sheet):
                form = FORMS.get(table.name.casefold()[2:]) if table.name.casefold().startswith("t_") else None
                if form is not None:
                    return self._no_meta(_Located(form, sheet, "table"))
        # else sheet names and header labels
        best: tuple[float, int, int, Form, SheetInfo] | None = None
        candidates = [s for s in worksheets if not s.name.startswith("_") and s.name != ERRORS_SHEET]
        candidates.sort(key=lambda s: (not s.visible, s.index))
        for sheet in candidates[:RECOGNISE_SHEETS]:
            grid = self._grid(sheet, RECOGNISE_ROWS)
            for form in FORMS.values():
                matched = _best_header_row(grid, form, RECOGNISE_ROWS)[1]
                keys = set(matched.values())
                n_cols = len(form.columns)
                named = label_key(sheet.name) in {label_key(form.zh), label_key(form.en)}
                required = {f.key for f in form.columns if f.required}
                if named:
                    ok = len(keys) >= min(2, n_cols)
                else:
                    ok = required <= keys and len(keys) >= max(3, math.ceil(0.6 * n_cols))
                if ok:
                    score = (len(keys) / n_cols, int(named), len(keys), form, sheet)
                    if best is None or score[:3] > best[:3]:
                        best = score
        if best is not None:
            return self._no_meta(_Located(best[3], best[4], "headers"))
        return self._refuse("unknown_form", detail_zh="它不是用标准模板填写的，各工作表的表头也不符合任何表格",
                            detail_en="it was not filled in from a standard template, and no sheet's headers match a form")

    def _no_meta(self, loc: _Located) -> _Located:
        how_zh, how_en = ("表格", "table") if loc.via == "table" else ("工作表名和表头", "headers")
        self._add("no_meta",
                  f"文件中没有模板的隐藏识别信息：根据{how_zh}识别为「{_form_name(loc.form)}」；请使用最新的模板填写。",
                  f"the file lacks the template's hidden identification: recognised by its {how_en} as {_form_name(loc.form)}; please fill in the current template.",
                  sheet=loc.sheet.name)
        return loc

    def _meta_values(self, meta: SheetInfo) -> dict[str, Any]:
        grid = self._grid(meta, 200, 2)
        out: dict[str, Any] = {}
        for row in sorted(grid.rows):
            key, value = grid.get(row, 1), grid.get(row, 2)
            if isinstance(key, str) and key.strip():
                out.setdefault(key.strip().casefold(), value.strip() if isinstance(value, str) else value)
        return out

    def _input_sheet(self, form: Form, worksheets: list[SheetInfo]) -> SheetInfo | None:
        by_name = self.pkg.sheet(form.sheet_name)
        if by_name is not None and by_name in worksheets:
            return by_name
        for sheet in worksheets:
            if any(t.name.casefold() == form.table_name for t in self.pkg.tables(sheet)):
                return sheet
        prefixes = {f"f_{f.key}" for f in form.header}
        for ref in self.pkg.names:
            if ref.name.casefold() in prefixes:
                sheet = self.pkg.sheet(ref.sheet)
                if sheet is not None and sheet in worksheets:
                    return sheet
        return next((s for s in worksheets if not s.name.startswith("_") and s.visible), None)

    # -- the form's cells
    def _read_form(self, loc: _Located) -> None:
        form, sheet = loc.form, loc.sheet
        raw = self.raw
        raw.form_id, raw.sheet, raw.form_version = form.form_id, sheet.name, loc.form_version
        table = next((t for t in self.pkg.tables(sheet) if t.name.casefold() == form.table_name), None)
        names = self._header_names(form)
        max_col = max([MAX_COLS] + [c for (s, _r, c) in names.values() if s == sheet.name]
                      + ([table.ref[3]] if table else []))
        top = table.ref[0] if table else HEADER_SCAN_ROWS
        grid = self._grid(sheet, top + self.max_rows + 1, max_col)
        header_row, columns = self._columns(form, sheet, grid, table)
        self._header(form, sheet, grid, names, header_row)
        if header_row is not None:
            self._spread_merged(sheet, grid, header_row, columns)
            self._rows(sheet, grid, table, header_row, columns)
        self._formula_warnings(form, sheet, self.pkg.scan(sheet))
        self._other_copies(form, sheet)

    def _other_copies(self, form: Form, input_sheet: SheetInfo) -> None:
        """A second filled-in copy of the form's sheet (a tab copied for another week) is never
        read: an error, so that its rows are not silently lost.  Other sheets are the author's."""
        required = {f.key for f in form.columns if f.required}
        for sheet in self.pkg.sheets:
            if (sheet is input_sheet or sheet.kind != "worksheet" or sheet.part is None or sheet.name.startswith("_")
                    or sheet.name == ERRORS_SHEET):
                continue
            grid = self._grid(sheet, HEADER_SCAN_ROWS)
            header_row, matched = _best_header_row(grid, form, HEADER_SCAN_ROWS)
            if header_row is None or not required <= set(matched.values()):
                continue
            filled = any(not _blank(RawCell(grid.get(row, col), "")) for row in grid.rows if row > header_row
                         for col in matched)
            if filled:
                self._add("second_form_sheet",
                          f"工作表「{sheet.name}」也是一份已填写的{form.zh}，不会被读取；请把它另存为单独的文件提交（每个文件一份表格）。",
                          f"The sheet '{sheet.name}' is another filled-in {form.en}, which is not read; "
                          f"save it as a file of its own and submit that (one file per form).",
                          severity=ERROR, sheet=sheet.name)

    def _header_names(self, form: Form) -> dict[str, tuple[str, int, int]]:
        """field key -> (sheet, row, col) from the defined names f_<key>; workbook-level first."""
        wanted = {f"f_{f.key}": f.key for f in form.header}
        found: dict[str, tuple[str, int, int]] = {}
        for ref in sorted(self.pkg.names, key=lambda r: r.local_to is not None):
            key = wanted.get(ref.name.casefold())
            target = self.pkg.sheet(ref.sheet)
            if key and key not in found and target is not None and target.kind == "worksheet" and target.part:
                found[key] = (target.name, ref.row, ref.col)
        return found

    def _header(self, form: Form, sheet: SheetInfo, grid: Grid, names: dict[str, tuple[str, int, int]],
                header_row: int | None) -> None:
        missing = [f for f in form.header if f.key not in names]
        labelled = self._by_label(missing, form, sheet, grid, header_row) if missing else {}
        for f in form.header:
            if f.key in names:
                sheet_name, row, col = names[f.key]
                g = grid if sheet_name == sheet.name else self._grid(self.pkg.sheet(sheet_name), row, max(col, 1))  # type: ignore[arg-type]
                self.raw.header[f.key] = self._cell(g, row, col)
            elif f.key in labelled:
                (row, col), label = labelled[f.key]
                self.raw.header[f.key] = self._cell(grid, row, col)
                self._add("field_by_label",
                          f"找不到定义名称 f_{f.key}，已读取标签「{label}」旁的单元格；请使用最新的模板填写。",
                          f"The defined name f_{f.key} is missing; read the cell beside the label '{label}'; "
                          f"please fill in the current template.",
                          sheet=sheet.name, cell=cell_address(row, col), field=f.key)
            else:
                self._add("missing_field",
                          f"找不到表头字段「{_display(f)}」（没有定义名称 f_{f.key}，也没有该标签）；请使用最新的模板填写。",
                          f"The header field {_display(f)} was not found (no defined name f_{f.key} and no such label); "
                          f"please fill in the current template.",
                          severity=ERROR if f.required else WARNING, sheet=sheet.name, field=f.key)

    def _by_label(self, fields: list[Field], form: Form, sheet: SheetInfo, grid: Grid,
                  header_row: int | None) -> dict[str, tuple[tuple[int, int], str]]:
        """Header inputs found beside their label cells: key -> ((row, col), label text)."""
        matcher = column_matcher(form.header)
        wanted = {f.key for f in fields}
        stop = header_row if header_row is not None else RECOGNISE_ROWS + 1
        merged = self.pkg.scan(sheet).merged
        found: dict[str, tuple[tuple[int, int], str]] = {}
        for row in sorted(r for r in grid.rows if r < stop):
            for col, value in enumerate(grid.rows[row], start=1):
                key = _match(value, matcher)
                if key is None or key not in wanted or key in found:
                    continue
                start = col + 1
                for (r1, c1, r2, c2) in merged:  # a label merged over several columns
                    if r1 <= row <= r2 and c1 <= col <= c2:
                        start = c2 + 1
                target = start
                for c in range(start, start + 4):
                    v = grid.get(row, c)
                    if v is None:
                        continue
                    other = _match(v, matcher)
                    if other == key:  # the same label again (Chinese and English in two cells)
                        target = c + 1
                        continue
                    if other is None:
                        target = c
                    break
                found[key] = ((row, target), str(value).replace("\n", " "))
        return found

    def _columns(self, form: Form, sheet: SheetInfo, grid: Grid,
                 table: TableInfo | None) -> tuple[int | None, dict[str, int]]:
        """The header row and field key -> column; findings for missing, unknown, doubled columns."""
        if table is not None and table.header_rows > 0:
            header_row = table.ref[0]
            matched = _row_matches(grid, header_row, column_matcher(form.columns))
            if not matched:  # the table is there but its header was overwritten: look around
                header_row, matched = _best_header_row(grid, form, HEADER_SCAN_ROWS)
        else:
            header_row, matched = _best_header_row(grid, form, HEADER_SCAN_ROWS)
        if header_row is None or not matched:
            self._add("no_table",
                      f"找不到表格 {form.table_name} 的表头行；请使用模板填写，不要删除或改动表头行。",
                      f"The header row of table {form.table_name} was not found; fill in the template and keep its header row.",
                      severity=ERROR, sheet=sheet.name)
            return None, {}
        columns: dict[str, int] = {}
        for col in sorted(matched):
            key = matched[col]
            if key in columns:
                f = form.field(key)
                self._add("duplicate_column",
                          f"「{_display(f)}」列出现两次，只读取第一列（{cell_address(header_row, columns[key])}）；请删除多余的列。",
                          f"The column {_display(f)} appears twice; only the first ({cell_address(header_row, columns[key])}) "
                          f"was read; delete the extra column.",
                          sheet=sheet.name, cell=cell_address(header_row, col), field=key)
                continue
            columns[key] = col
        lo, hi = (table.ref[1], table.ref[3]) if table is not None else (1, len(grid.rows.get(header_row, [])))
        ours = {label_key(x) for t in form.tallies for x in (t.label, t.zh, t.en, t.zh + t.en)}  # totals, not input
        for col in range(lo, hi + 1):
            text = grid.get(header_row, col)
            if col not in matched and text is not None and str(text).strip() and label_key(str(text)) not in ours:
                shown = str(text).replace("\n", " ")
                self._add("unknown_column",
                          f"列「{shown}」不属于此表单，已忽略。",
                          f"The column '{shown}' is not part of this form and was ignored.",
                          sheet=sheet.name, cell=cell_address(header_row, col), value=shown)
        for f in form.columns:
            if f.key not in columns:
                req_zh, req_en = ("必填", "required ") if f.required else ("", "")
                self._add("missing_column",
                          f"表格缺少{req_zh}列「{_display(f)}」；请从模板复制该列的表头。",
                          f"The table lacks the {req_en}column {_display(f)}; copy its header from the template.",
                          severity=ERROR if f.required else WARNING, sheet=sheet.name, field=f.key)
        return header_row, columns

    def _spread_merged(self, sheet: SheetInfo, grid: Grid, header_row: int, columns: dict[str, int]) -> None:
        """A value merged down several table rows is read as staff see it: every row of the range gets it.

        Excel keeps the value in the range's top-left cell only; read plainly, the rows below it
        would hold a blank (a job number merged over three rows stored as NULL for two of them).
        Each such range is also a warning (`merged_cells`), so that its author knows how it was read.
        """
        mapped = {col: key for key, col in columns.items()}
        for (r1, c1, r2, c2) in self.pkg.scan(sheet).merged:
            if r2 <= r1 or r1 <= header_row or c1 not in mapped:
                continue
            value = grid.get(r1, c1)
            if value is None:
                continue
            for row in range(r1 + 1, r2 + 1):
                values = grid.rows.setdefault(row, [])
                if len(values) < c1:
                    values.extend([None] * (c1 - len(values)))
                values[c1 - 1] = value
            rng = f"{cell_address(r1, c1)}:{cell_address(r2, c2)}"
            self._add("merged_cells",
                      f"单元格 {rng} 跨 {r2 - r1 + 1} 行合并，其值已用于每一行；若不是每行都适用，请取消合并并逐行填写。",
                      f"The cells {rng} are merged across {r2 - r1 + 1} rows; their value was read for each row. If it does "
                      "not apply to every row, unmerge them and fill in each row.",
                      sheet=sheet.name, cell=cell_address(r1, c1), field=mapped[c1], value=value)

    def _rows(self, sheet: SheetInfo, grid: Grid, table: TableInfo | None, header_row: int,
              columns: dict[str, int]) -> None:
        totals_row = table.ref[2] if table is not None and table.totals_rows > 0 else None
        last_allowed = header_row + self.max_rows
        over = False
        errors = grid.errors
        error_rows = {r for (r, _c) in errors}
        candidates = set(grid.rows) | error_rows
        letters = [(key, col, col_letter(col)) for key, col in columns.items()]
        for row in sorted(r for r in candidates if r > header_row):
            if row == totals_row:
                continue
            values = grid.rows.get(row, ())
            width = len(values)
            if row not in error_rows:  # the usual row: no error cell, so blank is what its values say
                found = [values[col - 1] if col <= width else None for _key, col, _letter in letters]
                if all(v is None or is_blank(v) for v in found):
                    continue
                number = str(row)
                cells = {key: RawCell(v, letter + number) for (key, _col, letter), v in zip(letters, found)}
            else:
                cells = {key: RawCell(values[col - 1] if col <= width else None, f"{letter}{row}", errors.get((row, col)))
                         for key, col, letter in letters}
                if all(_blank(c) for c in cells.values()):
                    continue
            if row > last_allowed:
                over = True
                break
            self.raw.rows.append((row, cells))
        if over:
            self._add("too_many_rows",
                      f"表格超过 {self.max_rows} 行（上限由管理员设置），第 {last_allowed} 行之后未读取；请把数据分成几个文件。",
                      f"The table has more than {self.max_rows} rows (a limit set by the administrator); rows after row {last_allowed} "
                      f"were not read; split the data into several files.",
                      severity=ERROR, sheet=sheet.name, cell=cell_address(last_allowed + 1, 1))

    def _formula_warnings(self, form: Form, sheet: SheetInfo, scan: SheetScan) -> None:
        """A warning at every read cell that holds a formula: its cached result cannot be trusted."""
        if not scan.formulas:
            return
        computed = {f.key for f in form.fields if f.compute is not None}
        read: dict[str, tuple[str, RawCell, dict[str, RawCell]]] = {
            c.address: (k, c, self.raw.header) for k, c in self.raw.header.items()}
        for _row, row_cells in self.raw.rows:
            read.update((c.address, (k, c, row_cells)) for k, c in row_cells.items())
        letters: dict[int, str] = {}
        for (row, col), cached in sorted(scan.formulas.items()):
            letter = letters.get(col)
            if letter is None:
                letter = letters[col] = col_letter(col)
            hit = read.get(f"{letter}{row}")
            if hit is None:
                continue
            key, cell, cells = hit
            if key in computed:
                # a computed column (net = gross × (1 − discount)): never trust the cached
                # result (XlsxWriter stores 0, openpyxl none); the validator recomputes it
                cells[key] = RawCell(None, cell.address)
                continue
            if cached:
                zh = "单元格含公式，已读取其上次计算的结果（可能已过时）；请直接输入数值。"
                en = "The cell holds a formula; its last calculated result was read (it may be out of date); type the value instead."
            else:
                zh = "单元格含公式但没有保存计算结果，按空白处理；请直接输入数值。"
                en = "The cell holds a formula with no saved result and was read as blank; type the value instead."
            self._add("formula_input", zh, en, sheet=sheet.name, cell=cell.address, field=key,
                      value=cell.error or cell.value)


def _blank(cell: RawCell) -> bool:
    """Blank as the validator counts it (forms.parse.is_blank); an error cell is never blank."""
    return not cell.error and is_blank(cell.value)


def _row_matches(grid: Grid, row: int, matcher: dict[str, str]) -> dict[int, str]:
    out = {}
    for col, value in enumerate(grid.rows.get(row, []), start=1):
        key = _match(value, matcher)
        if key:
            out[col] = key
    return out


def _best_header_row(grid: Grid, form: Form, rows: int) -> tuple[int | None, dict[int, str]]:
    """The row among the first `rows` whose cells name the most of the form's columns."""
    matcher = column_matcher(form.columns)
    best: tuple[int | None, dict[int, str]] = (None, {})
    best_n = 0
    for row in sorted(r for r in grid.rows if r <= rows):
        matched = _row_matches(grid, row, matcher)
        n = len(set(matched.values()))
        if n > best_n:
            best, best_n = (row, matched), n
    return best


def _as_int(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return None
