"""Test helper: filled-in form workbooks written with openpyxl, following FORMS.md's conventions.

Sheet 1 is the input sheet (named by the form's Chinese title) with label/input
pairs (workbook-level defined names `f_<key>`), an Excel table `t_<form_id>`
whose header cells read `中文\\nEnglish`, and a hidden `_meta` sheet.  Options
break one convention at a time, so tests can check how the reader copes.
The real template builder (adtools.forms.template) is tested separately; this
one is deliberately small and independent of it.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table, TableStyleInfo

from adtools.forms.schema import Field, Form

__all__ = ["sample_value", "sample_header", "sample_rows", "build_workbook", "rewrite_zip", "cfb_file",
           "to_strict", "HEADER_TOP"]

HEADER_TOP = 3  # first header-field row; the title sits in row 1


def sample_value(f: Field, cfg, i: int) -> Any:
    """A plausible typed value for field `f` in row `i`, as openpyxl would store it."""
    if f.type == "enum":
        choices = f.choices_for(cfg)
        return choices[i % len(choices)].zh
    if f.key == "job_no":
        return f"HRFR-2026-{i + 1:03d}"
    if f.type == "int":
        return i + 1
    if f.type == "decimal":
        return 0.25 * (i + 1) + 1
    if f.type == "money":
        return 1000 + i + 0.5
    if f.type == "date":
        return date(2026, 11, 2) + timedelta(days=i % 5)
    if f.type == "datetime":
        return datetime(2026, 11, 2, 9, 30) + timedelta(days=i % 5, minutes=15 * i)
    if f.type == "bool":
        return "Y" if i % 2 == 0 else "否"
    if f.type == "month":
        return "2026-11"
    return f"{f.zh}{i + 1}"


def sample_header(form: Form, cfg) -> dict[str, Any]:
    return {f.key: sample_value(f, cfg, 0) for f in form.header}


def sample_rows(form: Form, cfg, n: int) -> list[dict[str, Any]]:
    return [{f.key: sample_value(f, cfg, i) for f in form.columns} for i in range(n)]


def _write(ws, row: int, col: int, value: Any) -> None:
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, datetime):
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        cell.number_format = "yyyy-mm-dd"


def build_workbook(form: Form, cfg, path: Path, header: dict[str, Any] | None = None,
                   rows: list[dict[str, Any]] | None = None, *, meta: bool = True, names: bool = True,
                   table: bool = True, table_rows: int | None = None, column_labels: dict[str, str] | None = None,
                   columns: list[str] | None = None, extra_columns: tuple[str, ...] = (), blank_every: int = 0,
                   sheet_name: str | None = None, date1904: bool = False, author: str | None = "李娜",
                   creator: str = "adtools tests", row_gap_after_table: int = 0) -> dict[str, Any]:
    """Write a filled-in workbook; returns where things went: {"header": {key: "B3"},
    "header_row": int, "rows": [excel row per written row], "columns": {key: col}}."""
    header = sample_header(form, cfg) if header is None else header
    rows = sample_rows(form, cfg, 3) if rows is None else rows
    wb = openpyxl.Workbook()
    if date1904:
        wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
    ws = wb.active
    ws.title = sheet_name or form.sheet_name
    ws["A1"] = f"{form.zh} {form.en}"
    where: dict[str, Any] = {"header": {}, "rows": [], "columns": {}}
    for i, f in enumerate(form.header):
        r = HEADER_TOP + i
        ws.cell(row=r, column=1, value=f"{f.zh}\n{f.en}")
        _write(ws, r, 2, header.get(f.key))
        where["header"][f.key] = f"B{r}"
        if names:
            ref = f"'{ws.title}'!$B${r}"
            wb.defined_names[f"f_{f.key}"] = DefinedName(f"f_{f.key}", attr_text=ref)
    header_row = HEADER_TOP + len(form.header) + 1
    keys = columns or [f.key for f in form.columns]
    labels = column_labels or {}
    for j, key in enumerate(keys, start=1):
        f = form.field(key)
        ws.cell(row=header_row, column=j, value=labels.get(key, f.label))
        where["columns"][key] = j
    for j, text in enumerate(extra_columns, start=len(keys) + 1):
        ws.cell(row=header_row, column=j, value=text)
    r = header_row
    n_table = len(rows) if table_rows is None else table_rows
    for i, values in enumerate(rows):
        r += 1
        if blank_every and i and i % blank_every == 0:
            r += 1  # a blank row the reader must skip
        if i == n_table and row_gap_after_table:
            r += row_gap_after_table
        for key, value in values.items():
            if key in where["columns"]:
                _write(ws, r, where["columns"][key], value)
        where["rows"].append(r)
    if table:
        width = len(keys) + len(extra_columns)
        last = header_row + max(n_table, 1)
        if n_table and rows:
            last = where["rows"][min(n_table, len(rows)) - 1]
        t = Table(displayName=form.table_name, ref=f"A{header_row}:{openpyxl.utils.get_column_letter(width)}{last}")
        t.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(t)
    if meta:
        m = wb.create_sheet("_meta")
        m["A1"], m["B1"] = "form_id", form.form_id
        m["A2"], m["B2"] = "form_version", form.version
        m.sheet_state = "hidden"
    wb.properties.creator = creator
    wb.properties.lastModifiedBy = author
    wb.save(path)
    where["header_row"] = header_row
    return where


def rewrite_zip(path: Path, edit) -> None:
    """Rewrite a zip in place: `edit(name, data) -> bytes | None` (None drops the part)."""
    with zipfile.ZipFile(path) as zin:
        parts = [(i, zin.read(i)) for i in zin.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in parts:
            new = edit(info.filename, data)
            if new is not None:
                zout.writestr(info.filename, new)
    path.write_bytes(buf.getvalue())


TRANSITIONAL_TO_STRICT = {
    b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": b"http://purl.oclc.org/ooxml/spreadsheetml/main",
    b"http://schemas.openxmlformats.org/officeDocument/2006/relationships":
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
}


def to_strict(path: Path) -> None:
    """Turn a transitional .xlsx into Strict Open XML (namespaces and relationship types)."""
    def edit(name: str, data: bytes) -> bytes:
        if name.endswith((".xml", ".rels")):
            for old, new in TRANSITIONAL_TO_STRICT.items():
                data = data.replace(old, new)
            if name == "xl/workbook.xml":
                data = re.sub(rb"<workbook ", b'<workbook conformance="strict" ', data, count=1)
        return data

    rewrite_zip(path, edit)


def cfb_file(streams: list[str], first_bytes: dict[str, bytes] | None = None) -> bytes:
    """A minimal OLE compound file whose directory lists `streams` (empty unless given
    first bytes, which are stored in one regular sector: size 4096 so not in the mini stream)."""
    first_bytes = first_bytes or {}
    sector = 512
    data_streams = [s for s in streams if s in first_bytes]
    # sectors: 0 = FAT, 1 = directory (4 entries per sector), then one sector per data stream
    n_dir = (len(streams) + 1 + 3) // 4
    fat = [0xFFFFFFFD] + [0xFFFFFFFE if i == n_dir - 1 else 2 + i for i in range(n_dir)]
    fat += [0xFFFFFFFE] * len(data_streams)
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHH", header, 0x18, 0x3E, 3, 0xFFFE)
    struct.pack_into("<HH", header, 0x1E, 9, 6)
    struct.pack_into("<II", header, 0x2C, 1, 1)  # one FAT sector; directory starts at sector 1
    struct.pack_into("<I", header, 0x38, 4096)
    struct.pack_into("<IIII", header, 0x3C, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 0x4C, *difat)

    def entry(name: str, kind: int, start: int, size: int) -> bytes:
        e = bytearray(128)
        raw = name.encode("utf-16-le") + b"\x00\x00"
        e[: len(raw)] = raw
        struct.pack_into("<H", e, 0x40, len(raw))
        e[0x42] = kind
        struct.pack_into("<III", e, 0x44, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF)
        struct.pack_into("<II", e, 0x74, start, size)
        return bytes(e)

    entries = [entry("Root Entry", 5, 0xFFFFFFFE, 0)]
    data_sectors = []
    for name in streams:
        if name in first_bytes:
            idx = 1 + n_dir + len(data_sectors)
            entries.append(entry(name, 2, idx, 4096))
            data_sectors.append(first_bytes[name].ljust(sector, b"\x00")[:sector])
        else:
            entries.append(entry(name, 2, 0xFFFFFFFE, 0))
    directory = b"".join(entries).ljust(n_dir * sector, b"\x00")
    return bytes(header) + struct.pack(f"<{sector // 4}I", *fat) + directory + b"".join(data_sectors)
