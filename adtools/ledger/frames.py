"""The read API every calculator consumes: a form's current records as a pandas DataFrame.

Money comes back as exact Decimal, dates as datetime64, and every row carries its
provenance (document, version, file, sheet, row, the cell of each field) so that
a figure in a report can point to `[file.xlsx]工时表!D7` (`source`, one
implementation shared with adtools.provenance).  See docs/CONTRACTS.md,
"Ledger frames".
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import pandas as pd
from sqlalchemy import or_, select

from ..errors import InputError
from ..forms.catalog import FORMS
from ..forms.schema import Field, Form
from ..provenance import source
from .tables import CURRENT, REJECTED, cell_column, documents as documents_table, form_table

if TYPE_CHECKING:
    from .store import Ledger

__all__ = ["rows", "documents", "versions", "source", "as_of_moment", "PROVENANCE_COLUMNS"]

PROVENANCE_COLUMNS = ("_document_id", "_version", "_file", "_sheet", "_row")


def as_of_moment(as_of: date | datetime | str, tz) -> datetime:  # noqa: ANN001
    """The instant a version must have been current at: the end of `as_of` (a day, in `tz`), or a given instant."""
    if isinstance(as_of, str):
        try:
            as_of = date.fromisoformat(as_of.strip())
        except ValueError:
            raise InputError(
                f"日期格式错误 / {as_of!r} is not a date. Fix: write it as YYYY-MM-DD, e.g. 2026-11-30."
            ) from None
    if isinstance(as_of, datetime):
        return as_of if as_of.tzinfo is not None else as_of.replace(tzinfo=tz)
    if isinstance(as_of, date):
        return datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=tz)
    raise InputError(f"as_of must be a date, got {as_of!r}")


def _form(form_id: str) -> Form:
    try:
        return FORMS[form_id]
    except KeyError:
        raise InputError(
            f"没有此表格 / There is no form {form_id!r}. Fix: use one of {', '.join(FORMS)}."
        ) from None


def _period_clauses(form: Form, table, period: Mapping[str, tuple[Any, Any]] | None, header_only: bool) -> list:  # noqa: ANN001
    """SQL conditions keeping the records whose field lies in [start, end] (either end None: open)."""
    if not period:
        return []
    fields = {f.key: f for f in (form.header if header_only else form.fields)}
    out = []
    for key, bounds in period.items():
        f = fields.get(key)
        if f is None or f.type not in _PERIOD_TYPES:
            usable = ", ".join(k for k, x in fields.items() if x.type in _PERIOD_TYPES) or "none"
            raise InputError(f"{form.form_id}: 不能按 {key!r} 筛选期间 / cannot select a period by {key!r}. "
                             f"Fix: use one of its date or month fields ({usable}).")
        start, end = bounds
        col = table.c[key]
        if start is not None:
            out.append(col >= _bound(f, start))
        if end is not None:
            out.append(col <= _bound(f, end))
    return out


_PERIOD_TYPES = ("date", "month", "datetime")


def _bound(f: Field, value: Any) -> Any:
    if f.type == "date":
        value = pd.Timestamp(value).date() if not isinstance(value, date) or isinstance(value, datetime) else value
    elif f.type == "month":
        value = str(value)
    elif f.type == "datetime" and (not isinstance(value, datetime) or value.tzinfo is None):
        raise InputError(f"{f.key}: an aware datetime is needed to bound a period, got {value!r}")
    return value


def _query(ledger: "Ledger", form: Form, as_of, header_only: bool,  # noqa: ANN001
           period: Mapping[str, tuple[Any, Any]] | None = None,
           fields: tuple[Field, ...] | None = None) -> dict[str, Sequence[Any]]:
    """The selected records, column by column (name -> values in record order); all columns unless `fields`."""
    t = form_table(form.form_id)
    d = documents_table
    if fields is None:
        picked = [t]
    else:
        picked = [t.c._document_id, t.c._sheet, t.c._row, *(t.c[f.key] for f in fields),
                  *(t.c[cell_column(f.key)] for f in fields)]
    q = select(*picked, d.c.version.label("__version"), d.c.rel_path.label("__file")).join(d, d.c.id == t.c._document_id)
    if as_of is None:
        q = q.where(d.c.status == CURRENT)
    else:
        moment = as_of_moment(as_of, ledger.cfg.tz)
        q = q.where(
            d.c.status != REJECTED,
            d.c.ingested_at < moment,
            or_(d.c.superseded_at.is_(None), d.c.superseded_at >= moment),
        )
    q = q.where(t.c._line == 0) if header_only else q.where(t.c._line > 0)
    for clause in _period_clauses(form, t, period, header_only):
        q = q.where(clause)
    q = q.order_by(d.c.document_key, d.c.id, t.c._line)
    with ledger.engine.connect() as conn:
        result = conn.execute(q)
        keys = list(result.keys())
        records = result.fetchall()
    if not records:
        return {k: () for k in keys}
    return dict(zip(keys, zip(*records)))


def _column(field: Field, values: list[Any], tz) -> pd.Series:  # noqa: ANN001
    t = field.type
    if t == "int":
        return pd.Series(pd.array(values, dtype="Int64"))
    if t == "date":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[ns]")
    if t == "datetime":
        s = pd.to_datetime(pd.Series(values, dtype=object), utc=True)
        return s.dt.tz_convert(tz).astype(f"datetime64[ns, {tz.key}]")
    if t == "bool":
        if any(v is None for v in values):
            return pd.Series(pd.array(values, dtype="boolean"))
        return pd.Series(values, dtype=bool)
    return pd.Series(values, dtype=object)  # text, enum, month: str / None; decimal, money: Decimal


def _frame(ledger: "Ledger", cols: dict[str, Sequence[Any]], fields: tuple[Field, ...], header_only: bool) -> pd.DataFrame:
    tz = ledger.cfg.tz
    n = len(cols["_document_id"])
    data: dict[str, pd.Series] = {}
    for f in fields:
        data[f.key] = _column(f, list(cols[f.key]), tz)
    data["_document_id"] = pd.Series(cols["_document_id"], dtype="int64")
    data["_version"] = pd.Series(cols["__version"], dtype="int64")
    data["_file"] = pd.Series(cols["__file"], dtype=object)
    data["_sheet"] = pd.Series(cols["_sheet"], dtype=object)
    data["_row"] = pd.Series(pd.array([None] * n if header_only else list(cols["_row"]), dtype="Int64"))
    for f in fields:
        data[cell_column(f.key)] = pd.Series(cols[cell_column(f.key)], dtype=object)
    return pd.DataFrame(data, index=pd.RangeIndex(n))


Period = Mapping[str, tuple[Any, Any]]


def rows(ledger: "Ledger", form_id: str, as_of: date | datetime | str | None = None, *,
         period: Period | None = None, fields: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per table row of the current version of every document of the form (as of the end of `as_of`).

    Header fields are repeated on each row; see docs/CONTRACTS.md for the columns and types.
    `period` keeps only the rows whose date or month field lies in a range, selected in SQL:
    `{"date": (first, last)}` (both ends included; None leaves an end open; several fields: all hold).
    `fields` reads only these fields (and the provenance), in the form's order.
    """
    form = _form(form_id)
    picked = _fields(form, form.fields, fields)
    return _frame(ledger, _query(ledger, form, as_of, False, period, None if fields is None else picked), picked,
                  header_only=False)


def _fields(form: Form, available: tuple[Field, ...], keys: Sequence[str] | None) -> tuple[Field, ...]:
    if keys is None:
        return available
    unknown = [k for k in keys if k not in {f.key for f in available}]
    if unknown:
        raise InputError(f"{form.form_id}: 没有字段 / has no field {', '.join(map(repr, unknown))}. "
                         f"Fix: use some of {', '.join(f.key for f in available)}.")
    return tuple(f for f in available if f.key in set(keys))


def documents(ledger: "Ledger", form_id: str, as_of: date | datetime | str | None = None, *,
              period: Period | None = None) -> pd.DataFrame:
    """One row per current document of the form (as of the end of `as_of`): header fields and provenance.

    `period`: as in `rows`, on header fields (e.g. a timesheet's `week_start`).
    """
    form = _form(form_id)
    return _frame(ledger, _query(ledger, form, as_of, True, period), form.header, header_only=True)


VERSION_COLUMNS = ("id", "form_id", "document_key", "version", "rel_path", "status", "submitter", "notify_to",
                   "ingested_at", "reason")


def versions(ledger: "Ledger") -> pd.DataFrame:
    """One row per stored file version, rejected ones included (no records): VERSION_COLUMNS, by id."""
    d = documents_table
    with ledger.engine.connect() as conn:
        result = conn.execute(select(*(d.c[c] for c in VERSION_COLUMNS)).order_by(d.c.id))
        records = [dict(r._mapping) for r in result]
    return pd.DataFrame(records, columns=list(VERSION_COLUMNS))
