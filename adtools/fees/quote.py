"""Quote pricing: a quote document's lines priced by the fee standard, with subtotal, tax and total."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from typing import Any, Iterable, Mapping

import pandas as pd

from ..errors import InputError
from ..money import fmt2, round_fen
from ._money_frames import _d
from .rates import film_price

__all__ = ["PricedLine", "PricedQuote", "price_quote"]

_ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PricedLine:
    """One quote line with its price."""

    line_type: str
    category: str | None
    description: str | None
    hours: Decimal | None
    rate: Decimal | None
    width_cm: Decimal | None
    height_cm: Decimal | None
    quantity: int
    amount: Decimal
    unit_price: Decimal | None = None  # per hour (hours) or per piece at the line's own size (film); None otherwise


@dataclass(frozen=True)
class PricedQuote:
    """A quote priced by the fee standard: lines, subtotal, tax, total."""

    job_no: str
    quote_type: str
    version: int
    quote_date: date
    prepared_by: str | None
    lines: tuple[PricedLine, ...]
    subtotal: Decimal
    tax: Decimal
    total: Decimal
    warnings: tuple[str, ...] = ()

    @property
    def number(self) -> str:
        """The quote number printed on the document: `QT-HRFR-2026-001-PRODUCTION-V2` (job, type, version)."""
        return f"QT-{self.job_no}-{self.quote_type.upper()}-V{self.version}"

    def to_json(self) -> dict[str, Any]:
        """The `--json` document of `adtools quote price`."""
        return {
            "job_no": self.job_no,
            "quote_type": self.quote_type,
            "version": self.version,
            "lines": [
                {"line_type": ln.line_type, "category": ln.category, "amount": fmt2(ln.amount)} for ln in self.lines
            ],
            "subtotal": fmt2(self.subtotal),
            "tax": fmt2(self.tax),
            "total": fmt2(self.total),
        }


def price_quote(header: Mapping[str, Any], lines: pd.DataFrame | Iterable[Mapping[str, Any]], cfg: Any) -> PricedQuote:
    """Price a quote document: hours at the rates in force on quote_date, film pro rata,
    costs x (1 + oop_markup), postage at cost; each line rounded half up; tax on the subtotal.

    `header`: the quote's header fields (job_no, quote_type, version, prepared_by, quote_date);
    `lines`: its table rows (line_type, category, description, hours, width_cm, height_cm,
    quantity, amount), as a frame or as mappings.  Hours and amounts are line totals;
    quantity multiplies film lines only.
    """
    quote_date = header.get("quote_date")
    if isinstance(quote_date, pd.Timestamp):
        quote_date = quote_date.date()
    if not isinstance(quote_date, date):
        raise InputError(
            f"报价单缺少报价日期 / The quote has no usable quote_date ({quote_date!r}). "
            "Rule: hours are priced at the rates in force on the quote date. Fix: fill in 报价日期 Quote date."
        )
    records = lines.to_dict("records") if isinstance(lines, pd.DataFrame) else [dict(r) for r in lines]
    rates = cfg.rates_on(quote_date)
    markup = Decimal(1) + cfg.fees.oop_markup
    priced: list[PricedLine] = []
    warnings: list[str] = []
    for i, r in enumerate(records, 1):  # a quote has a handful of lines
        lt = r.get("line_type")
        cat = r.get("category") or None
        qty_raw = r.get("quantity")
        qty = 1 if qty_raw is None or pd.isna(qty_raw) else int(qty_raw)
        hours, width, height, amount = (_d(r.get(k)) for k in ("hours", "width_cm", "height_cm", "amount"))
        rate = unit = None
        if lt == "hours":
            rate = rates.get(cat)
            if rate is None or hours is None:
                raise InputError(
                    f"报价第 {i} 行无法计价 / Quote line {i}: hours line needs a rate category of [rates] and hours "
                    f"(category {cat!r}, hours {hours}). Fix: use one of {', '.join(rates)} and fill in the hours."
                )
            with localcontext() as ctx:
                ctx.prec = 60
                price = round_fen(hours * rate)
            unit = rate
        elif lt == "film":
            if width is None or height is None:
                raise InputError(
                    f"报价第 {i} 行缺少软片尺寸 / Quote line {i}: a film line needs width and height (cm). Fix: fill them in."
                )
            price = film_price(cfg, str(cat), width, height, qty)
            unit = film_price(cfg, str(cat), width, height, 1)  # the price of one piece at this size
        elif lt in ("cost", "postage"):
            if amount is None:
                raise InputError(
                    f"报价第 {i} 行缺少金额 / Quote line {i}: a {lt} line needs its amount. Fix: fill in 金额 Amount."
                )
            with localcontext() as ctx:
                ctx.prec = 60
                price = round_fen(amount * markup if lt == "cost" else amount)
        else:
            raise InputError(
                f"报价第 {i} 行类型未知 / Quote line {i}: unknown line type {lt!r}. Fix: use hours, cost, film or postage."
            )
        if lt != "film" and qty != 1:
            warnings.append(
                f"报价第 {i} 行的数量 {qty} 未参与计算（小时和金额为整行合计） / line {i}: quantity {qty} is not applied "
                "(hours and amounts are line totals; quantity multiplies film only)"
            )
        priced.append(PricedLine(lt, cat, r.get("description") or None, hours, rate, width, height, qty, price, unit))
    subtotal = sum((p.amount for p in priced), _ZERO)
    tax = round_fen(subtotal * cfg.fees.tax_rate)
    version = header.get("version")
    return PricedQuote(
        job_no=str(header.get("job_no") or ""),
        quote_type=str(header.get("quote_type") or ""),
        version=int(version) if version is not None else 0,
        quote_date=quote_date,
        prepared_by=header.get("prepared_by"),
        lines=tuple(priced),
        subtotal=subtotal,
        tax=tax,
        total=subtotal + tax,
        warnings=tuple(warnings),
    )
