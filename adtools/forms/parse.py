"""Lenient, exact parsers: what staff type into a cell becomes a typed value, or an error that says why.

Leniency (FORMS.md): full-width digits and punctuation, thousands separators,
`¥ ￥ 元 RMB`, percents on percent fields, Excel dates in the 1900 and 1904 systems,
several date spellings, Y/N words, enums by Chinese label, English label or key.
Exactness: money and decimals are Decimal (Excel floats go through their shortest
repr, never their binary value), and ambiguous input (`03/04/2026`, `12,5`) is an
error, never a guess.  `parse_value` never raises on any input.

Value types: text -> str, int -> int, decimal -> Decimal, money -> Decimal quantised
to 0.01, date -> date, datetime -> naive datetime in local wall time (the zone is
cfg.tz, as Excel holds it), month -> "YYYY-MM", bool -> bool, enum -> the choice key.
"""
from __future__ import annotations

import logging
import math
import numbers
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Context, Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

from ..money import round_fen
from .schema import Choice, Field

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["Parsed", "ParseError", "parse_value", "is_blank", "fold", "excel_serial", "shown", "YEAR_MIN", "YEAR_MAX"]

log = logging.getLogger("adtools.forms.parse")

ParseError = tuple[str, str, str]  # (rule, message_zh, message_en)

# Years a date typed on a form can plausibly have; outside them it is a typo
# (e.g. a small number typed into a date cell, which Excel reads as 1900-01-xx).
# the years a date typed on a form may have: outside them it is a typing slip
# (a small number in a date cell is a day of 1900); the template's checks use them too
YEAR_MIN, YEAR_MAX = 1950, 2199
_EXCEL_1900 = date(1899, 12, 30)  # serial 61 and up (serial 60 is Excel's fictitious 1900-02-29)
_EXCEL_1904 = date(1904, 1, 1)
_EXCEL_MAX_SERIAL = 2958465  # 9999-12-31 in the 1900 system
_EXCEL_DIGITS = Context(prec=15, rounding=ROUND_HALF_UP)  # Excel keeps 15 significant digits


@dataclass(frozen=True)
class Parsed:
    """A parsed cell: `value` (None when blank or bad) and `error` (rule, zh, en) or None."""

    value: Any = None
    error: ParseError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


# --------------------------------------------------------------------------- text helpers
# Full-width digits and the punctuation used in numbers, dates and times, mapped to ASCII.
# (Not NFKC: that would also turn "²" into "2".)
_NUMERIC_FW = {chr(0xFF10 + i): str(i) for i in range(10)}
_NUMERIC_FW.update({
    "．": ".", "，": ",", "－": "-", "﹣": "-", "−": "-", "＋": "+", "％": "%", "：": ":",
    "／": "/", "\u3000": " ", "\xa0": " ", "\u2009": " ", "\u202f": " ",
})
_NUMERIC_TABLE = str.maketrans(_NUMERIC_FW)
# Full-width ASCII (！ to ～) -> ASCII, for fields with a pattern such as job numbers.
_ASCII_TABLE = str.maketrans({chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)} | {"\u3000": " "})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def _clean(text: str) -> str:
    """Drop invisible characters (zero-width spaces, BOM) and trim whitespace, incl. full-width."""
    return text.translate(_INVISIBLE).strip()


def is_blank(value: Any) -> bool:
    """None, empty or whitespace-only text (incl. full-width spaces), or a NaN float."""
    if value is None:
        return True
    if isinstance(value, str):
        return _clean(value) == ""
    if isinstance(value, float) and math.isnan(value):
        return True
    return False


def fold(text: str) -> str:
    """Text for matching labels: NFKC, case-folded, every space and line break removed."""
    return "".join(unicodedata.normalize("NFKC", text.translate(_INVISIBLE)).casefold().split())


def shown(value: Any) -> str:
    """A value as a person would see it in a message (and in Finding.value)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.tzinfo is None and value.time() == time(0):
            return value.date().isoformat()
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float):
        if math.isfinite(value):
            d = _float_decimal(value)
            return str(int(d)) if d == d.to_integral_value() else _plain(d)
        return repr(value)
    if isinstance(value, Decimal):
        return _plain(value) if value.is_finite() else str(value)
    if isinstance(value, str):
        return value
    try:
        text = str(value)
    except Exception:  # an object whose __str__ fails: never let a message crash
        text = f"<{type(value).__name__}>"
    return text[:200]


def _plain(d: Decimal) -> str:
    """A Decimal without exponent: 1E+3 -> "1000", 12.50 -> "12.50"."""
    return format(d, "f")


def _float_decimal(f: float) -> Decimal:
    """A float cell as Decimal: its shortest repr, cut to Excel's 15 significant digits."""
    d = Decimal(repr(f))
    if len(d.as_tuple().digits) > 15:
        d = _EXCEL_DIGITS.plus(d)
        d = Decimal(int(d)) if d == d.to_integral_value() else d.normalize()
    return d


# --------------------------------------------------------------------------- messages
def _err(rule: str, zh: str, en: str) -> Parsed:
    return Parsed(None, (rule, zh, en))


def _q(value: Any) -> str:
    return f"“{shown(value)}”"


def _name(fld: Field) -> tuple[str, str]:
    return fld.zh, fld.en


def _wrong_type(fld: Field, value: Any, want_zh: str, want_en: str, example: str) -> Parsed:
    zh, en = _name(fld)
    return _err(
        "wrong_type",
        f"{zh}：{_q(value)} 不是{want_zh}，请填写如 {example}",
        f"{en}: {shown(value)!r} is not {want_en}; write e.g. {example}",
    )


# --------------------------------------------------------------------------- numbers
_CURRENCY_PRE = r"(?:¥|￥|rmb|cny|人民币)"
_CURRENCY_POST = r"(?:元|rmb|cny)"
_NUMBER_RE = re.compile(
    rf"""^(?P<s1>[-+])?\s*(?P<c1>{_CURRENCY_PRE})?\s*(?P<s2>[-+])?\s*
         (?P<num>\d{{1,3}}(?:,\d{{3}})+(?:\.\d*)?|\d+(?:\.\d*)?|\.\d+)
         \s*(?P<pct>%)?\s*(?P<c2>{_CURRENCY_POST})?$""",
    re.IGNORECASE | re.VERBOSE,
)
_DECIMAL_COMMA_RE = re.compile(r"^[-+]?\d+,\d{1,2}$|^[-+]?\d{1,3}(?:\.\d{3})+,\d+$")
_ZHE_RE = re.compile(r"^\d+(?:\.\d+)?\s*折$")


def _number_from_text(fld: Field, text: str) -> tuple[Decimal | None, Parsed | None]:
    """(number, error) from typed text; a percent is already scaled (35% -> 0.35)."""
    zh, en = _name(fld)
    s = _clean(text.translate(_NUMERIC_TABLE))
    m = _NUMBER_RE.match(s)
    if m is None:
        if _DECIMAL_COMMA_RE.match(s):
            return None, _err(
                "ambiguous_number",
                f"{zh}：{_q(text)} 中的逗号无法判断是小数点还是千位分隔符，请用小数点，如 12.5 或 1,234.50",
                f"{en}: the comma in {text!r} could be a decimal comma or a thousands separator; "
                f"use a point for decimals, e.g. 12.5 or 1,234.50",
            )
        if fld.percent and _ZHE_RE.match(s):
            return None, _err(
                "not_a_number",
                f"{zh}：{_q(text)} 是“几折”的写法；请填写折扣率，如 8折 写 20% 或 0.2",
                f"{en}: {text!r} is a Chinese '折' price ratio; write the discount instead, e.g. 8折 is 20% or 0.2",
            )
        return None, _err(
            "not_a_number",
            f"{zh}：{_q(text)} 不是数字，请只填写数字，如 {_example(fld)}",
            f"{en}: {text!r} is not a number; write digits only, e.g. {_example(fld)}",
        )
    if m["s1"] and m["s2"]:
        return None, _err(
            "not_a_number",
            f"{zh}：{_q(text)} 有两个正负号，请只保留一个",
            f"{en}: {text!r} has two signs; keep one",
        )
    if (m["c1"] or m["c2"]) and fld.type != "money":
        return None, _err(
            "currency_not_allowed",
            f"{zh}：{_q(text)} 带货币符号，此栏不是金额，请只填写数字",
            f"{en}: {text!r} carries a currency sign but this is not an amount; write the number only",
        )
    if m["c1"] and m["c2"]:
        return None, _err(
            "not_a_number",
            f"{zh}：{_q(text)} 有两个货币符号，请只保留数字，如 1,234.50",
            f"{en}: {text!r} has two currency signs; write the number only, e.g. 1,234.50",
        )
    if m["pct"]:
        if not fld.percent:
            return None, _err(
                "percent_not_allowed",
                f"{zh}：{_q(text)} 带百分号，此栏不接受百分比，请填写数字",
                f"{en}: {text!r} is a percent, which this field does not take; write a plain number",
            )
        if m["c1"] or m["c2"]:
            return None, _err(
                "not_a_number",
                f"{zh}：{_q(text)} 同时有百分号和货币符号，请只填写百分比，如 35%",
                f"{en}: {text!r} has both a percent and a currency sign; write a percent, e.g. 35%",
            )
    num = Decimal(m["num"].replace(",", ""))
    if (m["s1"] or m["s2"]) == "-":
        num = -num
    if m["pct"]:
        num = num.scaleb(-2)
    return num, None


def _example(fld: Field) -> str:
    if fld.type == "money":
        return "1234.50"
    if fld.type == "int":
        return str(int(fld.min)) if fld.min is not None else "1"
    if fld.percent:
        return "0.35 或/or 35%"
    if fld.multiple_of is not None:
        return "7.5"
    return "12.5"


def _to_number(fld: Field, value: Any) -> tuple[Decimal | None, str, Parsed | None]:
    """(number, source kind "float" | "exact", error) for any cell value."""
    if isinstance(value, bool):
        return None, "", _wrong_type(fld, value, "数字", "a number", _example(fld))
    if isinstance(value, numbers.Integral):
        return Decimal(int(value)), "exact", None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None, "", _wrong_type(fld, value, "有限的数字", "a finite number", _example(fld))
        return value, "exact", None
    if isinstance(value, numbers.Real):
        f = float(value)
        if not math.isfinite(f):
            return None, "", _wrong_type(fld, value, "有限的数字", "a finite number", _example(fld))
        return _float_decimal(f), "float", None
    if isinstance(value, str):
        num, error = _number_from_text(fld, value)
        return num, "exact", error
    if isinstance(value, (date, time, timedelta)):
        return None, "", _wrong_type(fld, value, "数字（此单元格被设成了日期格式）",
                                     "a number (the cell is formatted as a date)", _example(fld))
    return None, "", _wrong_type(fld, value, "数字", "a number", _example(fld))


_TOO_LARGE = Decimal(10) ** 15  # Excel keeps 15 significant digits; beyond that no form value is exact


def _numeric(fld: Field, value: Any) -> tuple[Decimal | None, str, Parsed | None]:
    """_to_number for the number types, refusing magnitudes no form value has."""
    num, kind, error = _to_number(fld, value)
    if error is None and num is not None and abs(num) >= _TOO_LARGE:
        zh, en = _name(fld)
        return None, "", _err(
            "above_max",
            f"{zh}：{_q(value)} 太大（超过 15 位数字），请核对",
            f"{en}: {shown(value)!r} is too large (more than 15 digits); check it",
        )
    return num, kind, error


def _parse_money(fld: Field, value: Any) -> Parsed:
    num, kind, error = _numeric(fld, value)
    if error:
        return error
    assert num is not None
    rounded = round_fen(num)
    if rounded != num and kind != "float":
        zh, en = _name(fld)
        return _err(
            "too_many_decimals",
            f"{zh}：{_q(value)} 超过两位小数；金额精确到分，请改为两位小数，如 {_plain(rounded)}",
            f"{en}: {shown(value)!r} has more than 2 decimals; amounts are in fen (0.01), write e.g. {_plain(rounded)}",
        )
    return Parsed(rounded)


def _parse_decimal(fld: Field, value: Any) -> Parsed:
    num, _kind, error = _numeric(fld, value)
    if error:
        return error
    return Parsed(num)


def _parse_int(fld: Field, value: Any) -> Parsed:
    num, _kind, error = _numeric(fld, value)
    if error:
        return error
    assert num is not None
    if num != num.to_integral_value():
        zh, en = _name(fld)
        return _err(
            "not_a_whole_number",
            f"{zh}：{_q(value)} 不是整数，请填写整数，如 {_example(fld)}",
            f"{en}: {shown(value)!r} is not a whole number; write a whole number, e.g. {_example(fld)}",
        )
    return Parsed(int(num))


def _check_number(fld: Field, value: Any, num: Decimal | int) -> Parsed | None:
    """min / max (inclusive or exclusive) and multiple_of; None when fine."""
    zh, en = _name(fld)
    n = Decimal(num)
    if fld.min is not None and (n <= fld.min if fld.min_exclusive else n < fld.min):
        op = ">" if fld.min_exclusive else "≥"
        return _err(
            "below_min",
            f"{zh}：{_q(value)} 太小，必须 {op} {_plain(fld.min)}",
            f"{en}: {shown(value)!r} is too small; it must be {op} {_plain(fld.min)}",
        )
    if fld.max is not None and (n >= fld.max if fld.max_exclusive else n > fld.max):
        op = "<" if fld.max_exclusive else "≤"
        hint_zh = "；百分比请带 %，如 35%" if fld.percent else ""
        hint_en = "; write a percent with %, e.g. 35%" if fld.percent else ""
        return _err(
            "above_max",
            f"{zh}：{_q(value)} 太大，必须 {op} {_plain(fld.max)}{hint_zh}",
            f"{en}: {shown(value)!r} is too large; it must be {op} {_plain(fld.max)}{hint_en}",
        )
    if fld.multiple_of is not None and fld.multiple_of != 0 and n % fld.multiple_of != 0:
        step = fld.multiple_of
        lower = (n / step).to_integral_value(rounding=ROUND_FLOOR) * step
        return _err(
            "not_multiple",
            f"{zh}：{_q(value)} 必须以 {_plain(step)} 为单位，如 {_plain(lower.normalize())} 或 {_plain((lower + step).normalize())}",
            f"{en}: {shown(value)!r} must be in steps of {_plain(step)}, e.g. {_plain(lower.normalize())} or {_plain((lower + step).normalize())}",
        )
    return None


# --------------------------------------------------------------------------- dates
_YMD_RE = re.compile(r"^(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})$")
_YMD_ZH_RE = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?$")
_YMD_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DMY_RE = re.compile(r"^(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4})$")
_SHORT_YEAR_RE = re.compile(r"^\d{1,2}\s*([-/.])\s*\d{1,2}\s*\1\s*\d{2}$|^\d{2}\s*年")
_NO_YEAR_RE = re.compile(r"^\d{1,2}\s*月\s*\d{1,2}\s*[日号]?$|^\d{1,2}\s*[-/.]\s*\d{1,2}$")
_TIME_RE = re.compile(r"^(\d{1,2})\s*(?::\s*(\d{2})(?:\s*:\s*(\d{2}))?|[时点]\s*(?:(\d{1,2})\s*分?)?)$")
_SPLIT_RE = re.compile(r"^(.*?(?:\d|[日号]))(?:\s*T\s*|\s+|(?<=[日号]))(\d{1,2}\s*[:时点].*)$")
_YM_RE = re.compile(r"^(\d{4})\s*([-/.])\s*(\d{1,2})$|^(\d{4})\s*年\s*(\d{1,2})\s*月?$|^(\d{1,2})\s*([-/.])\s*(\d{4})$")

_DATE_EXAMPLE = "2026-11-26"


def _date_error(fld: Field, value: Any) -> Parsed:
    zh, en = _name(fld)
    return _err(
        "not_a_date",
        f"{zh}：{_q(value)} 不是日期，请写成 {_DATE_EXAMPLE}、2026/11/26 或 2026年11月26日",
        f"{en}: {shown(value)!r} is not a date; write it as {_DATE_EXAMPLE}, 2026/11/26 or 2026年11月26日",
    )


def _make_date(fld: Field, value: Any, y: int, m: int, d: int) -> Parsed:
    zh, en = _name(fld)
    try:
        day = date(y, m, d)
    except ValueError:
        return _err(
            "bad_date",
            f"{zh}：{_q(value)} 不是日历上存在的日期（{y}年{m}月{d}日），请核对月份和日",
            f"{en}: {shown(value)!r} is not a real calendar date (year {y}, month {m}, day {d}); check the month and day",
        )
    return _plausible(fld, value, day)


def _plausible(fld: Field, value: Any, day: date) -> Parsed:
    if YEAR_MIN <= day.year <= YEAR_MAX:
        return Parsed(day)
    zh, en = _name(fld)
    return _err(
        "implausible_date",
        f"{zh}：{_q(value)} 读作 {day.isoformat()}，年份 {day.year} 不合理，请填写完整日期，如 {_DATE_EXAMPLE}",
        f"{en}: {shown(value)!r} reads as {day.isoformat()}; the year {day.year} is implausible. "
        f"Write the full date, e.g. {_DATE_EXAMPLE}",
    )


def excel_serial(serial: Decimal, date1904: bool = False) -> datetime | None:
    """An Excel serial number as a naive datetime (1900 system with its 1900-02-29 bug, or 1904).

    None when the number is no date Excel can show (below the first day, 1900-02-29,
    past 9999-12-31).  The fraction is the time of day, rounded to the second.
    """
    if not serial.is_finite() or serial < 0:
        return None
    days = int(serial.to_integral_value(rounding=ROUND_FLOOR))
    seconds = int(((serial - days) * 86400).to_integral_value(rounding=ROUND_HALF_UP))
    if date1904:
        if days > _EXCEL_MAX_SERIAL - 1462:
            return None
        base = _EXCEL_1904
    else:
        if days < 1 or days == 60 or days > _EXCEL_MAX_SERIAL:
            return None
        base = date(1899, 12, 31) if days < 60 else _EXCEL_1900
    try:
        return datetime.combine(base + timedelta(days=days), time(0)) + timedelta(seconds=seconds)
    except OverflowError:
        return None


def _date_from_number(fld: Field, value: Any, num: Decimal, date1904: bool) -> Parsed:
    if num == num.to_integral_value() and 19000101 <= num <= 21991231:
        s = str(int(num))
        return _make_date(fld, value, int(s[:4]), int(s[4:6]), int(s[6:]))
    moment = excel_serial(num, date1904)
    if moment is None:
        zh, en = _name(fld)
        if not date1904 and num.to_integral_value(rounding=ROUND_FLOOR) == 60:
            return _err(
                "bad_date",
                f"{zh}：{_q(value)} 是 Excel 虚构的 1900年2月29日，请填写真实日期，如 {_DATE_EXAMPLE}",
                f"{en}: {shown(value)!r} is Excel's fictitious 1900-02-29; write a real date, e.g. {_DATE_EXAMPLE}",
            )
        return _date_error(fld, value)
    return _plausible(fld, value, moment.date())


def _date_from_text(fld: Field, value: str) -> Parsed:
    zh, en = _name(fld)
    s = _clean(value.translate(_NUMERIC_TABLE))
    split = _SPLIT_RE.match(s)
    if split and _TIME_RE.match(split.group(2)):
        s = split.group(1).strip()  # a date field given a date and a time: the date counts
    m = _YMD_RE.match(s)
    if m:
        return _make_date(fld, value, int(m.group(1)), int(m.group(3)), int(m.group(4)))
    m = _YMD_ZH_RE.match(s) or _YMD_COMPACT_RE.match(s)
    if m:
        return _make_date(fld, value, int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DMY_RE.match(s)
    if m:
        a, b, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if a > 12 and b <= 12:
            return _make_date(fld, value, y, b, a)  # 26/11/2026: day first
        if b > 12 and a <= 12:
            return _make_date(fld, value, y, a, b)  # 11/26/2026: month first
        if a == b:
            return _make_date(fld, value, y, a, b)  # 05/05/2026 reads the same both ways
        if a <= 12 and b <= 12:
            return _err(
                "ambiguous_date",
                f"{zh}：{_q(value)} 无法确定是 {y}年{b}月{a}日 还是 {y}年{a}月{b}日，"
                f"请写成 年-月-日，如 {y}-{b:02d}-{a:02d} 或 {y}-{a:02d}-{b:02d}",
                f"{en}: {value!r} could be {y}-{b:02d}-{a:02d} (day first) or {y}-{a:02d}-{b:02d} (month first); "
                f"write year-month-day, e.g. {y}-{b:02d}-{a:02d}",
            )
        return _make_date(fld, value, y, a, b)  # both > 12: no such date; report it as such
    if _SHORT_YEAR_RE.match(s):
        return _err(
            "ambiguous_date",
            f"{zh}：{_q(value)} 的年份只有两位，无法确定，请写四位年份，如 {_DATE_EXAMPLE}",
            f"{en}: {value!r} has a two-digit year, which is ambiguous; write the year in full, e.g. {_DATE_EXAMPLE}",
        )
    if _NO_YEAR_RE.match(s):
        return _err(
            "not_a_date",
            f"{zh}：{_q(value)} 缺少年份，请写完整日期，如 {_DATE_EXAMPLE}",
            f"{en}: {value!r} has no year; write the full date, e.g. {_DATE_EXAMPLE}",
        )
    return _date_error(fld, value)


def _parse_date(fld: Field, value: Any, date1904: bool) -> Parsed:
    if isinstance(value, datetime):
        return _plausible(fld, value, value.date())
    if isinstance(value, date):
        return _plausible(fld, value, value)
    if isinstance(value, str):
        return _date_from_text(fld, value)
    if isinstance(value, bool) or isinstance(value, (time, timedelta)):
        return _date_error(fld, value)
    if isinstance(value, (numbers.Real, Decimal)):
        num, _kind, error = _to_number(fld, value)
        if error or num is None:
            return _date_error(fld, value)
        return _date_from_number(fld, value, num, date1904)
    return _date_error(fld, value)


def _time_of(text: str) -> time | None:
    m = _TIME_RE.match(text.strip())
    if not m:
        return None
    h = int(m.group(1))
    mi = int(m.group(2) or m.group(4) or 0)
    sec = int(m.group(3) or 0)
    if h > 23 or mi > 59 or sec > 59:
        return None
    return time(h, mi, sec)


def _local(moment: datetime, cfg: "Config") -> datetime:
    """Naive local wall time, as Excel holds it (the time zone is cfg.tz; an aware value is converted)."""
    return moment if moment.tzinfo is None else moment.astimezone(cfg.tz).replace(tzinfo=None)


def _parse_datetime(fld: Field, value: Any, cfg: "Config", date1904: bool) -> Parsed:
    zh, en = _name(fld)
    example = "2026-11-26 14:30"
    bad = _err(
        "not_a_datetime",
        f"{zh}：{_q(value)} 不是日期时间，请写成 {example}（24 小时制）",
        f"{en}: {shown(value)!r} is not a date and time; write it as {example} (24-hour clock)",
    )
    if isinstance(value, datetime):
        day = _plausible(fld, value, value.date())
        return day if day.error else Parsed(_local(value, cfg))
    if isinstance(value, date):  # an Excel date cell without a time: midnight, as Excel stores it
        day = _plausible(fld, value, value)
        return day if day.error else Parsed(_local(datetime.combine(value, time(0)), cfg))
    if isinstance(value, time):
        return _err(
            "not_a_datetime",
            f"{zh}：{_q(value)} 只有时间没有日期，请写成 {example}",
            f"{en}: {shown(value)!r} has a time but no date; write it as {example}",
        )
    if isinstance(value, str):
        s = _clean(value.translate(_NUMERIC_TABLE))
        split = _SPLIT_RE.match(s)
        if not split:
            day = _date_from_text(fld, value)
            if day.error and day.error[0] != "not_a_date":
                return day
            if day.ok:
                return _err(
                    "missing_time",
                    f"{zh}：{_q(value)} 缺少时间，请写成 {day.value.isoformat()} 14:30 这样的日期和时间",
                    f"{en}: {value!r} has no time of day; write the date and time, e.g. {day.value.isoformat()} 14:30",
                )
            return bad
        t = _time_of(split.group(2))
        if t is None:
            return bad
        day = _date_from_text(fld, split.group(1))
        if day.error:
            if day.error[0] == "not_a_date":
                return bad
            return day
        return Parsed(_local(datetime.combine(day.value, t), cfg))
    if isinstance(value, bool) or isinstance(value, timedelta):
        return bad
    if isinstance(value, (numbers.Real, Decimal)):
        num, _kind, error = _to_number(fld, value)
        if error or num is None:
            return bad
        moment = excel_serial(num, date1904)
        if moment is None:
            return bad
        day = _plausible(fld, value, moment.date())
        return day if day.error else Parsed(_local(moment, cfg))
    return bad


def _parse_month(fld: Field, value: Any, date1904: bool) -> Parsed:
    zh, en = _name(fld)
    bad = _err(
        "not_a_month",
        f"{zh}：{_q(value)} 不是月份，请写成 2026-11 或 2026年11月",
        f"{en}: {shown(value)!r} is not a month; write it as 2026-11 or 2026年11月",
    )
    if isinstance(value, str):
        s = _clean(value.translate(_NUMERIC_TABLE))
        m = _YM_RE.match(s)
        if m:
            if m.group(1):
                y, mo = int(m.group(1)), int(m.group(3))
            elif m.group(4):
                y, mo = int(m.group(4)), int(m.group(5))
            else:
                y, mo = int(m.group(8)), int(m.group(6))
            if not 1 <= mo <= 12:
                return _err(
                    "not_a_month",
                    f"{zh}：{_q(value)} 的月份 {mo} 不存在，请写成 2026-11",
                    f"{en}: {value!r} has no month {mo}; write it as 2026-11",
                )
            if not YEAR_MIN <= y <= YEAR_MAX:
                return _err(
                    "implausible_date",
                    f"{zh}：{_q(value)} 的年份 {y} 不合理，请写成 2026-11",
                    f"{en}: the year {y} in {value!r} is implausible; write e.g. 2026-11",
                )
            return Parsed(f"{y:04d}-{mo:02d}")
        day = _date_from_text(fld, value)
        if day.ok:
            return Parsed(day.value.strftime("%Y-%m"))
        if day.error and day.error[0] in ("ambiguous_date", "bad_date", "implausible_date"):
            return day
        return bad
    day = _parse_date(fld, value, date1904)
    if day.ok:
        return Parsed(day.value.strftime("%Y-%m"))
    if day.error and day.error[0] == "implausible_date":
        return day
    return bad


# --------------------------------------------------------------------------- Y/N and enums
_TRUE = frozenset({"y", "yes", "true", "是", "✓", "✔", "√", "☑", "1"})
_FALSE = frozenset({"n", "no", "false", "否", "×", "✗", "✘", "☐", "0"})


def _parse_bool(fld: Field, value: Any) -> Parsed:
    zh, en = _name(fld)
    if isinstance(value, bool):
        return Parsed(value)
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and value in (0, 1):
        return Parsed(bool(value))
    if isinstance(value, str):
        tokens = [fold(t) for t in re.split(r"[\s/|,，、]+", value) if fold(t)] or [""]
        # a combined dropdown label such as "是 Yes" counts when its words agree
        found = {t in _TRUE for t in tokens if t in _TRUE or t in _FALSE}
        if len(found) == 1 and all(t in _TRUE or t in _FALSE for t in tokens):
            return Parsed(found.pop())
    return _err(
        "not_yes_no",
        f"{zh}：{_q(value)} 不是 是/否，请填写 Y 或 N（也可写 是/否、yes/no、true/false、✓）",
        f"{en}: {shown(value)!r} is not yes or no; write Y or N (also 是/否, yes/no, true/false, ✓)",
    )


@lru_cache(maxsize=256)
def _choice_index(choices: tuple[Choice, ...]) -> Mapping[str, frozenset[str]]:
    """Folded spelling -> choice keys (more than one key: that spelling is ambiguous)."""
    index: dict[str, set[str]] = {}
    for c in choices:
        for name in (c.key, c.zh, c.en, f"{c.zh} {c.en}", f"{c.en} {c.zh}"):
            index.setdefault(fold(name), set()).add(c.key)
    return MappingProxyType({k: frozenset(v) for k, v in index.items()})


@lru_cache(maxsize=256)
def _choice_listing(choices: tuple[Choice, ...]) -> tuple[str, str]:
    """The allowed values as a not_a_choice message lists them (Chinese, English)."""
    listing_zh = "、".join(c.zh for c in choices[:12]) + ("…" if len(choices) > 12 else "")
    listing_en = ", ".join(f"{c.key} ({c.en})" for c in choices[:12]) + (", …" if len(choices) > 12 else "")
    return listing_zh, listing_en


def _parse_enum(fld: Field, value: Any, cfg: "Config") -> Parsed:
    zh, en = _name(fld)
    choices = fld.choices_for(cfg)
    if isinstance(value, str) or (isinstance(value, numbers.Real) and not isinstance(value, bool)):
        text = value if isinstance(value, str) else shown(value)
        keys = _choice_index(choices).get(fold(text), frozenset())
        if len(keys) == 1:
            return Parsed(next(iter(keys)))
        if len(keys) > 1:
            return _err(
                "ambiguous_choice",
                f"{zh}：{_q(value)} 可对应多个选项（{'、'.join(sorted(keys))}），请从下拉列表中选择",
                f"{en}: {text!r} matches several values ({', '.join(sorted(keys))}); pick one from the dropdown",
            )
    listing_zh, listing_en = _choice_listing(choices)
    return _err(
        "not_a_choice",
        f"{zh}：{_q(value)} 不是可选值，请从下拉列表中选择：{listing_zh}",
        f"{en}: {shown(value)!r} is not one of the allowed values; pick one from the dropdown: {listing_en}",
    )


# --------------------------------------------------------------------------- text
def _parse_text(fld: Field, value: Any, cfg: "Config") -> Parsed:
    if isinstance(value, str):
        text = _clean(value)
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, (numbers.Real, Decimal)):
        num, _kind, error = _to_number(fld, value)
        if error or num is None:
            return _wrong_type(fld, value, "文字", "text", "HRFR-2026-001")
        text = str(int(num)) if num == num.to_integral_value() else _plain(num)
    elif isinstance(value, (date, time)):
        text = shown(value)
    else:
        return _wrong_type(fld, value, "文字", "text", "…")
    if fld.pattern:
        return _check_pattern(fld, value, text.translate(_ASCII_TABLE).strip(), cfg)
    return Parsed(text)


def _check_pattern(fld: Field, value: Any, text: str, cfg: "Config") -> Parsed:
    pattern = cfg.forms.job_no_pattern if fld.pattern == "job_no" else fld.pattern
    try:
        ok = re.fullmatch(pattern, text) is not None
    except re.error:  # config patterns are checked at load; a schema pattern is ours
        log.exception("bad pattern %r for field %s", pattern, fld.key)
        ok = True
    if ok:
        return Parsed(text)
    zh, en = _name(fld)
    try:
        case_only = re.fullmatch(pattern, text.upper()) is not None
    except re.error:
        case_only = False
    case_zh, case_en = ("，字母须大写", "; the letters must be capitals") if case_only else ("", "")
    how_zh = f"请按格式填写，{fld.help_zh}" if fld.help_zh else "请按规定的格式填写"
    how_en = f"write it as {fld.help_en.removeprefix('e.g. ')}" if fld.help_en else "write it in the expected form"
    return _err(
        "pattern",
        f"{zh}：{_q(value)} 格式不对{case_zh}；{how_zh}（格式规则 {pattern}）",
        f"{en}: {shown(value)!r} does not have the expected form{case_en}; {how_en} (pattern {pattern})",
    )


# --------------------------------------------------------------------------- entry point
def parse_value(field: Field, value: Any, cfg: "Config", *, date1904: bool = False) -> Parsed:
    """Parse one cell's value for `field`: Parsed(value) or Parsed(None, (rule, zh, en)).

    Blank cells give Parsed(None) (required fields and defaults are the validator's
    business).  Never raises: an unexpected failure is logged and returned as an error.
    """
    try:
        if is_blank(value):
            return Parsed(None)
        return _parse(field, value, cfg, date1904)
    except Exception:  # a bug here must not stop a whole intake run
        log.exception("parser failed on field %s value %r", getattr(field, "key", "?"), value)
        zh, en = getattr(field, "zh", ""), getattr(field, "en", "")
        return _err(
            "unreadable",
            f"{zh}：无法读取 {_q(value)}，请重新输入此单元格",
            f"{en}: {shown(value)!r} could not be read; retype this cell",
        )


def _parse(fld: Field, value: Any, cfg: "Config", date1904: bool) -> Parsed:
    kind = fld.type
    if kind == "text":
        return _parse_text(fld, value, cfg)
    if kind == "enum":
        return _parse_enum(fld, value, cfg)
    if kind == "bool":
        return _parse_bool(fld, value)
    if kind == "date":
        return _parse_date(fld, value, date1904)
    if kind == "datetime":
        return _parse_datetime(fld, value, cfg, date1904)
    if kind == "month":
        return _parse_month(fld, value, date1904)
    if kind == "money":
        parsed = _parse_money(fld, value)
    elif kind == "int":
        parsed = _parse_int(fld, value)
    elif kind == "decimal":
        parsed = _parse_decimal(fld, value)
    else:  # the schema refuses unknown types; keep the parser total anyway
        return _err("wrong_type", f"{fld.zh}：未知的字段类型 {kind}", f"{fld.en}: unknown field type {kind}")
    if parsed.error:
        return parsed
    bad = _check_number(fld, value, parsed.value)
    return bad or parsed
