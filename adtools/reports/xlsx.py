"""ReportWorkbook: the one way reports write Excel files (XlsxWriter), safely and alike.

User text is always written as a string, so a cell typed `=HYPERLINK(...)` or
`+cmd|...` in a staff workbook can never become a formula in a report (formula
injection).  Money is written from Decimal as a number with a ¥ format, dates as
real dates; sheets get bilingual headers, filters, frozen panes and A4 printing.
Text wraps inside its column and the row is made tall enough for it (Excel and
WPS do not grow a row a program wrote): a long text never runs past the table,
where fit-to-width printing would shrink the whole page to make room for it.
"""
from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd
import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from ..errors import FileBusyError, FileError
from ..sharing import make_shared

__all__ = ["Column", "ReportWorkbook", "FIXED_CREATED", "RED", "AMBER", "CHART_COLOURS", "BAR_OK", "BAR_WARNING",
           "BAR_OVER", "text_lines", "row_points"]

# Fixed document timestamp: the same figures give the same bytes (golden-file tests).
FIXED_CREATED = datetime(2026, 1, 1, 0, 0, 0)

# Row highlights (`row_formats` of ReportWorkbook.table), the same in every report.
RED = {"bg_color": "#F8CBAD"}  # overdue, over the quote, a broken rule
AMBER = {"bg_color": "#FFE699"}  # due soon, near the quote, waiting
# Chart series colours, in order (colour-blind safe, print well in grey)
CHART_COLOURS = ("#4472C4", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47", "#264478", "#9E480E", "#636363")
# Data bars: the share of a quote used, by its status
BAR_OK, BAR_WARNING, BAR_OVER = "#5B9BD5", "#FFC000", "#E06666"

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


_LINE_POINTS = 15  # one line of 11-point text
_TITLE_POINTS = 21  # a row holding a 14-point title (set, not left to the reader: Gnumeric keeps 15 and clips it)
_MAX_ROW_POINTS = 409  # Excel's tallest row
_TOKENS = re.compile(r"[\u2e80-\uffff]|[^\s\u2e80-\uffff]+|\s+")


_WIDE = re.compile("[\u2e80-\U0010ffff]")  # a character above U+2E7F: CJK, full-width


def _shown(text: str) -> int:
    """Columns a text takes on one line: a CJK or full-width character takes two."""
    return len(text) if text.isascii() else len(text) + len(_WIDE.findall(text))


def text_lines(text: Any, width: float) -> int:
    """Lines a text wraps to in a column `width` characters wide (words kept whole where they fit)."""
    if text is None or text == "":
        return 1
    text = str(text)
    room = max(width - 1, 1)
    if "\n" not in text and _shown(text) <= room:
        return 1  # the whole text fits on one line (what the word-by-word count below finds, without it)
    return _wrapped_lines(text, room)


@lru_cache(maxsize=16384)
def _wrapped_lines(text: str, room: float) -> int:
    """`text_lines` of a text that may wrap: words laid out one by one (memoised: a column repeats its texts).

    A token is one wide character (two columns), a run of whitespace or a word;
    its width is what `_shown` gives, worked out inline (this runs for every
    wrapped cell of a long table).
    """
    total = 0
    wide = _WIDE.findall
    for paragraph in text.split("\n"):
        lines, used = 1, 0
        for token in _TOKENS.findall(paragraph):
            if len(token) == 1:
                size = 2 if token >= "\u2e80" else 1
            else:
                size = len(token) if token.isascii() else len(token) + len(wide(token))
            if token.isspace():
                used += size if used else 0
                continue
            if used and used + size > room:
                lines, used = lines + 1, 0
            while size > room:  # a word longer than the column is broken
                lines, size = lines + 1, size - room
            used += size
        total += lines
    return total


def row_points(lines: int) -> float:
    """The height of a row holding `lines` lines of text (Excel's tallest row at most)."""
    return min(_LINE_POINTS * lines + 3, _MAX_ROW_POINTS)


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

    def write_title(self, ws, row: int, text: str) -> None:
        """A sheet's title in `title_fmt`, its row tall enough for it in every reader (Excel, LibreOffice, Gnumeric)."""
        ws.write_string(row, 0, text, self.title_fmt)
        ws.set_row(row, _TITLE_POINTS)

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
        if type(value) is str:  # the commonest cell first
            ws.write_string(row, col, value, fmt)
        elif value is None or (not isinstance(value, str) and _isna(value)):
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
        excel_table: bool = False,
    ):
        """A sheet holding one table: title lines, bilingual header, filter, frozen header, totals left to caller.

        `row_formats[i]` (optional) gives extra format properties for row i (e.g. red for overdue).
        `excel_table`: a long list becomes an Excel table (Insert > Table: banded rows, a filter
        on every column, sorting that keeps rows whole), its bilingual header as on other sheets.
        Returns (worksheet, first data row index, number of rows).
        """
        ws = self.sheet(name)
        r = 0
        if title:
            self.write_title(ws, r, title)
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
        heads = max(text_lines(col.header, col.width) for col in columns) if columns else 1
        ws.set_row(header_row, max(45, row_points(heads)))  # room for 中文 + a wrapped English line at least
        n = 0
        # the formats of a row, per distinct row highlight, made in the order the cells first need them
        row_fmts: dict[tuple, list[Any]] = {}
        texts = [col.kind == "text" for col in columns]
        # per column, once: what the loop below needs (not looked up again for every cell)
        positions = range(len(columns))
        keys = [col.key for col in columns]
        widths = [col.width for col in columns]
        col_kinds = [col.kind for col in columns]
        write_string, write_number, write_blank = ws.write_string, ws.write_number, ws.write_blank
        write_datetime, Timestamp = ws.write_datetime, pd.Timestamp
        measured: list[dict[str, int]] = [{} for _ in columns]  # per column: text -> lines (a column repeats its texts)
        for i, data in enumerate(rows):
            extra = (row_formats[i] if row_formats is not None and i < len(row_formats) else None) or {}
            key = tuple(sorted(extra.items()))
            fmts = row_fmts.get(key)
            if fmts is None:
                fmts = row_fmts[key] = [
                    self.kind_fmt(col.kind, **{**extra, "valign": "top", **({"text_wrap": True} if text else {})})
                    for col, text in zip(columns, texts)
                ]
            tall = 1
            r = header_row + 1 + i
            for c, field, width, text, fmt in zip(positions, keys, widths, texts, fmts):
                value = data.get(field)
                kind = type(value)
                # the commonest cells written straight away, the rest (blank floats, NaT, datetimes,
                # bools, Decimal NaN, …) by `write`: the same calls it would make
                if kind is str:
                    write_string(r, c, value, fmt)
                    if text:
                        lines = measured[c].get(value)
                        if lines is None:
                            lines = measured[c][value] = text_lines(value, width)
                        tall = max(tall, lines)
                    continue
                if value is None:
                    write_blank(r, c, None, fmt)
                elif kind is int or (kind is float and value == value) or (kind is Decimal and value.is_finite()):
                    write_number(r, c, float(value) if kind is Decimal else value, fmt)
                elif kind is date:
                    write_datetime(r, c, datetime(value.year, value.month, value.day), fmt)
                elif kind is Timestamp:
                    write_datetime(r, c, value.to_pydatetime().replace(tzinfo=None), fmt)
                else:
                    if text and isinstance(value, str):
                        tall = max(tall, text_lines(value, width))
                    self.write(ws, r, c, value, col_kinds[c], fmt)
            if tall > 1:
                ws.set_row(r, row_points(tall))
            n += 1
        last = header_row + max(n, 1)
        if excel_table and columns:
            ws.add_table(header_row, 0, last, len(columns) - 1, {
                "style": "Table Style Light 1",
                "columns": [{"header": col.header, "header_format": self.header_fmt} for col in columns],
            })
        else:
            ws.autofilter(header_row, 0, last, len(columns) - 1)
        ws.freeze_panes(header_row + 1, 0)
        ws.repeat_rows(header_row)
        if n == 0:
            ws.write_string(header_row + 1, 0, "（无 None）", self.subtitle_fmt)
        return ws, header_row + 1, n

    def timeline(self, ws, *, header_row: int, first_row: int, rows: int, col: int, start_col: int, end_col: int,
                 days: Sequence[date], today: date) -> None:
        """A Gantt chart made of conditional formats, right of a table: one narrow column per day.

        Each row's bar runs from the date in `start_col` to the date in `end_col`
        (blue), then on in red up to `today` when that due date has passed; weekends
        are grey and `today` has a bold frame.  The cells hold nothing: Excel, WPS
        and LibreOffice draw the bars from the dates, so a changed date redraws them.
        """
        if not days:
            return
        head = self.fmt(num_format="mm-dd", rotation=90, align="center", valign="bottom", font_size=8,
                        bg_color="#DDEBF7", border=1)
        today_head = self.fmt(num_format="mm-dd", rotation=90, align="center", valign="bottom", font_size=8,
                              bg_color="#1F4E79", font_color="#FFFFFF", bold=True, border=1)
        for i, day in enumerate(days):
            c = col + i
            ws.set_column(c, c, 2.6)
            ws.write_datetime(header_row, c, datetime(day.year, day.month, day.day), today_head if day == today else head)
        if rows <= 0:
            return
        last_row, last_col = first_row + rows - 1, col + len(days) - 1
        day = xl_rowcol_to_cell(header_row, col, row_abs=True)  # e.g. I$4: the day of the column
        start = xl_rowcol_to_cell(first_row, start_col, col_abs=True)  # e.g. $D5: the row's received date
        end = xl_rowcol_to_cell(first_row, end_col, col_abs=True)
        asof = f"DATE({today.year},{today.month},{today.day})"
        area = (first_row, col, last_row, last_col)
        rules = (
            (f"=AND({day}={asof},{day}>={start},{day}<={end})", {"bg_color": "#2F75B5", "left": 2, "right": 2}),
            (f"=AND({day}>{end},{day}<={asof},{start}<>\"\")", {"bg_color": "#E06666"}),
            (f"=AND({day}>={start},{day}<={end})", {"bg_color": "#9BC2E6"}),
            (f"={day}={asof}", {"left": 2, "right": 2}),
            (f"=WEEKDAY({day},2)>5", {"bg_color": "#EDEDED"}),
        )
        for formula, props in rules:
            ws.conditional_format(*area, {"type": "formula", "criteria": formula, "format": self.wb.add_format(props),
                                          "stop_if_true": True})

    def bar_chart(
        self, ws, *, at: tuple[int, int], title: str, series: Sequence[tuple[Any, Any, Any]], categories: Any = None,
        horizontal: bool = False, stacked: bool = True, x_title: str = "", y_title: str = "",
        size: tuple[int, int] = (520, 320), x_offset: int = 0,
    ) -> None:
        """A native Excel bar chart drawn from cells of the workbook (the numbers stay in the table beside it).

        `series`: (name cell, values range, colour or None) with ranges as XlsxWriter
        lists `[sheet, first_row, first_col, last_row, last_col]`; `categories` likewise.
        """
        chart = self.wb.add_chart({"type": "bar" if horizontal else "column", **({"subtype": "stacked"} if stacked else {})})
        for name, values, colour in series:
            spec = {"name": name, "values": values, "gap": 60}
            if categories is not None:
                spec["categories"] = categories
            if colour:
                spec["fill"] = {"color": colour}
                spec["border"] = {"none": True}
            chart.add_series(spec)
        chart.set_title({"name": title, "name_font": {"size": 11, "bold": True}})
        font = {"name_font": {"size": 9, "bold": False}, "num_font": {"size": 9}}
        values = {"name": y_title, **font, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
        names = {"name": x_title, **font}
        if horizontal:  # a bar chart's x axis is its value axis; its categories read top-down, as in the table
            chart.set_x_axis(values)
            chart.set_y_axis({**names, "reverse": True, "crossing": "max",  # values stay below the bars
                              "interval_unit": 1})  # every category named
        else:
            chart.set_x_axis(names)
            chart.set_y_axis(values)
        chart.set_legend({"position": "bottom", "font": {"size": 9}})
        chart.set_size({"width": size[0], "height": size[1]})
        ws.insert_chart(at[0], at[1], chart, {"x_offset": x_offset, "y_offset": 4, "object_position": 1})

    def share_bars(self, ws, shares: Sequence[tuple[Any, str]], first: int, col: int) -> None:
        """Data bars on a column of shares of a quote used, one (share, status) per row from `first`.

        Blue, amber (status `warning`: the [fees] budget_warning share reached), red (`over`).
        One rule per row so that each bar takes its row's colour; all share one scale (0 to
        the largest share, at least 100 %), so bars compare across rows.
        """
        known = [s for s, _ in shares if s is not None and not _isna(s)]
        top = float(max([1, *known]))
        colours = {"over": BAR_OVER, "warning": BAR_WARNING}
        for i, (share, status) in enumerate(shares):
            if share is None or _isna(share):
                continue
            ws.conditional_format(first + i, col, first + i, col, {
                "type": "data_bar", "bar_color": colours.get(status, BAR_OK), "bar_solid": True,
                "min_type": "num", "min_value": 0, "max_type": "num", "max_value": top,
            })

    def key_values(self, name: str, title: str, pairs: Sequence[tuple[str, Any, str]], *, subtitle: str = ""):
        """A summary sheet: title and (label, value, kind) rows."""
        label_width, value_width = 50, 50
        ws = self.sheet(name, landscape=False)
        ws.set_column(0, 0, label_width)
        ws.set_column(1, 1, value_width)
        self.write_title(ws, 0, title)
        r = 1
        if subtitle:
            ws.write_string(r, 0, subtitle, self.subtitle_fmt)
            r += 1
        r += 1
        label_fmt = self.fmt(bold=True, text_wrap=True, valign="top")
        for label, value, kind in pairs:
            ws.write_string(r, 0, label, label_fmt)
            self.write(ws, r, 1, value, kind, self.kind_fmt(kind, text_wrap=True, valign="top", align="left"))
            tall = max(text_lines(label, label_width), text_lines(value, value_width) if isinstance(value, str) else 1)
            if tall > 1:
                ws.set_row(r, row_points(tall))
            r += 1
        return ws, r

    # ------------------------------------------------------------------ finish
    def close(self) -> Path:
        """Write the file: complete or not at all (temp file, then replace)."""
        try:
            self.wb.close()
            make_shared(self._tmp)  # mkstemp made it private (0600): readable by the group, as any saved file
            os.replace(self._tmp, self.path)
        except PermissionError as exc:  # Windows: Excel has the old file open
            self._tmp.unlink(missing_ok=True)
            raise FileBusyError(f"文件被占用 / {self.path} is open in another program ({exc.strerror or exc}). "
                                "Fix: close it there; it is written again next time.") from None
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
