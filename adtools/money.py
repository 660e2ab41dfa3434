"""Exact money: Decimal in yuan, quantised to the fen, rounded half up (四舍五入).

Binary floats never carry money here.  Values from config are parsed as Decimal
(tomllib's parse_float), values from workbooks by forms.parse.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["FEN", "to_decimal", "round_fen", "to_fen", "from_fen", "fmt2", "fmt_money"]

FEN = Decimal("0.01")


def to_decimal(value: object) -> Decimal:
    """Decimal from int, str or Decimal; floats via their shortest repr (never their binary value)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not an amount")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    raise TypeError(f"not a number: {value!r}")


def round_fen(value: object) -> Decimal:
    """Round to 0.01 half up: 0.125 -> 0.13, -0.125 -> -0.13."""
    return to_decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def to_fen(value: object) -> int:
    """Integer fen (cents) after half-up rounding."""
    return int(round_fen(value) * 100)


def from_fen(fen: int) -> Decimal:
    return (Decimal(int(fen)) / 100).quantize(FEN)


def fmt2(value: object) -> str:
    """Two decimals, no grouping: the JSON form of money and hours ("1234.50")."""
    return str(round_fen(value))


def fmt_money(value: object) -> str:
    """For people: ¥1,234.50."""
    d = round_fen(value)
    sign = "-" if d < 0 else ""
    return f"{sign}¥{abs(d):,.2f}"
