"""The fields a calculator declares it reads are enough: reading only those gives the very same results.

The reconciliation reads only `reconcile.FIELDS_READ` of the monitoring log and the
timesheets, the archive report only `rights.MONITORING_FIELDS` of the monitoring log
(their largest forms: a year holds 24,000 clippings and 52,000 timesheet rows).  Should a
calculator start to use another field, these tests fail before a report silently reads it blank.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from adtools.config import load_config
from adtools.ledger import frames
from adtools.ledger.store import Ledger
from adtools.reconcile import FIELDS_READ, reconcile
from adtools.reports.reconciliation import FORMS_READ
from adtools.rights import MONITORING_FIELDS, rights_summary

pytestmark = pytest.mark.dates  # the demo's dates follow the clock

_RESULT_FRAMES = ("insertions", "exceptions", "campaigns", "ageing", "bills", "pay_when_paid")


def test_the_reconciliation_of_the_declared_fields_is_the_reconciliation_of_every_field(demo_built):
    cfg = load_config(demo_built.root / "config.toml")
    as_of = date(2026, 12, 20)
    with Ledger.open(cfg) as ledger:
        whole = {f: frames.rows(ledger, f) for f in FORMS_READ}
        declared = {f: frames.rows(ledger, f, fields=FIELDS_READ.get(f)) for f in FORMS_READ}
    assert set(FIELDS_READ) == {"monitoring", "timesheet"}
    assert all(len(declared[f].columns) < len(whole[f].columns) for f in FIELDS_READ)  # fewer columns read
    assert not whole["monitoring"].empty and not whole["timesheet"].empty
    full, lean = reconcile(whole, cfg, as_of), reconcile(declared, cfg, as_of)
    assert lean.to_json() == full.to_json()
    for name in _RESULT_FRAMES:
        a, b = getattr(full, name), getattr(lean, name)
        shared = [c for c in a.columns if c in b.columns]
        pd.testing.assert_frame_equal(b[shared], a[shared], obj=name)
        # a column only the whole frames give would be a field of the form copied through, never read
        assert set(a.columns) - set(b.columns) <= {c for f in FIELDS_READ for c in whole[f].columns}, name


def test_the_rights_of_the_declared_monitoring_fields_are_the_rights_of_every_field(demo_built):
    cfg = load_config(demo_built.root / "config.toml")
    with Ledger.open(cfg) as ledger:
        read = {"archive": frames.rows(ledger, "archive"), "media_schedule": frames.rows(ledger, "media_schedule"),
                "sign_off": frames.rows(ledger, "sign_off"), "minutes": frames.documents(ledger, "minutes")}
        whole = frames.rows(ledger, "monitoring")
        lean = frames.rows(ledger, "monitoring", fields=MONITORING_FIELDS)
    as_of = date(2026, 11, 26)
    full = rights_summary(cfg, **read, monitoring=whole, as_of=as_of)
    declared = rights_summary(cfg, **read, monitoring=lean, as_of=as_of)
    assert full.expired_in_use and any(r["clipping_ref"] for r in full.expired_in_use)  # the proof is exercised
    assert declared == full
