"""Inline-styled HTML for report mail bodies (Outlook-safe tables), until adtools.mail.message lands here.

The signatures follow adtools.mail.message (Figure, figures_html, figures_text,
rows_html, html_document) so that switching to it is an import change.
"""
from __future__ import annotations

import html
from decimal import Decimal
from typing import Any, Iterable, NamedTuple, Sequence

__all__ = ["Figure", "figures_html", "figures_text", "rows_html", "html_document"]

_FONT = "font-family:'Microsoft YaHei','微软雅黑','PingFang SC',Arial,sans-serif;"
_CELL = _FONT + "font-size:14px;line-height:20px;color:#1f2328;padding:6px 10px;border:1px solid #d0d7de;"
_HEAD = _CELL + "font-weight:bold;background-color:#f0f3f6;"
_TABLE = "border-collapse:collapse;mso-table-lspace:0pt;mso-table-rspace:0pt;"
_SMALL = _FONT + "font-size:12px;color:#57606a;"


class Figure(NamedTuple):
    """One key figure of a report: its label in Chinese and English and its value as shown."""

    label_zh: str
    label_en: str
    value: str | int | Decimal
    note: str = ""


def _shown(value: Any) -> str:
    if isinstance(value, (bool, float)):
        raise TypeError(f"a figure is text, an int or a Decimal, not {type(value).__name__} ({value!r})")
    if isinstance(value, (int, Decimal)):
        return f"{value:,}"
    return "" if value is None else str(value)


def _caption(zh: str, en: str, colspan: int) -> str:
    if not (zh or en):
        return ""
    return (f'<tr><td colspan="{colspan}" style="{_FONT}font-size:15px;font-weight:bold;color:#1f2328;'
            f'padding:12px 0 6px 0;">{html.escape(zh)} {html.escape(en)}</td></tr>')


def _table(width: int) -> str:
    return (f'<table role="presentation" width="{width}" cellpadding="0" cellspacing="0" border="0" '
            f'style="{_TABLE}width:{width}px;">')


def figures_html(figures: Iterable[Figure], *, caption_zh: str = "", caption_en: str = "", width: int = 640) -> str:
    """A two-column table of key figures (label zh / en, value)."""
    e = html.escape
    rows = []
    for f in figures:
        label = f'{e(f.label_zh)}<br><span style="{_SMALL}">{e(f.label_en)}</span>'
        value = e(_shown(f.value))
        if f.note:
            value += f'<br><span style="{_SMALL}">{e(f.note)}</span>'
        rows.append(f'<tr><td valign="top" style="{_CELL}">{label}</td>'
                    f'<td align="right" valign="top" style="{_CELL}text-align:right;">{value}</td></tr>')
    return (_table(width) + _caption(caption_zh, caption_en, 2)
            + f'<tr><th align="left" bgcolor="#f0f3f6" style="{_HEAD}text-align:left;">项目 Item</th>'
            f'<th align="right" bgcolor="#f0f3f6" style="{_HEAD}text-align:right;">数值 Value</th></tr>'
            + "".join(rows) + "</table>")


def figures_text(figures: Sequence[Figure]) -> str:
    """The same figures for the plain-text alternative: `label_zh label_en: value`, one a line."""
    return "\n".join(f"{f.label_zh} {f.label_en}: {_shown(f.value)}" + (f" ({f.note})" if f.note else "") for f in figures)


def rows_html(columns: Sequence[tuple[str, str, str]], rows: Iterable[dict[str, Any]], *, caption_zh: str = "",
              caption_en: str = "", width: int = 640, right: Sequence[str] = (), row_colours: Sequence[str | None] = ()) -> str:
    """A table of rows: `columns` are (key, zh, en); `right` keys are right-aligned; `row_colours[i]` a background."""
    e = html.escape
    head = "".join(
        f'<th align="{"right" if k in right else "left"}" bgcolor="#f0f3f6" '
        f'style="{_HEAD}text-align:{"right" if k in right else "left"};">{e(zh)}<br>'
        f'<span style="{_SMALL}font-weight:normal;">{e(en)}</span></th>'
        for k, zh, en in columns
    )
    body = []
    for i, r in enumerate(rows):
        bg = row_colours[i] if i < len(row_colours) else None
        style = f"background-color:{bg};" if bg else ""
        cells = "".join(
            f'<td align="{"right" if k in right else "left"}" valign="top" '
            f'style="{_CELL}{style}text-align:{"right" if k in right else "left"};">{e(_shown(r.get(k)))}</td>'
            for k, _, _ in columns
        )
        body.append(f"<tr>{cells}</tr>")
    return _table(width) + _caption(caption_zh, caption_en, len(columns)) + f"<tr>{head}</tr>" + "".join(body) + "</table>"


def html_document(title_zh: str, title_en: str, *blocks: str, width: int = 640) -> str:
    """A whole HTML mail body: a heading in Chinese and English above the given blocks (already HTML)."""
    e = html.escape
    body = "".join(f'<tr><td style="padding:0 0 12px 0;">{b}</td></tr>' for b in blocks)
    return ('<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
            f"<title>{e(title_zh)} {e(title_en)}</title></head>"
            f'<body style="margin:0;padding:16px;background-color:#ffffff;{_FONT}">' + _table(width)
            + f'<tr><td style="{_FONT}font-size:20px;font-weight:bold;color:#1f2328;padding:0 0 4px 0;">{e(title_zh)}</td></tr>'
            f'<tr><td style="{_FONT}font-size:14px;color:#57606a;padding:0 0 16px 0;">{e(title_en)}</td></tr>'
            f"{body}</table></body></html>")
