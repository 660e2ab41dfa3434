"""The Outlook-safe HTML every mail body of ours is drawn with: key figures, tables of rows, the page.

Outlook renders HTML with Word's engine: table layout, inline styles only, no
<style> block, no classes; every text is escaped here, so a value from a
workbook is shown, never interpreted.  Reports (and the rejection notice) render
their own bodies with these helpers; the mail part only sends what it is given.
"""
from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Iterable, Mapping, NamedTuple, Sequence

__all__ = ["Figure", "figures_html", "figures_text", "rows_html", "html_document", "paragraph", "signature_html",
           "signature_text"]


class Figure(NamedTuple):
    """One key figure of a report: its label in Chinese and English and its value as shown."""

    label_zh: str
    label_en: str
    value: str | int | Decimal
    note: str = ""


_FONT = "font-family:'Microsoft YaHei','微软雅黑','PingFang SC',Arial,sans-serif;"
_CELL = _FONT + "font-size:14px;line-height:20px;color:#1f2328;padding:6px 10px;border:1px solid #d0d7de;"
_HEAD = _CELL + "font-weight:bold;background-color:#f0f3f6;"
_MONEY_TEXT = re.compile(r"-?¥?-?[\d,]+(\.\d+)?")  # "¥1,234.50", "12.00": shown right-aligned
_TABLE = "border-collapse:collapse;mso-table-lspace:0pt;mso-table-rspace:0pt;"


def _table_open(width: int) -> str:
    """The opening tag of every table of ours: fixed width, no spacing, Outlook's table gaps off."""
    return (
        f'<table role="presentation" width="{width}" cellpadding="0" cellspacing="0" border="0" '
        f'style="{_TABLE}width:{width}px;">'
    )


def _caption(caption_zh: str, caption_en: str, colspan: int) -> str:
    """A caption row above a table's head (nothing when both texts are empty)."""
    if not (caption_zh or caption_en):
        return ""
    e = html.escape
    return (
        f'<tr><td colspan="{colspan}" style="{_FONT}font-size:15px;font-weight:bold;color:#1f2328;'
        f'padding:12px 0 6px 0;">{e(caption_zh)} {e(caption_en)}</td></tr>'
    )


def _shown(value: str | int | Decimal) -> str:
    if isinstance(value, bool) or isinstance(value, float):
        raise TypeError(f"a figure is text, an int or a Decimal, not {type(value).__name__} ({value!r})")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return f"{value:,}"
    return str(value)


def figures_html(figures: Iterable[Figure], *, caption_zh: str = "", caption_en: str = "", width: int = 640) -> str:
    """A two-column table of key figures (label zh / en, value), with inline styles only."""
    e = html.escape
    rows = []
    for f in figures:
        label = f'{e(f.label_zh)}<br><span style="{_FONT}font-size:12px;color:#57606a;">{e(f.label_en)}</span>'
        value = e(_shown(f.value))
        if f.note:
            value += f'<br><span style="{_FONT}font-size:12px;color:#57606a;">{e(f.note)}</span>'
        rows.append(
            f'<tr><td valign="top" style="{_CELL}">{label}</td>'
            f'<td align="right" valign="top" style="{_CELL}text-align:right;">{value}</td></tr>'
        )
    return (
        _table_open(width)
        + _caption(caption_zh, caption_en, 2)
        + f'<tr><th align="left" bgcolor="#f0f3f6" style="{_HEAD}text-align:left;">项目 Item</th>'
        f'<th align="right" bgcolor="#f0f3f6" style="{_HEAD}text-align:right;">数值 Value</th></tr>'
        + "".join(rows)
        + "</table>"
    )


def rows_html(
    columns: Sequence[tuple[str, str, str]],
    rows: Iterable[Mapping[str, object]],
    *,
    caption_zh: str = "",
    caption_en: str = "",
    width: int = 640,
) -> str:
    """A table of rows for the mail body: columns are (key, 中文, English); inline styles only, text escaped."""
    e = html.escape
    head = "".join(
        f'<th align="left" bgcolor="#f0f3f6" style="{_HEAD}text-align:left;">{e(zh)}<br>'
        f'<span style="{_FONT}font-size:12px;font-weight:normal;color:#57606a;">{e(en)}</span></th>'
        for _, zh, en in columns
    )
    body = []
    for r in rows:
        cells = []
        for key, _, _ in columns:
            v = r.get(key)
            number = isinstance(v, (int, Decimal)) and not isinstance(v, bool)
            shown = "" if v is None else _shown(v) if number else str(v)
            if number or (isinstance(v, str) and _MONEY_TEXT.fullmatch(v)):  # figures and ¥ amounts line up right
                cells.append(f'<td align="right" valign="top" style="{_CELL}text-align:right;white-space:nowrap;">{e(shown)}</td>')
            else:
                cells.append(f'<td valign="top" style="{_CELL}">{e(shown)}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return _table_open(width) + _caption(caption_zh, caption_en, len(columns)) + f"<tr>{head}</tr>" + "".join(body) + "</table>"


def figures_text(figures: Sequence[Figure]) -> str:
    """The same figures for the plain-text alternative: `label_zh label_en: value`, one a line."""
    lines = []
    for f in figures:
        line = f"{f.label_zh} {f.label_en}: {_shown(f.value)}"
        if f.note:
            line += f" ({f.note})"
        lines.append(line)
    return "\n".join(lines)


def html_document(title_zh: str, title_en: str, *blocks: str, width: int = 640) -> str:
    """A whole HTML mail body: a heading in Chinese and English above the given blocks (already HTML)."""
    e = html.escape
    body = "".join(f'<tr><td style="padding:0 0 12px 0;">{b}</td></tr>' for b in blocks)
    return (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f"<title>{e(title_zh)} {e(title_en)}</title></head>"
        f'<body style="margin:0;padding:16px;background-color:#ffffff;{_FONT}">'
        + _table_open(width)
        + f'<tr><td style="{_FONT}font-size:20px;font-weight:bold;color:#1f2328;padding:0 0 4px 0;">{e(title_zh)}</td></tr>'
        f'<tr><td style="{_FONT}font-size:14px;color:#57606a;padding:0 0 16px 0;">{e(title_en)}</td></tr>'
        f"{body}</table></body></html>"
    )


def paragraph(*texts: str) -> str:
    """One paragraph of body text, its lines joined by line breaks, every text escaped."""
    return (f'<p style="margin:0;{_FONT}font-size:14px;line-height:20px;color:#1f2328;">'
            + "<br>".join(html.escape(t) for t in texts) + "</p>")


def _signature_lines(cfg) -> list[str]:
    """Who sent it and how to reach them: the agency's account service and the sender address of `[mail]`."""
    return [
        "如有问题，请直接回复本邮件。/ Questions? Just reply to this mail.",
        f"{cfg.agency.name} 客户服务部 / Account service",
        f"{cfg.mail.sender}",
    ]


def signature_html(cfg) -> str:
    """The closing of a report mail: how to ask, who sent it, the address to reply to."""
    first, *rest = _signature_lines(cfg)
    return (paragraph(first) + f'<p style="margin:12px 0 0 0;{_FONT}font-size:13px;line-height:18px;color:#57606a;">'
            + "<br>".join(html.escape(t) for t in rest) + "</p>")


def signature_text(cfg) -> str:
    """The same closing for the plain-text alternative."""
    return "\n".join(_signature_lines(cfg))
