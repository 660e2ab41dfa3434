"""The reconciliation report: golden workbook, the demo's planted exceptions, the command."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest
from click.testing import CliRunner

from adtools.cli import main
from adtools.config import load_config
from adtools.ledger import frames
from adtools.ledger.store import Ledger
from adtools.reports.reconciliation import build_reconciliation
from golden_xlsx import check_golden
from test_reconcile import money_frames

pytestmark = pytest.mark.dates


def test_golden_reconciliation(cfg, tmp_path, monkeypatch):
    """The hand-computed frames of test_reconcile, written by build_reconciliation as the command does."""
    current = money_frames()
    monkeypatch.setattr(frames, "rows", lambda ledger, form_id, **_: current.get(form_id))  # the fields read: all
    report = build_reconciliation(cfg, ledger=None, as_of=date(2026, 12, 20), out_dir=tmp_path)
    check_golden(report.files[0], "reconciliation_2026-12-20")
    assert report.data["campaigns"][0]["balance"] == "-5692.00"  # 17000 − (14000 + 8692): a regenerated golden holds it
    wb = openpyxl.load_workbook(report.files[0])
    assert wb.sheetnames == ["汇总 Summary", "预付款 Prepayment", "刊登核对 Insertions", "异常 Exceptions",
                             "付款对账 Payments", "账龄明细 Ageing detail", "待付媒体款 Pay when paid"]
    assert wb["预付款 Prepayment"]._charts  # the waterfall, a native chart
    assert "Reconciliation" in report.subject and "2026-12-20" in report.subject
    assert "<table" in report.html and "=HYPERLINK" not in report.html


def test_the_demo_shows_its_planted_mismatch_and_cancelled_booking(demo_built):
    cfg = load_config(demo_built.root / "config.toml")
    with Ledger.open(cfg) as ledger:
        report = build_reconciliation(cfg, ledger, as_of=date(2026, 11, 20), out_dir=demo_built.root / "var" / "check")
    data = report.data
    statuses = [i["status"] for i in data["insertions"]]
    assert "cancelled" in statuses
    differs = [e for e in data["exceptions"] if e["type"] == "amount_differs"]
    assert len(differs) == 1 and D(differs[0]["difference"]) == D("3000.00")  # the invoice planted 3000 over
    kinds = {e["type"] for e in data["exceptions"]}
    assert {"ran_not_invoiced", "invoiced_not_seen"} <= kinds  # the booking not yet invoiced, the one not seen
    assert statuses.count("matched") == 3


def test_the_command_prints_json(demo_built):
    result = CliRunner().invoke(main, ["--config", str(demo_built.root / "config.toml"), "report", "reconciliation",
                                       "--as-of", "2026-11-20", "--json", "--out", str(demo_built.root / "var" / "cli")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["as_of"] == "2026-11-20" and data["campaigns"] and data["ageing"]
