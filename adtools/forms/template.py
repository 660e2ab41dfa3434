"""Blank form templates: one .xlsx per form, built from its schema and config.toml.

Each template follows FORMS.md: the input sheet (named `form.sheet_name`) comes
first, with a title, the header fields as label/input pairs (input cells carry
the workbook-level names `f_<key>`), and the line items in the Excel table
`t_<form_id>`.  Dropdowns come from the hidden `_lists` sheet; `_meta` (hidden)
says which form and version the file is.  Input cells are unlocked and the sheet
is protected without a password: staff are guided, never blocked (Review >
Unprotect Sheet needs no password).  Building twice gives identical bytes.
"""
from __future__ import annotations

import io
import logging
import math
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell

from ..errors import FileError
from .catalog import FORMS, config_suggestions
from .parse import YEAR_MAX, YEAR_MIN
from .schema import Choice, Field, Form, Price, Rate, Tally

if TYPE_CHECKING:
    from ..config import Config

__all__ = [
    "build_template",
    "build_templates",
    "template_filename",
    "yes_no_choices",
    "lines_needed",
    "TABLE_ROWS",
    "TEMPLATES_DIR",
    "META_SHEET",
    "LISTS_SHEET",
    "RATES_SHEET",
    "GENERATOR",
]

log = logging.getLogger("adtools.forms.template")

META_SHEET = "_meta"
LISTS_SHEET = "_lists"
RATES_SHEET = "_rates"  # the config numbers a tally's formula looks up (only in forms whose tallies price rows)
# Where templates live, relative to the repository or a workspace made by `adtools init`.
TEMPLATES_DIR = Path("workbooks", "templates")
GENERATOR = "adtools templates build"
# Fixed document timestamps keep the bytes identical from one build to the next.
_CREATED = datetime(2026, 1, 1, 0, 0, 0)
# Empty styled rows in the table.  Registers (one per team or year) and the
# monthly clippings log grow longer; rows typed below the table are read too.
TABLE_ROWS = 50
_LONG_ROWS = 200
_LONG_FORMS = frozenset({"monitoring"})
# Validation, number formats and unlocked cells continue below the table, down to
# this Excel row, so that rows typed under the table are guided too.
_GUIDED_LAST_ROW = 2000
_LABEL_MIN = 14  # characters a header label needs
_INPUT_MIN = 20  # characters a header input needs (a date-time fits)
_EXTRA_WIDTH = 22  # width of a layout column to the right of the table
_MAX_WIDTH = 110  # widest layout that still prints legibly on A4 landscape
_PORTRAIT_MAX = 80  # wider layouts print landscape
_DATE_MIN, _DATE_MAX = date(YEAR_MIN, 1, 1), date(YEAR_MAX, 12, 31)  # the parser's window

_NUM_FORMATS = {
    "text": "@",
    "month": "@",  # keeps 2026-11 as typed text instead of a date
    "enum": "@",
    "bool": "@",
    "int": "0",
    "decimal": "0.00",
    "money": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}

# colours
_INPUT_FILL = "#FFF8DC"
_REQUIRED_FILL = "#9DC3E6"
_OPTIONAL_FILL = "#EDEDED"
_BORDER = "#A6A6A6"
_TALLY_FILL = "#E7E6E6"  # a total of ours: grey, locked, not for typing
_TALLY_WARN = "#FFC000"  # at or over the [sla] warning (amber, unlike the pale yellow of input cells)
_TALLY_STOP = "#FF7C80"  # impossible (a day over 24 hours)
_TITLE = "#1F3864"
_NOTE = "#595959"


def yes_no_choices() -> tuple[Choice, Choice]:
    """The Y/N dropdown values (the parser also accepts Y/N, 是/否, yes/no, true/false, ✓)."""
    return (Choice("Y", "是", "Yes"), Choice("N", "否", "No"))


def template_filename(form: Form) -> str:
    return f"{form.form_id}.xlsx"


def _table_rows(form: Form) -> int:
    return _LONG_ROWS if form.key == ("register_id",) or form.form_id in _LONG_FORMS else TABLE_ROWS


def _num_format(f: Field) -> str:
    return "0.0%" if f.percent else _NUM_FORMATS[f.type]


# ----------------------------------------------------------------------- layout
def _text_width(text: str) -> float:
    """Rough display width in Excel character units at 10 pt: CJK characters count about two."""
    return sum(1.8 if unicodedata.east_asian_width(ch) in "WF" else 0.9 for ch in text)


def lines_needed(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` characters wide (also sizes the feedback workbook's rows)."""
    usable = max(width - 1, 1)
    return sum(max(1, math.ceil(_text_width(line) / usable)) for line in text.split("\n"))


@dataclass(frozen=True)
class _Slot:
    """Where one header field goes: label columns and input columns of a row."""

    label: tuple[int, int]
    input: tuple[int, int]


def _span(widths: list[float], start: int, need: float) -> tuple[int, int]:
    """The columns from `start` that together are `need` wide; adds layout columns past the table."""
    total, c = 0.0, start
    while total < need:
        if c >= len(widths):
            widths.append(_EXTRA_WIDTH)
        total += widths[c]
        c += 1
    return start, c - 1


def _header_slots(form: Form) -> tuple[list[float], list[_Slot]]:
    """Column widths of the layout and the label/input slots of one header row.

    Two pairs per row when there are more than three header fields and the layout
    stays printable; the table's own column widths are reused, with columns added
    on the right only where needed.
    """
    widths = [float(f.width) for f in form.columns]
    first = widths.copy()
    label = _span(first, 0, _LABEL_MIN)
    inp = _span(first, label[1] + 1, _INPUT_MIN)
    slots = [_Slot(label, inp)]
    if len(form.header) > 3:
        second = first.copy()
        label2 = _span(second, inp[1] + 1, _LABEL_MIN)
        inp2 = _span(second, label2[1] + 1, _INPUT_MIN)
        if sum(second) <= _MAX_WIDTH or len(second) == len(widths):
            return second, [*slots, _Slot(label2, inp2)]
    return first, slots


# ----------------------------------------------------------------------- texts
def _limit(text: str, n: int) -> str:
    """Excel's limits on prompt texts count UTF-16 units."""
    out = []
    used = 0
    for ch in text:
        units = 2 if ord(ch) > 0xFFFF else 1
        if used + units > n:
            return "".join(out[:-1]) + "…"
        out.append(ch)
        used += units
    return text


def _fmt_num(d: Any) -> str:
    s = format(d, "f")
    return s.rstrip("0").rstrip(".") if "." in s else s


def _range_text(f: Field) -> tuple[str, str]:
    parts_zh, parts_en = [], []
    if f.min is not None:
        op = ">" if f.min_exclusive else "≥"
        parts_zh.append(f"{op} {_fmt_num(f.min)}")
        parts_en.append(f"{op} {_fmt_num(f.min)}")
    if f.max is not None:
        op = "<" if f.max_exclusive else "≤"
        parts_zh.append(f"{op} {_fmt_num(f.max)}")
        parts_en.append(f"{op} {_fmt_num(f.max)}")
    if f.multiple_of is not None and not f.help_zh:
        parts_zh.append(f"以 {_fmt_num(f.multiple_of)} 为单位")
        parts_en.append(f"in steps of {_fmt_num(f.multiple_of)}")
    return "，".join(parts_zh), ", ".join(parts_en)


_KIND_TEXT = {
    "text": ("文字", "text"),
    "month": ("年-月，如 {ex}", "year-month, e.g. {ex}"),
    "enum": ("从下拉列表选择", "pick from the list"),
    "bool": ("从下拉列表选择 是/否", "pick Yes or No from the list"),
    "int": ("整数", "a whole number"),
    "decimal": ("数字", "a number"),
    "money": ("金额（人民币元，两位小数）", "amount in RMB, 2 decimals"),
    "date": ("日期，如 {ex}", "a date, e.g. {ex}"),
    "datetime": ("日期和时间，如 {ex}", "date and time, e.g. {ex}"),
}
# a date example claims nothing about its weekday; a field that needs one (a Monday) gives its own `example`
_EXAMPLES = {"month": "2026-11", "date": "2026-11-26", "datetime": "2026-11-26 14:30"}


def _default_text(f: Field) -> tuple[str, str] | None:
    if f.default is None:
        return None
    if f.type == "bool":
        c = yes_no_choices()[0 if f.default else 1]
        return c.zh, c.en
    if f.type == "enum":
        c = next((c for c in f.choices if c.key == f.default), None)
        if c is not None:
            return c.zh, c.en
    text = f.default if isinstance(f.default, str) else _fmt_num(f.default)
    return text, text


def _prompt(f: Field) -> tuple[str, str]:
    """Input title and message of a field's cells (zh line, then en line)."""
    title = f"{f.zh} {f.en}"
    if len(title) > 32:
        title = f.zh
    zh = ["必填" if f.required else "选填"]
    en = ["Required" if f.required else "Optional"]
    if f.type != "text":
        kz, ke = _KIND_TEXT[f.type]
        example = f.example or _EXAMPLES.get(f.type, "")
        zh.append(kz.format(ex=example))
        en.append(ke.format(ex=example))
    rz, re_ = _range_text(f)
    if rz:
        zh.append(rz)
        en.append(re_)
    d = _default_text(f)
    if d is not None:
        zh.append(f"空白按 {d[0]}")
        en.append(f"blank means {d[1]}")
    if f.help_zh:
        zh.append(f.help_zh)
    if f.help_en:
        en.append(f.help_en)
    message = "；".join(zh) + "。\n" + "; ".join(en) + "."
    return _limit(title, 32), _limit(message, 255)


# ----------------------------------------------------------------------- the builder
class _Builder:
    def __init__(self, form: Form, cfg: "Config"):
        self.form = form
        self.cfg = cfg
        self.buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buf, {"in_memory": True, "strings_to_numbers": False,
                                                 "strings_to_formulas": False, "strings_to_urls": False})
        self._fmt_cache: dict[tuple, Any] = {}
        self.list_refs: dict[str, str] = {}
        self.rate_refs: dict[int, str] = {}  # id(Rate) -> the formula that looks its number up for the row

    def fmt(self, **props: Any):
        key = tuple(sorted(props.items()))
        if key not in self._fmt_cache:
            base = {"font_name": "Microsoft YaHei", "font_size": 10, "valign": "vcenter"}
            base.update(props)
            self._fmt_cache[key] = self.wb.add_format(base)
        return self._fmt_cache[key]

    def input_fmt(self, f: Field, table: bool):
        return self.fmt(locked=False, num_format=_num_format(f), bg_color=_INPUT_FILL,
                        border=1, border_color=_BORDER, text_wrap=table and f.type in ("text", "enum"))

    # -- sheets
    def build(self) -> bytes:
        form, cfg = self.form, self.cfg
        wb = self.wb
        wb.set_properties({
            "title": f"{form.zh} {form.en}",
            "subject": f"adtools form {form.form_id} v{form.version}",
            "company": cfg.agency.name,
            "comments": f"{GENERATOR}; form_id={form.form_id}; form_version={form.version}",
            "created": _CREATED,
        })
        ws = wb.add_worksheet(form.sheet_name)
        lists = wb.add_worksheet(LISTS_SHEET)
        meta = wb.add_worksheet(META_SHEET)
        rates = wb.add_worksheet(RATES_SHEET) if any(r.key or r.at for t in form.tallies for r in t.rates) else None
        self._write_lists(lists)
        if rates is not None:
            self._write_rates(rates)
        self._write_input_sheet(ws)
        self._write_meta(meta)
        lists.hide()
        meta.hide()
        if rates is not None:
            rates.hide()
        ws.activate()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an XlsxWriter warning means a broken template
            wb.close()
        return self.buf.getvalue()

    def _write_lists(self, ws) -> None:
        head = self.fmt(bold=True)
        plain = self.fmt()
        col = 0
        for f in self.form.fields:
            if f.type in ("enum", "bool"):
                choices = yes_no_choices() if f.type == "bool" else f.choices_for(self.cfg)
                labels = [c.label for c in choices]
            elif f.suggest_from is not None:
                labels = list(config_suggestions(f.suggest_from, self.cfg))
            else:
                continue
            if not labels:  # nothing to offer (no [[people]] yet): the cell takes any text
                continue
            ws.write_string(0, col, f.key, head)
            for i, label in enumerate(labels, start=1):
                ws.write_string(i, col, label, plain)
            ws.set_column(col, col, math.ceil(max(_text_width(label) for label in labels)) + 2)
            first = xl_rowcol_to_cell(1, col, row_abs=True, col_abs=True)
            last = xl_rowcol_to_cell(len(labels), col, row_abs=True, col_abs=True)
            self.list_refs[f.key] = f"={quote_sheetname(LISTS_SHEET)}!{first}:{last}"
            col += 1
        ws.protect("", {"format_columns": True})

    def _write_rates(self, ws) -> None:
        """The numbers the tallies' formulas look up, one block per Rate: keys across, a row per date it changes on.

        A Rate without `at` has one row; one with `at` a first row in force from the
        start (the parser's earliest date) and a row per change, which MATCH(…, 1) picks.
        """
        head = self.fmt(bold=True)
        plain = self.fmt()
        day_fmt = self.fmt(num_format=_NUM_FORMATS["date"])
        num = self.fmt(num_format="0.00##########")
        col = 0
        for t in self.form.tallies:
            for rate in t.rates:
                if not (rate.key or rate.at) or id(rate) in self.rate_refs:
                    continue
                days = [None] if rate.at is None else [_DATE_MIN, *(rate.changes(self.cfg) if rate.changes else ())]
                tables = [rate.value(self.cfg, d) for d in days]
                keys = list(tables[0]) if isinstance(tables[0], dict) or hasattr(tables[0], "keys") else [""]
                ws.write_string(0, col, f"{rate.zh} {rate.en}", head)
                if rate.at:
                    ws.write_string(1, col, "生效日 From", head)
                for j, k in enumerate(keys, start=1):
                    ws.write_string(1, col + j, k, head)
                for i, (d, table) in enumerate(zip(days, tables), start=2):
                    if d is not None:
                        ws.write_datetime(i, col, datetime.combine(d, datetime.min.time()), day_fmt)
                    for j, k in enumerate(keys, start=1):
                        ws.write_number(i, col + j, float(table[k] if k else table), num)
                ws.set_column(col, col + len(keys), 16)

                def cells(r1: int, c1: int, r2: int, c2: int) -> str:
                    return (f"{quote_sheetname(RATES_SHEET)}!{xl_rowcol_to_cell(r1, c1, row_abs=True, col_abs=True)}:"
                            f"{xl_rowcol_to_cell(r2, c2, row_abs=True, col_abs=True)}")

                last = 1 + len(days)
                values = cells(2, col + 1, last, col + len(keys))
                pick_row = f"MATCH(f_{rate.at},{cells(2, col, last, col)},1)" if rate.at else "1"
                pick_col = f"MATCH(TRIM({{key}}),{cells(1, col + 1, 1, col + len(keys))},0)" if rate.key else "1"
                self.rate_refs[id(rate)] = f"INDEX({values},{pick_row},{pick_col})"
                col += len(keys) + 2
        ws.protect("", {"format_columns": True})

    def _write_meta(self, ws) -> None:
        form, cfg = self.form, self.cfg
        rows: list[tuple[str, Any]] = [
            ("form_id", form.form_id),
            ("form_version", form.version),
            ("sheet", form.sheet_name),
            ("table", form.table_name),
            ("title_zh", form.zh),
            ("title_en", form.en),
            ("document_key", ",".join(form.key)),
            ("agency", cfg.agency.name),
            ("client", cfg.client.name),
            ("generator", GENERATOR),
        ]
        plain = self.fmt()
        for r, (k, v) in enumerate(rows):
            ws.write_string(r, 0, k, plain)
            if isinstance(v, int):
                ws.write_number(r, 1, v, plain)
            else:
                ws.write_string(r, 1, v, plain)
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 30)
        ws.protect("", {"format_columns": True})

    def _validation(self, ws, f: Field, first_row: int, col: int, last_row: int, last_col: int) -> None:
        title, message = _prompt(f)
        opts: dict[str, Any] = {
            "input_title": title,
            "input_message": message,
            "error_title": _limit("请核对 Please check", 32),
            "error_message": _limit(f"{f.zh} {f.en}\n{message}", 255),
            "error_type": "warning",  # guided, not blocked: the validator has the last word
            "ignore_blank": True,
        }
        if f.key in self.list_refs:  # an enum, Y/N, or a text field offering names from config.toml
            opts.update(validate="list", source=self.list_refs[f.key])
        elif f.type in ("date", "datetime"):
            lo, hi = (_DATE_MIN, _DATE_MAX) if f.type == "date" else (
                datetime.combine(_DATE_MIN, datetime.min.time()), datetime.combine(_DATE_MAX, datetime.min.time()))
            opts.update(validate="date", criteria="between", minimum=lo, maximum=hi)
        elif f.type in ("int", "decimal", "money"):
            opts["validate"] = "integer" if f.type == "int" else "decimal"
            if f.min is not None and f.max is not None:
                opts.update(criteria="between", minimum=float(f.min), maximum=float(f.max))
            elif f.min is not None:
                opts.update(criteria=">" if f.min_exclusive else ">=", value=float(f.min))
            elif f.max is not None:
                opts.update(criteria="<" if f.max_exclusive else "<=", value=float(f.max))
            else:
                opts.update(criteria="between", minimum=-1e12, maximum=1e12)
        elif f.type == "month":
            opts.update(validate="length", criteria="==", value=7)
        else:
            opts["validate"] = "any"
        rc = ws.data_validation(first_row, col, last_row, last_col, opts)
        if rc != 0:  # pragma: no cover - a schema text too long for Excel
            raise ValueError(f"form {self.form.form_id} field {f.key}: data validation refused ({rc})")

    def _write_input_sheet(self, ws) -> None:
        form, cfg = self.form, self.cfg
        widths, slots = _header_slots(form)
        for i, t in enumerate(form.tallies):  # the tallies' columns come right after the table's
            c = len(form.columns) + i
            if c < len(widths):
                widths[c] = max(widths[c], float(t.width))
            else:
                widths.append(float(t.width))
        ncols = len(widths)
        last_col = ncols - 1
        locked = self.fmt()

        # columns: table columns unlocked with their number format all the way down
        for c, w in enumerate(widths):
            if c < len(form.columns):
                f = form.columns[c]
                ws.set_column(c, c, w, self.fmt(locked=False, num_format=_num_format(f)))
            else:
                ws.set_column(c, c, w)

        # title block
        row = 0
        ws.set_row(row, 30)
        ws.merge_range(row, 0, row, last_col, f"{form.zh}  {form.en}",
                       self.fmt(bold=True, font_size=16, font_color=_TITLE))
        row += 1
        ws.set_row(row, 18)
        ws.merge_range(row, 0, row, last_col,
                       f"{cfg.agency.name}  ·  客户 Client：{cfg.client.name}  ·  表格 Form {form.form_id} v{form.version}",
                       self.fmt(font_color=_NOTE))
        row += 1
        key_zh = "、".join(form.field(k).zh for k in form.key)
        key_en = ", ".join(form.field(k).en for k in form.key)
        note = (f"请在黄色格子中填写；蓝色标题为必填，灰色为选填。文件标识：{key_zh}，再次提交同一标识的表格会替换旧版本。\n"
                f"Fill in the yellow cells; blue headings are required, grey ones optional. "
                f"Document key: {key_en}; a later file with the same key replaces the earlier one.")
        for said in dict.fromkeys(t.note for t in form.tallies if t.note):  # a preview says so where staff read
            named = [t for t in form.tallies if t.note == said]
            note += (f"\n{'、'.join(t.zh for t in named)}：{said[0]}。 "
                     f"{', '.join(t.en for t in named)}: {said[1]}.")
        total_width = sum(widths)
        ws.set_row(row, 15 * max(2, lines_needed(note, total_width)))
        ws.merge_range(row, 0, row, last_col, note, self.fmt(font_color=_NOTE, font_size=9, text_wrap=True))
        row += 1
        ws.set_row(row, 6)
        for c in range(ncols):
            ws.write_blank(row, c, None, locked)
        row += 1

        # header fields: label/input pairs
        first_input: tuple[int, int] | None = None
        per_row = len(slots)
        for i in range(0, len(form.header), per_row):
            chunk = form.header[i:i + per_row]
            height = 2
            used: set[int] = set()
            for f, slot in zip(chunk, slots):
                lw = sum(widths[slot.label[0]:slot.label[1] + 1])
                height = max(height, lines_needed(f.label, lw))
                lfmt = self.fmt(bold=f.required, bg_color=_REQUIRED_FILL if f.required else _OPTIONAL_FILL,
                                text_wrap=True, border=1, border_color=_BORDER)
                if slot.label[0] == slot.label[1]:
                    ws.write_string(row, slot.label[0], f.label, lfmt)
                else:
                    ws.merge_range(row, slot.label[0], row, slot.label[1], f.label, lfmt)
                ifmt = self.input_fmt(f, table=False)
                a, b = slot.input
                if a == b:
                    ws.write_blank(row, a, None, ifmt)
                else:
                    ws.merge_range(row, a, row, b, "", ifmt)
                name_ref = f"={quote_sheetname(form.sheet_name)}!{xl_rowcol_to_cell(row, a, row_abs=True, col_abs=True)}"
                self.wb.define_name(f"f_{f.key}", name_ref)
                self._validation(ws, f, row, a, row, a)
                used.update(range(slot.label[0], slot.input[1] + 1))
                if first_input is None:
                    first_input = (row, a)
            for c in range(ncols):
                if c not in used:
                    ws.write_blank(row, c, None, locked)
            ws.set_row(row, 15 * height)
            row += 1
        ws.set_row(row, 8)
        for c in range(ncols):
            ws.write_blank(row, c, None, locked)
        row += 1

        # the table
        header_row = row
        nrows = _table_rows(form)
        last_row = header_row + nrows
        columns = []
        head_lines = 2
        for c, f in enumerate(form.columns):
            head_lines = max(head_lines, lines_needed(f.label, widths[c]))
            hfmt = self.fmt(bold=f.required, text_wrap=True, align="center",
                            bg_color=_REQUIRED_FILL if f.required else _OPTIONAL_FILL,
                            border=1, border_color=_BORDER, locked=True)
            columns.append({"header": f.label, "header_format": hfmt, "format": self.input_fmt(f, table=True)})
        ws.add_table(header_row, 0, last_row, len(form.columns) - 1, {
            "name": form.table_name,
            "columns": columns,
            "style": "Table Style Light 1",
            "autofilter": True,
            "banded_rows": False,
        })
        ws.set_row(header_row, 15 * head_lines + 2)
        for c, f in enumerate(form.columns):
            ifmt = self.input_fmt(f, table=True)
            for r in range(header_row + 1, last_row + 1):
                ws.write_blank(r, c, None, ifmt)
            self._validation(ws, f, header_row + 1, c, _GUIDED_LAST_ROW - 1, c)
        tallied = set(self._write_tallies(ws, header_row, last_row))
        for c in range(len(form.columns), ncols):  # layout columns right of the table stay locked
            if c in tallied:
                continue
            for r in range(header_row, last_row + 1):
                ws.write_blank(r, c, None, locked)
        lines = _row_lines(form, cfg, widths)
        if lines > 1:  # a long dropdown label wraps inside its row instead of running over the next
            for r in range(header_row + 1, last_row + 1):
                ws.set_row(r, 15 * lines + 2)

        # view, protection and print
        ws.freeze_panes(header_row + 1, 0)
        if first_input:
            ws.set_selection(first_input[0], first_input[1], first_input[0], first_input[1])
        ws.hide_gridlines(2)
        ws.protect("", {
            "format_cells": True,
            "format_columns": True,
            "format_rows": True,
            "insert_rows": True,
            "insert_hyperlinks": True,
            "delete_rows": True,
            "sort": True,
            "autofilter": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        })
        ws.set_paper(9)  # A4
        if total_width > _PORTRAIT_MAX:
            ws.set_landscape()
        else:
            ws.set_portrait()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.center_horizontally()
        ws.repeat_rows(header_row)
        ws.print_area(0, 0, last_row, last_col)
        ws.set_footer(f"&L&8{form.zh} {form.en} · {form.form_id} v{form.version}"
                      f"&R&8第 &P 页，共 &N 页  Page &P of &N")


    def _write_tallies(self, ws, header_row: int, last_row: int) -> list[int]:
        """The form's tallies right of its table: formulas of ours in locked grey cells, coloured past their limits.

        A day total shows on the first row of each day (SUMIF over the whole guided
        range, so rows typed below the table count too); a whole-table total shows once,
        on the first row; a row amount on every row of the table.  Returns the columns written.
        """
        form, cfg = self.form, self.cfg
        if not form.tallies:
            return []
        cols = {f.key: i for i, f in enumerate(form.columns)}
        first, last = header_row + 1, _GUIDED_LAST_ROW - 1

        def whole(c: int, to: int = last) -> str:  # $D$7:$D$2000
            return (f"{xl_rowcol_to_cell(first, c, row_abs=True, col_abs=True)}:"
                    f"{xl_rowcol_to_cell(to, c, row_abs=True, col_abs=True)}")

        def shown(t: Tally):
            money = bool(t.prices) or any(u.key == t.of and u.prices for u in form.tallies)
            return self.fmt(num_format=_NUM_FORMATS["money"] if money else "0.00", bg_color=_TALLY_FILL, border=1,
                            border_color=_BORDER, locked=True)

        head = self.fmt(bold=True, text_wrap=True, align="center", bg_color=_TALLY_FILL, border=1,
                        border_color=_BORDER, locked=True)
        written: dict[str, int] = {}
        for i, t in enumerate(form.tallies):
            c = len(form.columns) + i
            written[t.key] = c
            ws.write_string(header_row, c, t.label, head)
            fmt = shown(t)
            for r in range(first, last_row + 1):
                if t.prices:
                    ws.write_formula(r, c, self._row_amount(t, r, cols), fmt, "")
                elif t.by is None:
                    if r == first:
                        summed = whole(written[t.of], last_row) if t.of in written else whole(cols[t.of])
                        total = f"SUM({summed})"
                        if t.tax is not None:
                            total += f"+ROUND(SUM({summed})*{_fmt_num(t.tax.value(cfg, None))},2)"
                        ws.write_formula(r, c, f"={total}", fmt, 0)
                    else:
                        ws.write_blank(r, c, None, fmt)
                else:
                    here = xl_rowcol_to_cell(r, cols[t.by], col_abs=True)  # $A7
                    top = xl_rowcol_to_cell(first, cols[t.by], row_abs=True, col_abs=True)
                    ws.write_formula(
                        r, c,
                        f'=IF(OR({here}="",COUNTIF({top}:{here},{here})>1),"",SUMIF({whole(cols[t.by])},{here},{whole(cols[t.of])}))',
                        fmt, "")
            area = (first, c, last_row, c)
            if t.note:  # selecting a cell tells what the figure is
                ws.data_validation(*area, {"validate": "any", "input_title": _limit(f"{t.zh} {t.en}", 32),
                                           "input_message": _limit(f"{t.note[0]}。\n{t.note[1]}.", 255)})
            # on numbers only: a blank total is "" and a text compares greater than any number (Excel, Gnumeric)
            top = xl_rowcol_to_cell(first, c)
            if t.stop_at is not None:
                ws.conditional_format(*area, {"type": "formula", "criteria": f"=AND(ISNUMBER({top}),{top}>{t.stop_at})",
                                              "format": self.wb.add_format({"bg_color": _TALLY_STOP, "bold": True}),
                                              "stop_if_true": True})
            if t.warn_from is not None:
                warn = _fmt_num(getattr(cfg.sla, t.warn_from))
                ws.conditional_format(*area, {"type": "formula", "criteria": f"=AND(ISNUMBER({top}),{top}>={warn})",
                                              "format": self.wb.add_format({"bg_color": _TALLY_WARN})})
        return list(written.values())

    def _row_amount(self, t: Tally, r: int, cols: dict[str, int]) -> str:
        """A row's amount: its kind (the `case` field, as typed: label, key, 中文 or English) picks a Price.

        Blank where the row is of no priced kind or lacks a number the price needs,
        and where a lookup finds nothing (a category not on the rate card): the
        validator says why; the tally only shows what it can price.
        """
        case = self.form.field(t.case or "")
        kind_cell = xl_rowcol_to_cell(r, cols[case.key], col_abs=True)
        out = '""'
        for price in reversed(t.prices):
            choice = next(ch for ch in case.choices if ch.key == price.when)
            spellings = dict.fromkeys((choice.label, choice.key, choice.zh, choice.en))
            is_kind = "OR(" + ",".join(f'TRIM({kind_cell})="{_formula_text(x)}"' for x in spellings) + ")"
            out = f"IF({is_kind},{self._price(price, r, cols)},{out})"
        return f'=IFERROR({out},"")'

    def _price(self, price: Price, r: int, cols: dict[str, int]) -> str:
        needed, factors = [], []
        for x in price.times:
            if isinstance(x, Rate):
                factors.append(self._rate(x, r, cols))
                continue
            cell = xl_rowcol_to_cell(r, cols[x], col_abs=True)
            default = self.form.field(x).default
            if default is None:
                needed.append(cell)
                factors.append(cell)
            else:  # a blank cell means the default, as the reader reads it
                factors.append(f'IF({cell}="",{_fmt_num(default)},{cell})')
        amount = "*".join(factors) or "0"
        if price.per is not None:
            amount = f"{amount}/{self._rate(price.per, r, cols)}"
        amount = f"ROUND({amount},2)"
        if needed:
            amount = f'IF(COUNT({",".join(needed)})<{len(needed)},"",{amount})'
        return amount

    def _rate(self, rate: Rate, r: int, cols: dict[str, int]) -> str:
        if id(rate) not in self.rate_refs:  # one number: written into the formula
            return _fmt_num(rate.value(self.cfg, None))
        key = xl_rowcol_to_cell(r, cols[rate.key], col_abs=True) if rate.key else ""
        return self.rate_refs[id(rate)].replace("{key}", key)


def _formula_text(text: str) -> str:
    """A text of ours inside a formula's string literal."""
    return text.replace('"', '""')


def _row_lines(form: Form, cfg: "Config", widths: list[float]) -> int:
    """Lines a table row needs so that the longest dropdown label of each column wraps inside it (at most 3)."""
    need = 1
    for c, f in enumerate(form.columns):
        if f.type == "enum":
            labels = [ch.label for ch in f.choices_for(cfg)]
            if labels:
                need = max(need, max(lines_needed(label, widths[c]) for label in labels))
    return min(need, 3)


def build_template(form: Form, cfg: "Config") -> bytes:
    """The blank template of `form` as .xlsx bytes; the same form and config give the same bytes."""
    return _Builder(form, cfg).build()


def build_templates(cfg: "Config", out_dir: str | Path) -> list[Path]:
    """Write `<form_id>.xlsx` for every form into `out_dir` (created if missing); files are replaced."""
    out = Path(out_dir)
    written: list[Path] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for form in FORMS.values():
            path = out / template_filename(form)
            data = build_template(form, cfg)
            if path.is_file() and path.read_bytes() == data:
                log.debug("template %s unchanged", path)
            else:
                path.write_bytes(data)
                log.info("wrote template %s", path)
            written.append(path)
    except OSError as exc:
        raise FileError(
            f"无法写入模板 / Cannot write the templates to {out}: {exc}. "
            "Fix: close the templates if they are open in Excel, or choose another --out folder."
        ) from None
    return written
