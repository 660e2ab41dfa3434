"""Small shared helpers of the workflow calculators: missing values, dates and times, rows in, result frames out."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from ..errors import InputError


def _missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, (list, tuple, dict, set)):
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _value(v: Any) -> Any:
    """None for every flavour of missing (None, NaN, NaT, pd.NA), else the value."""
    return None if _missing(v) else v


def _date(v: Any) -> date | None:
    """A plain date from a date, datetime or Timestamp (aware ones by their own clock); None if missing."""
    if _missing(v):
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return pd.Timestamp(v).date()


def _as_of(v: Any) -> date:
    """The as-of date of a calculator call (a date-time counts by its own date)."""
    d = _date(v)
    if d is None:
        raise InputError(
            "缺少截止日期 / as_of is missing. Fix: pass the report date, e.g. date(2026, 10, 16), "
            "or leave it out of weekly_summary to use last Friday."
        )
    return d


def _local(v: Any, tz) -> pd.Timestamp | None:
    """An aware Timestamp in `tz` (a naive value is taken as local time); None if missing."""
    if _missing(v):
        return None
    ts = pd.Timestamp(v)
    return ts.tz_localize(tz) if ts.tzinfo is None else ts.tz_convert(tz)


def _end_of(day: date, tz) -> pd.Timestamp:
    """The end of `day` in `tz`: midnight that starts the next day."""
    return pd.Timestamp(datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz))


def _text(v: Any) -> str | None:
    v = _value(v)
    return None if v is None else str(v)


def _int(v: Any) -> int | None:
    v = _value(v)
    return None if v is None else int(v)


def _flag(v: Any) -> bool:
    v = _value(v)
    return bool(v) if v is not None else False


_PROVENANCE = ("_file", "_sheet", "_row")


def _records(df: pd.DataFrame | None, fields: tuple[str, ...] | None = None, cells: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Rows as dicts; with `fields`, only those columns plus the provenance that `source()` needs for `cells`."""
    if df is None or df.empty:
        return []
    if fields is not None:
        wanted = [*fields, *_PROVENANCE, *(f"_cell_{k}" for k in cells)]
        df = df[[c for c in dict.fromkeys(wanted) if c in df.columns]]
    return df.to_dict("records")


def _frame(records: list[dict[str, Any]], columns: tuple[str, ...], dates=(), ints=()) -> pd.DataFrame:
    """A result frame with fixed columns (also when empty) and the documented types."""
    df = pd.DataFrame.from_records(records, columns=list(columns))
    for c in dates:
        df[c] = pd.to_datetime(df[c]).astype("datetime64[ns]")
    for c in ints:
        df[c] = pd.array(df[c].tolist(), dtype="Int64")
    return df
