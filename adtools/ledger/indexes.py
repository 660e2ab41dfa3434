"""Read-side indexes of the form tables: the fields reports select a period by (`frames.rows(period=...)`).

Declared on the tables, so a new ledger gets them with its form tables; the
migration adds them to a ledger made before them.  Only the fields a report
selects by are indexed: every index is paid for on every insert.
"""
from __future__ import annotations

from sqlalchemy import Index
from sqlalchemy.engine import Connection

from .db import migration
from .tables import form_table

# (form, field): the monitoring report reads the clippings of its 13 months by their date
PERIOD_FIELDS = (("monitoring", "date"),)

PERIOD_INDEXES = tuple(
    Index(f"ix_f_{form_id}_{key}", form_table(form_id).c[key]) for form_id, key in PERIOD_FIELDS
)


@migration(40, "read-side indexes of the fields reports select a period by")
def _m40_period_indexes(conn: Connection) -> None:
    for index in PERIOD_INDEXES:
        index.create(conn, checkfirst=True)
