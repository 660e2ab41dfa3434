"""ReportWorkbook: the one way reports write Excel files (XlsxWriter), safely and alike.

User text is always written as a string, so a cell typed `=HYPERLINK(...)` or
`+cmd|...` in a staff workbook can never become a formula in a report (formula
injection).  Money is written from Decimal as a number with a ¥ format, dates as
real dates; sheets get bilingual headers, filters, frozen panes and A4 printing.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd
import xlsxwriter

from ..errors import FileError

__all__ = ["Column", "ReportWorkbook", "FIXED_CREATED"]

# Fixed document timestamp: the same figures give the same bytes (golden-file tests).
FIXED_CREATED = datetime(2026, 1, 1, 0, 0, 0)

_KIND_FORMATS = {
    "text": {},
    "int": {"num_format": "0"},
    "hours": {"num_format": "0.00"},
    "decimal": {"num_format": "0.00"},
    "money": {"num_format": '"¥"#,##0.00'},
    "percent": {"num_format": "0.0%"},
    "date": {"num_format": "yyyy-mm-dd"},
    "datetime": {"num_format": "yyyy-mm-dd hh:mm"},
}


@dataclass(frozen=True)
class Column:
    """A report column: data key, bilingual header, kind (text/int/hours/money/percent/date/datetime), width."""

    key: str
    zh: str
    en: str
    kind: str = "text"
    width: int = 14

    @property
    def header(self) -> str:
        return f"{self.zh}\n{self.en}"


class ReportWorkbook:
    """A report workbook written atomically to `path` on close()."""

    def __init__(self, path: Path, *, title: str = "", author: str = "adtools"):
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FileError(f"无法创建报告文件夹 / Cannot create {self.path.parent}: {exc}") from None
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".xlsx", dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(tmp)
        self.wb = xlsxwriter.Workbook(str(self._tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                                       "remove_timezone": True})
        self.wb.set_properties({"title": title, "author": author, "created": FIXED_CREATED})
        self._formats: dict[tuple, Any] = {}
        self.title_fmt = self.fmt(bold=True, font_size=14)
        self.subtitle_fmt = self.fmt(italic=True, font_color="#555555")
        self.header_fmt = self.fmt(bold=True, text_wrap=True, valign="top", bg_color="#DDEBF7", border=1)
        self.label_fmt = self.fmt(bold=True)

    # ------------------------------------------------------------------ formats
    def fmt(self, **props: Any):
        """A cached format; the same properties give the same format object."""
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def kind_fmt(self, kind: str, **extra: Any):
        return self.fmt(**{**_KIND_FORMATS.get(kind, {}), **extra})

    # ------------------------------------------------------------------ cells
    def write(self, ws, row: int, col: int, value: Any, kind: str = "text", fmt=None) -> None:
        """Write one value safely: text as a string (never a formula), money/dates typed."""
        fmt = fmt if fmt is not None else self.kind_fmt(kind)
        if value is None or (not isinstance(value, str) and _isna(value)):
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, Decimal):
            ws.write_number(row, col, float(value), fmt)  # display only; figures are computed exactly upstream
        elif isinstance(value, (int, float)):
            ws.write_number(row, col, value, fmt)
        elif isinstance(value, pd.Timestamp):
            ws.write_datetime(row, col, value.to_pydatetime().replace(tzinfo=None), fmt)
        elif isinstance(value, datetime):
            ws.write_datetime(row, col, value.replace(tzinfo=None), fmt)
        elif isinstance(value, date):
            ws.write_datetime(row, col, datetime(value.year, value.month, value.day), fmt)
        else:
            ws.write_string(row, col, str(value), fmt)

    def sheet(self, name: str, *, landscape: bool = True):
        """A new worksheet set up for A4 printing."""
        ws = self.wb.add_worksheet(name[:31])
        ws.set_paper(9)  # A4
        if landscape:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&L&A&R&P / &N")
        return ws

    def table(
        self,
        name: str,
        columns: Sequence[Column],
        rows: Iterable[dict[str, Any]],
        *,
        title: str = "",
        subtitle: str = "",
        row_formats: Sequence[Any] | None = None,
    ):
        """A sheet holding one table: title lines, bilingual header, filter, frozen header, totals left to caller.

        `row_formats[i]` (optional) gives extra format properties for row i (e.g. red for overdue).
        Returns (worksheet, first data row index, number of rows).
        """
        ws = self.sheet(name)
        r = 0
        if title:
            ws.write_string(r, 0, title, self.title_fmt)
            r += 1
        if subtitle:
            ws.write_string(r, 0, subtitle, self.subtitle_fmt)
            r += 1
        if title or subtitle:
            r += 1
        header_row = r
        for c, col in enumerate(columns):
            ws.write_string(header_row, c, col.header, self.header_fmt)
            ws.set_column(c, c, col.width)
        ws.set_row(header_row, 45)  # room for 中文 + a wrapped English line
        n = 0
        for i, data in enumerate(rows):
            extra = (row_formats[i] if row_formats is not None and i < len(row_formats) else None) or {}
            for c, col in enumerate(columns):
                self.write(ws, header_row + 1 + i, c, data.get(col.key), col.kind,
                           self.kind_fmt(col.kind, **extra) if extra else None)
            n += 1
        last = header_row + max(n, 1)
        ws.autofilter(header_row, 0, last, len(columns) - 1)
        ws.freeze_panes(header_row + 1, 0)
        ws.repeat_rows(header_row)
        if n == 0:
            ws.write_string(header_row + 1, 0, "（无 None）", self.subtitle_fmt)
        return ws, header_row + 1, n

    def key_values(self, name: str, title: str, pairs: Sequence[tuple[str, Any, str]], *, subtitle: str = ""):
        """A summary sheet: title and (label, value, kind) rows."""
        ws = self.sheet(name, landscape=False)
        ws.set_column(0, 0, 44)
        ws.set_column(1, 1, 22)
        ws.write_string(0, 0, title, self.title_fmt)
        r = 1
        if subtitle:
            ws.write_string(r, 0, subtitle, self.subtitle_fmt)
            r += 1
        r += 1
        for label, value, kind in pairs:
            ws.write_string(r, 0, label, self.label_fmt)
            self.write(ws, r, 1, value, kind)
            r += 1
        return ws, r

    # ------------------------------------------------------------------ finish
    def close(self) -> Path:
        """Write the file: complete or not at all (temp file, then replace)."""
        try:
            self.wb.close()
            os.replace(self._tmp, self.path)
        except (OSError, xlsxwriter.exceptions.XlsxWriterException) as exc:
            self._tmp.unlink(missing_ok=True)
            raise FileError(f"无法写入报告 / Cannot write the report {self.path}: {exc}") from None
        return self.path

    def __enter__(self) -> "ReportWorkbook":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            try:
                self.wb.close()
            except Exception:  # noqa: BLE001 - already failing; keep the original error
                pass
            self._tmp.unlink(missing_ok=True)


def _isna(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
