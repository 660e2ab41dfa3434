"""Small ledger frames built by hand, shaped as docs/CONTRACTS.md "Ledger frames" says, for calculator tests."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable

import pandas as pd

TZ = "Asia/Shanghai"

# form -> header fields and table fields as (key, type); types: text, date, datetime, int, bool, money
FORMS: dict[str, tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]] = {
    "work_order": (
        (("order_no", "text"), ("job_no", "text"), ("brand", "text"), ("campaign", "text"), ("order_type", "text"),
         ("issued_at", "datetime"), ("issued_by", "text"), ("received_by", "text"), ("rush", "bool"),
         ("client_signed_by", "text"), ("signed_on", "date")),
        (("deliverable", "text"), ("quantity", "int"), ("requested_due", "date"), ("notes", "text")),
    ),
    "sign_off": (
        (("register_id", "text"),),
        (("job_no", "text"), ("document", "text"), ("version", "int"), ("submitted_on", "date"), ("decision", "text"),
         ("decided_on", "date"), ("signed_by", "text"), ("comments", "text"), ("amount", "money")),
    ),
    "progress": (
        (("register_id", "text"),),
        (("job_no", "text"), ("stage", "text"), ("done_on", "date"), ("owner", "text"), ("deliverable", "text"),
         ("note", "text")),
    ),
    "minutes": (
        (("title", "text"), ("job_no", "text"), ("meeting_start", "datetime"), ("meeting_end", "datetime"),
         ("important", "bool"), ("attendees", "text"), ("prepared_by", "text"), ("sent_at", "datetime")),
        (),
    ),
}  # fmt: skip

_DEFAULTS = {"quantity": 1, "rush": False, "important": False, "order_type": "new"}


def _column(values: list[Any], kind: str) -> pd.Series:
    if kind == "date":
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[ns]")
    if kind == "datetime":
        aware = [_aware(v) for v in values]
        return pd.Series(pd.to_datetime(pd.Series(aware, dtype=object), utc=True)).dt.tz_convert(TZ).astype(f"datetime64[ns, {TZ}]")
    if kind == "int":
        return pd.Series(pd.array(values, dtype="Int64"))
    if kind == "bool":
        return pd.Series([bool(v) for v in values], dtype=bool)
    if kind == "money":
        return pd.Series(values, dtype=object)  # Decimal objects
    return pd.Series(values)  # text: pandas' own string dtype where it infers one, missing as NaN


def _aware(v: Any) -> Any:
    if v is None:
        return None
    ts = pd.Timestamp(v)
    return ts.tz_localize(TZ) if ts.tzinfo is None else ts


def documents_to_frame(form: str, documents: Iterable[dict[str, Any]], *, file: str | None = None) -> pd.DataFrame:
    """One row per table row (header fields repeated); a document without `lines` gives one header-only row.

    Each document dict holds header fields and `lines` (list of dicts of table fields);
    missing fields are None (or the form's default).  Provenance: file `<form>_<n>.xlsx`,
    sheet = form, header cells in column C from row 3, table rows from row 20, table
    columns from B on.
    """
    header, table = FORMS[form]
    records = []
    for n, doc in enumerate(documents, 1):
        lines = doc.get("lines") or [{}]
        for i, line in enumerate(lines):
            rec: dict[str, Any] = {}
            for key, _ in (*header, *table):
                value = line.get(key, doc.get(key))
                rec[key] = _DEFAULTS.get(key) if value is None else value
            rec["_document_id"] = n
            rec["_version"] = 1
            rec["_file"] = doc.get("_file", file or f"{form}_{n}.xlsx")
            rec["_sheet"] = form
            rec["_row"] = 20 + i if table else None
            for h, (key, _) in enumerate(header):
                rec[f"_cell_{key}"] = f"C{3 + h}"
            for c, (key, _) in enumerate(table):
                rec[f"_cell_{key}"] = f"{chr(ord('B') + c)}{20 + i}"
            records.append(rec)
    columns = [k for k, _ in (*header, *table)]
    data = {}
    for key, kind in (*header, *table):
        data[key] = _column([r[key] for r in records], kind)
    df = pd.DataFrame(data, columns=columns)
    for p in ("_document_id", "_version"):
        df[p] = pd.Series([r[p] for r in records], dtype="int64")
    df["_file"] = [r["_file"] for r in records]
    df["_sheet"] = [r["_sheet"] for r in records]
    df["_row"] = pd.array([r["_row"] for r in records], dtype="Int64")
    for key in columns:
        df[f"_cell_{key}"] = [r[f"_cell_{key}"] for r in records]
    return df


def work_orders(*orders: dict[str, Any]) -> pd.DataFrame:
    return documents_to_frame("work_order", orders)


def sign_offs(*rows: dict[str, Any], register_id: str = "SO-2026") -> pd.DataFrame:
    return documents_to_frame("sign_off", [{"register_id": register_id, "lines": list(rows)}])


def progress(*rows: dict[str, Any], register_id: str = "PR-2026") -> pd.DataFrame:
    return documents_to_frame("progress", [{"register_id": register_id, "lines": list(rows)}])


def minutes_docs(*docs: dict[str, Any]) -> pd.DataFrame:
    return documents_to_frame("minutes", docs)


def d(text: str) -> date:
    return date.fromisoformat(text)


def at(text: str) -> datetime:
    """A Shanghai wall-clock date-time from "2026-09-30 10:00"."""
    return pd.Timestamp(text, tz=TZ).to_pydatetime()
