"""The dashboard workbook and `adtools export`: the ledger read in Excel, without a terminal."""
from __future__ import annotations

import json
import os
from datetime import date, datetime

import openpyxl
import pytest
from click.testing import CliRunner
from golden_xlsx import check_golden

from adtools import registry
from adtools.cli import main
from adtools.config import load_config
from adtools.fees import fee_statement
from adtools.forms.catalog import FORMS
from adtools.ledger import frames
from adtools.ledger.store import Ledger
from adtools.reports.dashboard import DashboardInputs, render_dashboard
from adtools.reports.export import export_form
from adtools.tasks import dashboard_task, write_dashboard

pytestmark = pytest.mark.dates

SHEETS = ["看板 Overview", "交付 Deliverables", "待确认 Awaiting client", "预算 Budget", "工时表 Timesheets",
          "退回 Rejected", "发件箱 Outbox", "任务 Jobs"]


def _inputs(cfg):
    """Hand-built inputs: the weekly test's deadlines and sign-offs, the fee test's budget."""
    from test_report_fees import statement_frames
    from test_report_weekly import summary_for

    summary = summary_for(cfg)
    ts, costs, so = statement_frames()
    statement = fee_statement(ts, costs, so, cfg, "2026-11")
    awaiting = summary.awaiting_client.assign(past_sla=True)
    return DashboardInputs(
        now=datetime(2026, 10, 16, 18, 0, tzinfo=cfg.tz), open_deliverables=summary.open_lines, awaiting_client=awaiting,
        budget=statement.budget, missing_timesheets=(("张伟", date(2026, 10, 12)),),
        rejected=[{"who": "李娜", "file": "creative/工时表_李娜.xlsx", "since": datetime(2026, 10, 15, 9, 30, tzinfo=cfg.tz),
                   "errors": 2, "reason": "2 处错误 / 2 errors"}],
        outbox=[{"id": 7, "state": "failed", "subject": "【周报 Weekly】海尔冰箱", "attempts": 6,
                 "created_at": datetime(2026, 10, 12, 9, 0, tzinfo=cfg.tz), "next_attempt_at": None,
                 "last_error": "login refused"}],
        runs=[{"job": j.name, "summary": j.summary, "last_ok_at": None, "last_ok_period": None, "last_status": None,
               "last_at": None} for j in registry.JOBS],
    )


def test_golden_dashboard(tmp_path):
    from test_fees import make_cfg

    cfg = make_cfg(tmp_path, turnaround={"creative_concept": 5})
    path = render_dashboard(cfg, _inputs(cfg), tmp_path / "看板 Dashboard.xlsx")
    check_golden(path, "dashboard")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == SHEETS
    overview = {r[0]: r[1] for r in wb["看板 Overview"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert overview["未完成交付 Open deliverables"] == 2 and overview["发件箱：失败 Outbox: failed"] == 1
    owners = [r[0] for r in wb["交付 Deliverables"].iter_rows(min_row=5, values_only=True) if r[0]]
    assert owners == sorted(owners)  # by owner, then due date


def test_the_demo_leaves_a_dashboard_on_the_shared_drive(demo_built):
    cfg = load_config(demo_built.root / "config.toml")
    assert cfg.dashboard_path == cfg.reports_dir / "看板 Dashboard.xlsx"
    line = next(ln for ln in demo_built.result.lines if ln.step == "看板 Dashboard")
    assert "dashboard written" in line.produced
    wb = openpyxl.load_workbook(cfg.dashboard_path)
    assert wb.sheetnames == SHEETS
    jobs = [r[0] for r in wb["任务 Jobs"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert jobs == [j.name for j in registry.JOBS]
    deliverables = [r for r in wb["交付 Deliverables"].iter_rows(min_row=5, values_only=True) if r[0]]
    assert any(r[4] == "逾期 overdue" for r in deliverables)


def test_a_dashboard_excel_holds_open_is_written_next_time(demo_workspace, monkeypatch):
    cfg = load_config(demo_workspace.root / "config.toml")
    before = cfg.dashboard_path.read_bytes()
    real = os.replace

    def held_open(src, dst):
        if str(dst) == str(cfg.dashboard_path):
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", held_open)
    assert write_dashboard(cfg) is None
    result = dashboard_task(cfg)
    assert (result.status, result.summary["written"]) == ("ok", False)
    assert cfg.dashboard_path.read_bytes() == before  # the old file untouched
    assert not [p for p in cfg.dashboard_path.parent.glob(".tmp-*")]  # no half file left behind
    monkeypatch.setattr(os, "replace", real)
    assert write_dashboard(cfg) == cfg.dashboard_path  # written the next time


def test_export_writes_labels_not_keys_and_each_rows_source(demo_built, tmp_path):
    root = demo_built.root
    out = tmp_path / "ts.xlsx"
    result = CliRunner().invoke(main, ["--config", str(root / "config.toml"), "export", "timesheet", "--out", str(out),
                                       "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    cfg = load_config(root / "config.toml")
    with Ledger.open(cfg) as ledger:
        frame = frames.rows(ledger, "timesheet")
    assert data["records"] == len(frame) > 0 and data["path"] == str(out)
    ws = openpyxl.load_workbook(out).worksheets[0]
    header = [c.value for c in ws[4]]
    assert header[:3] == ["员工\nStaff", "部门\nDepartment", "周起始日\nWeek starting"]
    assert header[-4:] == ["来源文件\nSource file", "工作表\nSheet", "行\nRow", "版本\nVersion"]
    first = dict(zip(header, [c.value for c in ws[5]]))
    assert first["部门\nDepartment"] in {c.label for c in FORMS["timesheet"].field("department").choices}
    assert first["来源文件\nSource file"].endswith(".xlsx") and isinstance(first["行\nRow"], int)
    assert ws.tables  # filters on every column


def test_export_refuses_an_unknown_form_and_a_bad_date(demo_built):
    cfgp = str(demo_built.root / "config.toml")
    bad = CliRunner().invoke(main, ["--config", cfgp, "export", "timesheets"])
    assert bad.exit_code == 1 and "No form 'timesheets'" in bad.output and "timesheet" in bad.output
    bad = CliRunner().invoke(main, ["--config", cfgp, "export", "timesheet", "--as-of", "2026-1-5"])
    assert bad.exit_code == 1 and "YYYY-MM-DD" in bad.output


def test_golden_export(tmp_path):
    from test_fees import make_cfg, ts_frame

    cfg = make_cfg(tmp_path)
    frame = ts_frame([("张伟", "2026-11-02", "HRFR-2026-001", "pop_artwork", "2.5")], file="creative/工时表_张伟.xlsx")
    path = export_form(cfg, frame, "timesheet", tmp_path / "export.xlsx", as_of=date(2026, 11, 20))
    check_golden(path, "export_timesheet")
