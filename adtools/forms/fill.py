"""Fill a form's template with openpyxl as a person would, for the demo and for tests.

Values go into the input cells found by their defined names (`f_<key>`) and into
table rows found by header text; enums and Y/N are written as the `中文 English`
label a person picks from the template's dropdown, dates as real dates.  The output is deterministic: fixed
document timestamps and zip entry times, written atomically (temp file + replace).
"""
from __future__ import annotations

import io
import logging
import os
import pickle
import zipfile
from copy import copy
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.dimensions import RowDimension
from openpyxl.worksheet.table import TableList
from openpyxl.writer.excel import ExcelWriter

from ..errors import FileError, InputError
from .reader import column_matcher, label_key
from .schema import Field, Form
from .template import build_template, yes_no_choices

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["fill_workbook", "Filler", "FIXED_TIMESTAMP"]

log = logging.getLogger("adtools.forms.fill")

FIXED_TIMESTAMP = datetime(2026, 1, 1, 0, 0, 0)  # docProps created/modified when none is given (UTC)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def fill_workbook(
    form: Form,
    cfg: "Config",
    header: Mapping[str, Any],
    rows: Iterable[Mapping[str, Any]],
    path: str | os.PathLike[str],
    *,
    author: str | None = None,
    saved_at: datetime | None = None,
) -> Path:
    """Write a filled-in copy of `form`'s template to `path` and return it.

    `header` and `rows` hold typed values (enum keys, dates, Decimal …); None leaves
    a cell as the template has it.  `author` becomes docProps creator and
    lastModifiedBy; `saved_at` (local time) the modified stamp, else a fixed one.
    """
    return Filler(cfg).fill(form, header, rows, path, author=author, saved_at=saved_at)


class Filler:
    """Fills many workbooks for one config, each form's template built and loaded once.

    A loaded template is kept pickled: copying it is about five times faster than
    loading it again.  `fill` takes the arguments of `fill_workbook` but the config.
    """

    def __init__(self, cfg: "Config"):
        self.cfg = cfg
        self._frozen: dict[str, bytes] = {}

    def fill(
        self,
        form: Form,
        header: Mapping[str, Any],
        rows: Iterable[Mapping[str, Any]],
        path: str | os.PathLike[str],
        *,
        author: str | None = None,
        saved_at: datetime | None = None,
    ) -> Path:
        """Write a filled-in copy of `form`'s template to `path` (see `fill_workbook`) and return it."""
        frozen = self._frozen.get(form.form_id)
        if frozen is None:
            frozen = self._frozen[form.form_id] = _frozen_template(form, self.cfg)
        return _write(_thaw(frozen), form, self.cfg, header, rows, Path(path), author=author, saved_at=saved_at)


# ----------------------------------------------------------------- the template
def _frozen_template(form: Form, cfg: "Config") -> bytes:
    """The form's template, built from config and loaded, as bytes that `_thaw` copies from."""
    return _freeze(load_workbook(io.BytesIO(build_template(form, cfg))))


def _freeze(wb: Workbook) -> bytes:
    """A loaded workbook as bytes to copy from: unpickling is about five times faster than loading.

    TableList does not survive pickling (its items() gives refs, not tables), so the tables travel apart.
    """
    tables = {ws.title: list(dict.values(ws.tables)) for ws in wb.worksheets}
    for ws in wb.worksheets:
        ws._tables = TableList()
    try:
        return pickle.dumps((wb, tables))
    finally:
        for ws in wb.worksheets:
            for t in tables[ws.title]:
                ws.tables.add(t)


def _thaw(frozen: bytes) -> Workbook:
    wb, tables = pickle.loads(frozen)
    for ws in wb.worksheets:
        ws._tables = TableList()
        for t in tables[ws.title]:
            ws.tables.add(t)
    return wb


# ----------------------------------------------------------------- filling
def _write(wb: Workbook, form: Form, cfg: "Config", header: Mapping[str, Any], rows: Iterable[Mapping[str, Any]],
           path: Path, *, author: str | None, saved_at: datetime | None) -> Path:
    _fill_header(wb, form, cfg, header)
    _fill_table(wb, form, cfg, list(rows))
    stamp = FIXED_TIMESTAMP
    if saved_at is not None:  # local wall time -> UTC, as Excel stores it
        stamp = saved_at.replace(tzinfo=cfg.tz).astimezone(timezone.utc).replace(tzinfo=None) if saved_at.tzinfo is None \
            else saved_at.astimezone(timezone.utc).replace(tzinfo=None)
    props = wb.properties
    props.created = props.modified = stamp
    if author:
        props.creator = props.lastModifiedBy = author
    data = _to_bytes(wb)
    _atomic_write(path, data)
    return path


def _fill_header(wb: Workbook, form: Form, cfg: "Config", header: Mapping[str, Any]) -> None:
    for key, value in header.items():
        if value is None:
            continue
        f = form.field(key)
        name = f"f_{key}"
        dn = wb.defined_names.get(name)
        if dn is None:
            raise InputError(f"模板缺少名称 {name} / The template of {form.form_id} has no defined name {name}. "
                             f"Fix: rebuild the templates (`adtools templates build`).")
        (sheet, coord), *_ = list(dn.destinations)
        _put(wb[sheet][coord.replace("$", "")], f, value, cfg)


def _find_table(wb: Workbook, form: Form):
    for ws in wb.worksheets:
        if form.table_name in ws.tables:
            return ws, ws.tables[form.table_name]
    raise InputError(f"模板缺少表格 {form.table_name} / The template of {form.form_id} has no table {form.table_name}. "
                     f"Fix: rebuild the templates (`adtools templates build`).")


def _fill_table(wb: Workbook, form: Form, cfg: "Config", rows: list[Mapping[str, Any]]) -> None:
    ws, table = _find_table(wb, form)
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    matcher = column_matcher(form.columns)  # the header texts the reader recognises
    columns: dict[str, int] = {}
    for col in range(min_col, max_col + 1):
        key = matcher.get(label_key(str(ws.cell(min_row, col).value or "")))
        if key is not None:
            columns[key] = col
    missing = [f.key for f in form.columns if f.key not in columns]
    if missing:
        raise InputError(f"模板表格缺少列 {missing} / The table {form.table_name} has no column for {missing}. "
                         f"Fix: rebuild the templates (`adtools templates build`).")
    first = min_row + 1
    styled = ws.row_dimensions.get(first)  # the template's rows are tall enough for the longest dropdown label
    height = styled.height if styled is not None else None
    for i, row in enumerate(rows):
        r = first + i
        if r > max_row and height and r not in ws.row_dimensions:  # a row below the styled ones: their height too
            ws.row_dimensions[r] = RowDimension(ws, index=r, ht=height, customHeight=True)
        for key, value in row.items():
            if value is None:
                continue
            col = columns[key]
            cell = ws.cell(r, col)
            if r > max_row and r > first:  # below the styled rows: take the style of the first data row
                src = ws.cell(first, col)
                if src.has_style:
                    cell._style = copy(src._style)
            _put(cell, form.field(key), value, cfg)
    last = first + len(rows) - 1
    if last > max_row:
        table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{last}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref


def _put(cell, f: Field, value: Any, cfg: "Config") -> None:
    """Type a value into a cell the way a person would."""
    if f.type == "enum":  # what the dropdown offers: `中文 English`
        choice = next((c for c in f.choices_for(cfg) if c.key == value), None)
        cell.value = choice.label if choice else str(value)
        return
    if f.type == "bool":
        cell.value = yes_no_choices()[0 if value else 1].label
        return
    if f.type == "month":
        cell.value = str(value)
        cell.number_format = "@"
        return
    if isinstance(value, datetime):
        cell.value = value.replace(tzinfo=None)
        if not cell.is_date:
            cell.number_format = DATETIME_FORMAT
        return
    if isinstance(value, date):
        cell.value = value
        if not cell.is_date:
            cell.number_format = DATE_FORMAT
        return
    if isinstance(value, Decimal):
        cell.value = int(value) if value == value.to_integral_value() and f.type != "money" else value
        if f.type == "money" and cell.number_format == "General":
            cell.number_format = "#,##0.00"
        return
    cell.value = value


# ----------------------------------------------------------------- bytes and files
def _to_bytes(wb: Workbook) -> bytes:
    """The workbook as .xlsx bytes, identical for identical content (fixed zip entry times)."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()  # openpyxl's save, without stamping "now" into docProps
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _atomic_write(path: Path, data: bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # same folder, so the replace is atomic
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise FileError(f"无法写入 / Cannot write {path}: {exc}. Fix: check the folder exists and is writable, "
                        f"and close the file if Excel has it open.") from None
