"""A form's current records as a workbook (`adtools export FORM`): the ledger without a terminal.

One sheet, one row per table row of the current version of every document (as
of the end of a day when asked), headed with the fields' Chinese and English
labels, enums and Y/N shown as the labels staff picked from the dropdowns, and
each row naming where it came from: the file, its version in the ledger and the
Excel row, so that a manager can open the workbook and find the line.  It renders
the ledger's frame; it computes nothing.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..forms.catalog import FORMS
from ..forms.template import yes_no_choices
from ._text import file_part
from .xlsx import Column, ReportWorkbook

if TYPE_CHECKING:
    from ..config import Config
    from ..forms.schema import Field, Form

__all__ = ["export_form", "export_path", "EXPORT_FOLDER"]

EXPORT_FOLDER = "export"  # <reports>/export/

_KINDS = {"int": "int", "decimal": "decimal", "money": "money", "date": "date", "datetime": "datetime"}
_SOURCE_COLUMNS = (
    Column("_file", "来源文件", "Source file", width=40),
    Column("_sheet", "工作表", "Sheet", width=12),
    Column("_row", "行", "Row", "int", 7),
    Column("_version", "版本", "Version", "int", 7),
)


def export_path(cfg: "Config", form: "Form", as_of: date | None, today: date) -> Path:
    """`<reports>/export/台账_工时表_timesheet_2026-11-20.xlsx` (the as-of day, else today)."""
    day = (as_of or today).isoformat()
    return cfg.reports_dir / EXPORT_FOLDER / f"台账_{file_part(form.zh, form.form_id)}_{form.form_id}_{day}.xlsx"


def _column(f: "Field") -> Column:
    width = max(10, min(int(f.width or 14), 40))
    return Column(f.key, f.zh, f.en, _KINDS.get(f.type, "text"), width)


def _shown(f: "Field", value: Any, cfg: "Config") -> Any:
    """A ledger value as staff typed it: an enum's or Y/N's `中文 English` label; others as they are."""
    if value is None or value is pd.NA or (not isinstance(value, str) and pd.isna(value)):
        return None
    if f.type == "enum":
        choice = next((c for c in f.choices_for(cfg) if c.key == value), None)
        return choice.label if choice else str(value)
    if f.type == "bool":
        return yes_no_choices()[0 if value else 1].label
    return value


def export_form(cfg: "Config", frame: pd.DataFrame, form_id: str, path: Path, *, as_of: date | None = None) -> Path:
    """Write `frame` (`ledger.frames.rows` or `documents` of `form_id`) to `path` with labels and sources; return it."""
    form = FORMS[form_id]
    fields = [f for f in form.fields if f.key in frame.columns]
    columns = (*(_column(f) for f in fields), *_SOURCE_COLUMNS)
    rows = []
    for rec in frame.to_dict("records"):
        row = {f.key: _shown(f, rec.get(f.key), cfg) for f in fields}
        row.update({c.key: rec.get(c.key) for c in _SOURCE_COLUMNS})
        if row["_row"] is pd.NA:
            row["_row"] = None
        rows.append(row)
    when = f"截至 {as_of.isoformat()} 日终 / as of the end of {as_of.isoformat()}" if as_of else "当前 / current"
    with ReportWorkbook(path, title=f"{form.zh} {form.en}", author=cfg.agency.name) as wb:
        wb.table(f"{form.zh} {form.en}"[:31], columns, rows, title=f"{form.zh} {form.en} · {len(rows)} 条 records",
                 subtitle=f"台账中的当前版本，{when}；每行注明来源文件和行号。 / The ledger's current versions, "
                          f"{when.split(' / ')[1]}; each row names its file and row.",
                 excel_table=True)
    return path
