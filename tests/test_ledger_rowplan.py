"""The records' fast insert: each value lands in its own column, converted as its column type converts it.

`_RowPlan` builds the driver's rows itself (SQLAlchemy's per-row dict and parameter
handling were most of a batch's store time); these tests pin what it hands the driver
against what the column types themselves make of the same record, on SQLite (positional
parameters) and PostgreSQL (named ones), and in whatever order a driver takes them.
"""
from __future__ import annotations

import random
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from adtools.forms.catalog import FORMS
from adtools.ledger.store import _RowPlan, to_db_value
from adtools.ledger.tables import cell_column, form_table

from tests._ledger_support import timesheet

SH = ZoneInfo("Asia/Shanghai")


def _expected(result, dialect) -> list[dict]:
    """What the table's own column types make of each line: the header (line 0), then every row."""
    form = FORMS[result.form_id]
    table = form_table(form.form_id)

    def conv(name, value):
        bind = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        return value if value is None or bind is None else bind(value)

    def fields(fs, rec):
        out = {}
        for f in fs:
            out[f.key] = conv(f.key, to_db_value(f.type, rec.values.get(f.key), SH))
            out[cell_column(f.key)] = rec.cells.get(f.key) or None
        return out

    head = fields(form.header, result.header)
    blank = {k: None for f in form.columns for k in (f.key, cell_column(f.key))}
    lines = [{"_document_id": 7, "_line": 0, "_sheet": result.sheet, "_row": None, **head, **blank}]
    for i, rec in enumerate(result.rows, 1):
        lines.append({"_document_id": 7, "_line": i, "_sheet": result.sheet, "_row": rec.row, **head,
                      **fields(form.columns, rec)})
    return lines


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()], ids=["sqlite", "postgresql"])
def test_every_value_lands_in_its_column(dialect):
    result = timesheet(hours=["7.5", "8", "0.25"])
    form = FORMS["timesheet"]
    plan = _RowPlan(form, dialect)
    got = [dict(zip(plan.names, row)) for row in plan.rows(form, 7, result, SH)]
    assert got == _expected(result, dialect)
    assert any(isinstance(v, str) and v == "7.5" for v in got[1].values()) == (dialect.name == "sqlite")  # text on SQLite
    columns = {c.name for c in form_table("timesheet").columns} - {"_id"}
    assert set(plan.names) == columns  # a named driver gets every column by its name


def test_a_driver_taking_parameters_in_another_order_gets_them_in_that_order():
    result = timesheet(hours=["4", "2.5"])
    form = FORMS["timesheet"]
    plan = _RowPlan(form, sqlite.dialect())
    assert plan.order is None  # SQLite takes them in the table's order: rows go as built
    natural = [dict(zip(plan.names, row)) for row in plan.rows(form, 7, result, SH)]
    order = list(range(len(plan.names)))
    random.Random(3).shuffle(order)
    plan.names, plan.order = [plan.names[i] for i in order], order
    assert [dict(zip(plan.names, row)) for row in plan.rows(form, 7, result, SH)] == natural
