"""Small shared helpers of the fee calculators: exact Decimals from frame cells, fen and hundredths, sources, dates."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterable

import numpy as np
import pandas as pd

from ..errors import InputError

_MAX_LISTED = 5  # sources named in one warning


def _d(value: Any) -> Decimal | None:
    """Decimal from a frame cell (Decimal, int, str); None for missing values."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float):
        if value != value:  # NaN from an empty object column
            return None
        raise InputError(
            f"金额或小时为二进制浮点数 / A binary float {value!r} reached the fee calculation. "
            "Rule: money and hours are exact (Decimal). Fix: build the frame with Decimal values."
        )
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def _scaled_ints(series: pd.Series, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact integer value x scale for a Decimal column: (ints, ok); converts each distinct value once."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    vals = np.zeros(len(uniques) + 1, dtype=np.int64)
    good = np.zeros(len(uniques) + 1, dtype=bool)
    for i, u in enumerate(uniques):  # distinct values only (a year of timesheets has < 100)
        d = _d(u)
        if d is None or not d.is_finite():
            continue
        scaled = d * scale
        if scaled == scaled.to_integral_value():
            vals[i] = int(scaled)
            good[i] = True
    idx = np.where(codes < 0, len(uniques), codes)
    return vals[idx], good[idx]


def _centi_to_decimal(values: Iterable[int]) -> list[Decimal]:
    return [Decimal(int(v)).scaleb(-2) for v in values]


def _sources(df: pd.DataFrame, key: str) -> pd.Series:
    """`[file]sheet!cell` of field `key` for every row: adtools.provenance.source, vectorised."""
    def text(col: str) -> pd.Series:
        if col not in df.columns:
            return pd.Series([""] * len(df), index=df.index, dtype=object)
        return df[col].astype(object).where(df[col].notna(), "").astype(str)

    file, sheet, cell = text("_file"), text("_sheet"), text(f"_cell_{key}")
    where = (sheet + "!" + cell).where(sheet.ne("") & cell.ne(""), sheet)
    return ("[" + file + "]" + where).where(file.ne(""), where).astype(object)


def _as_datetime(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_localize(None)
        return series.astype("datetime64[ns]")
    return pd.to_datetime(series, errors="coerce").astype("datetime64[ns]")


def _frame(df: pd.DataFrame | None, columns: Iterable[str]) -> pd.DataFrame:
    """A copy with at least `columns` (missing ones filled with None): hand-built and empty frames both work."""
    out = pd.DataFrame() if df is None else df.copy()
    for c in columns:
        if c not in out.columns:
            out[c] = pd.Series([None] * len(out), index=out.index, dtype=object)
    return out


def _listed(sources: Iterable[str]) -> str:
    src = [s for s in sources if s]
    more = f" (+{len(src) - _MAX_LISTED})" if len(src) > _MAX_LISTED else ""
    return ", ".join(src[:_MAX_LISTED]) + more


def _period(series: pd.Series) -> pd.Series:
    return series.dt.strftime("%Y-%m")


def _fen_to_decimal(df: pd.DataFrame, keys: Iterable[str]) -> pd.DataFrame:
    out = df.copy()
    for k in keys:
        out[k] = pd.Series(_centi_to_decimal(out[k]), index=out.index, dtype=object)
    return out
