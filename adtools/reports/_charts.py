"""Native Excel charts (XlsxWriter) drawn from a table written beside them, so every chart's numbers can be read.

LibreOffice and WPS read these charts; the figures are written as values (never
formulas), and the chart's series point at that table.
"""
from __future__ import annotations

from typing import Any, Sequence

from .xlsx import ReportWorkbook

__all__ = ["data_table", "chart"]


def data_table(wb: ReportWorkbook, ws, row: int, col: int, title: str, head: Sequence[str],
               rows: Sequence[Sequence[Any]], kinds: Sequence[str]) -> tuple[int, int, int]:
    """A small titled table at (row, col): header `head`, then `rows` (first cell a label).

    Returns (header row, first data row, last data row) for the chart's references.
    """
    ws.write_string(row, col, title, wb.label_fmt)
    header = row + 1
    for c, text in enumerate(head):
        ws.write_string(header, col + c, text, wb.header_fmt)
    for i, values in enumerate(rows):
        for c, value in enumerate(values):
            kind = kinds[c] if c < len(kinds) else "text"
            wb.write(ws, header + 1 + i, col + c, value, kind, wb.kind_fmt(kind, border=1))
    return header, header + 1, header + max(len(rows), 1)


def chart(wb: ReportWorkbook, kind: str, title: str, *, subtype: str | None = None, x_title: str = "",
          y_title: str = "", y_format: str | None = None, legend: str = "bottom"):
    """A chart of `kind` (column, bar, line, pie) with a bilingual title, axis titles and a legend."""
    spec: dict[str, Any] = {"type": kind}
    if subtype:
        spec["subtype"] = subtype
    c = wb.wb.add_chart(spec)
    c.set_title({"name": title, "name_font": {"size": 11, "bold": True}})
    c.set_legend({"position": legend})
    if kind != "pie":
        categories: dict[str, Any] = {"name": x_title, "num_font": {"size": 8}}
        values: dict[str, Any] = {"name": y_title, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}}}
        if y_format:
            values["num_format"] = y_format
        if kind == "bar":  # XlsxWriter swaps a bar chart's axes: y is the categories, top row first here
            c.set_x_axis(values)
            c.set_y_axis({**categories, "reverse": True})
        else:
            c.set_x_axis(categories)
            c.set_y_axis(values)
    c.set_size({"width": 640, "height": 320})
    return c
