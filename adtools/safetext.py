"""Text from outside (a file name, a cell a colleague typed) made safe for the place it goes.

One helper per place, so that every writer says which place it writes to:

- `display_name(text)`: a file name as people and the ledger see it.  A name that is
  not valid UTF-8 (on Linux Python keeps its bytes as lone surrogates) becomes its
  bytes' escape (`\\xff`), so it can be stored, printed and mailed; valid text is kept.
- `cell_text(value)`: text for a worksheet cell.  Control characters that XML 1.0
  cannot hold (openpyxl's `IllegalCharacterError`) are shown as `\\x07`, lone
  surrogates as their bytes' escape; tab and newline are kept.
- `put_text(cell, value)`: writes `cell_text(value)` into an openpyxl cell *as a
  string*, so `=1+1` or `+cmd|...` stays text and never becomes a formula.
  (XlsxWriter's `write_string`, which `adtools.reports.xlsx.ReportWorkbook` uses,
  is already safe: it never makes a formula and escapes control characters.)
- `header_text(value)`: one line for a mail header (subject, attachment name): line
  breaks of every kind (CR, LF, VT, FF, U+0085, U+2028, U+2029) and other control
  characters become spaces, so no header can be split or injected.

This module is part of the base: every part may import it; it imports no part.
"""
from __future__ import annotations

import os
import re
from typing import Any

__all__ = ["display_name", "cell_text", "put_text", "header_text", "has_surrogates"]

# the characters XML 1.0 refuses (openpyxl.cell.cell.ILLEGAL_CHARACTERS_RE), tab/LF/CR excepted
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# every line break str.splitlines knows, and the remaining C0/C1 controls: never in a header
_HEADER_BREAKS = re.compile(r"[\x00-\x1f\x7f\x80-\x9f\u2028\u2029]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def has_surrogates(text: str) -> bool:
    """True when `text` holds a lone surrogate (a file name's byte that is not UTF-8)."""
    return bool(_SURROGATE.search(text))


def display_name(text: Any) -> str:
    """`text` with undecodable bytes shown as their escape (`b'\\xff'` -> `\\xff`); other text unchanged."""
    s = "" if text is None else str(text)
    if s.isascii() or not has_surrogates(s):
        return s
    try:  # a name read from the disk: surrogateescape gives back its bytes
        raw = os.fsencode(s) if os.name != "nt" else s.encode("utf-8", "surrogateescape")
    except UnicodeError:
        raw = s.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "backslashreplace")


def _escape(m: re.Match[str]) -> str:
    return f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else f"\\u{ord(m.group(0)):04x}"


def cell_text(value: Any) -> str:
    """Text for a worksheet cell: illegal control characters escaped, surrogates as bytes; "" for None."""
    s = display_name(value)
    return _ILLEGAL.sub(_escape, s)


def put_text(cell: Any, value: Any) -> None:
    """Write `value` into an openpyxl cell as text, never as a formula; a blank stays blank."""
    text = cell_text(value)
    cell.value = text or None
    if text:
        cell.data_type = "s"  # openpyxl would read a leading "=" as a formula


def header_text(value: Any, *, limit: int = 0) -> str:
    """One safe line for a mail header: every line break and control character a space, runs of spaces one."""
    s = _HEADER_BREAKS.sub(" ", display_name(value))
    s = re.sub(r" {2,}", " ", s).strip()
    if limit and len(s) > limit:
        s = s[: limit - 1].rstrip() + "…"
    return s
