"""How the reports write a number as people do (42, 29.7, 6%) and a job number as part of a file name."""
from __future__ import annotations

from decimal import Decimal

__all__ = ["plain", "percent", "file_part"]


def plain(value: Decimal | None) -> str:
    """42 / 29.7 / 10.5: a size or a rate without trailing zeros or an exponent; "" for None."""
    return "" if value is None else f"{value.normalize():f}"


def percent(share: Decimal) -> str:
    """0.06 -> "6%", 0.125 -> "12.5%" (a config rate as people write it)."""
    return f"{plain(share * 100)}%"


def file_part(text: str, default: str) -> str:
    """`text` as part of a file name on Windows too (reserved characters become _); `default` when nothing is left."""
    return "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in str(text)).strip(" .") or default
