"""The fee standard's prices: hourly rates by date (the rate cards) and film priced by size."""
from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..money import round_fen

__all__ = ["film_price", "film_rates"]


def film_price(cfg: Any, kind: str, width_cm: Decimal, height_cm: Decimal, quantity: int = 1) -> Decimal:
    """Price per piece of the kind x (w x h) / (base w x base h) x quantity, rounded half up."""
    per_piece = film_rates(cfg).get(kind)
    if per_piece is None:
        raise InputError(
            f"未知的软片类型 / Unknown film kind {kind!r}. Rule: film is bw or colour_proof ([film]). Fix: use one of those."
        )
    with localcontext() as ctx:
        ctx.prec = 60
        exact = per_piece * Decimal(width_cm) * Decimal(height_cm) * Decimal(int(quantity)) / _base_area(cfg)
        return round_fen(exact)


def film_rates(cfg: Any) -> dict[str, Decimal]:
    """Price per piece at the base size, by film kind ([film])."""
    return {"bw": cfg.film.bw, "colour_proof": cfg.film.colour_proof}


def _base_area(cfg: Any) -> Decimal:
    return cfg.film.base_width_cm * cfg.film.base_height_cm


def _rate_table(cfg: Any) -> tuple[np.ndarray, pd.DataFrame]:
    """Effective dates (datetime64) of the cards and a (card, category, rate) frame.

    Card 0 is `[rates]`; card i is the rates in force from the i-th [[rate_cards]] date on,
    so `np.searchsorted(dates, work_date, side="right")` is the card in force on a work date.
    """
    eff = [c.effective_from for c in cfg.rate_cards]
    tables = [dict(cfg.rates)] + [dict(cfg.rates_on(d)) for d in eff]
    rows = [(i, cat, rate) for i, t in enumerate(tables) for cat, rate in t.items()]
    frame = pd.DataFrame(rows, columns=["card", "category", "rate"])
    frame["card"] = frame["card"].astype(np.int64)
    return np.array(eff, dtype="datetime64[ns]"), frame
