"""`adtools demo` end to end: every job runs, one .eml per report, a second run changes nothing."""
from __future__ import annotations

import json
from datetime import date, datetime, time
from email import message_from_bytes, policy

import openpyxl
import pytest
from click.testing import CliRunner

from adtools.cli import main
from adtools.config import load_config
from adtools.demo import run_demo
from adtools.ledger.store import Ledger

pytestmark = pytest.mark.dates  # CI runs these again under faketime (.ci/run)

TODAY = date(2026, 11, 26)


def test_demo_end_to_end_and_again(demo_workspace):
    root = demo_workspace.root
    first = demo_workspace.result
    steps = [line.step for line in first.lines]
    for wanted in ("读入 Ingest", "周报 Weekly progress", "收费清单 Fee statement", "对账报告 Reconciliation", "报价 Priced quote",
                   "邮件 Mail"):
        assert wanted in steps, steps
    cfg = load_config(root / "config.toml")

    # every report has its workbook and exactly one .eml carrying it; the archive's job mails its rights alert
    emls = sorted(cfg.outbox_dir.glob("*.eml"))
    assert len(emls) == 10, emls
    subjects = {}
    for eml in emls:
        msg = message_from_bytes(eml.read_bytes(), policy=policy.default)
        subjects[msg["Subject"]] = [a.get_filename() for a in msg.iter_attachments()]
        html = msg.get_body(("html",)).get_content()
        assert "style=" in html and "<style" not in html
    assert subjects == {
        "【周报 Weekly】海尔冰箱 工作进展 截至 2026-11-20": ["周报_weekly_2026-11-20.xlsx"],
        "【内部周报 Internal weekly】海尔冰箱 工作进展（内部） 截至 2026-11-20": ["内部周报_weekly_internal_2026-11-20.xlsx"],
        "【收费清单 Fees】海尔冰箱 收费清单 2026-10": ["收费清单_fees_2026-10.xlsx"],
        "【对账 Reconciliation】海尔冰箱 媒体核对及付款对账 截至 2026-11-26": ["对账报告_reconciliation_2026-11-26.xlsx"],
        "【存档 Archive】海尔冰箱 授权到期提醒 Rights ending MR-2026-001 还剩 14 天 14 days left":
            ["存档与授权_archive_2026-11-26.xlsx"],
        # each monitoring part of the previous month on its own (all three are due by the 26th)
        "【媒体监测 Monitoring】海尔冰箱 媒体监测报告 刊登与新广告 2026-10 placements":
            ["媒体监测_monitoring_2026-10_placements.xlsx"],
        "【媒体监测 Monitoring】海尔冰箱 媒体监测报告 行业投放量 2026-10 industry": ["媒体监测_monitoring_2026-10_industry.xlsx"],
        "【媒体监测 Monitoring】海尔冰箱 媒体监测报告 竞争对手 2026-10 competitors":
            ["媒体监测_monitoring_2026-10_competitors.xlsx"],
        # the first flight ended more than [sla] market_analysis_days ago; the second has not
        "【市场分析 Market】海尔冰箱 市场分析 「鲜活冰箱」2026秋冬推广 第一波": ["市场分析_market_「鲜活冰箱」2026秋冬推广_第一波.xlsx"],
        # … and more than [sla] execution_report_days ago: its execution report too
        "【执行报告 Execution】海尔冰箱 执行报告 「鲜活冰箱」2026秋冬推广 第一波": ["执行报告_flight_「鲜活冰箱」2026秋冬推广_第一波.xlsx"],
    }
    weekly = openpyxl.load_workbook(cfg.reports_dir / "weekly" / "周报_weekly_2026-11-20.xlsx")
    assert weekly.sheetnames[0] == "摘要 Summary"
    quotes = sorted(p.name for p in (cfg.reports_dir / "quotes").glob("*.xlsx"))
    assert len(quotes) == 2

    # the story's planted events show in the Monday report
    out = CliRunner().invoke(main, ["--config", str(root / "config.toml"), "report", "weekly_internal", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["as_of"] == "2026-11-20"
    assert len(data["overdue"]) == 1 and len(data["due_soon"]) == 1
    assert len(data["awaiting_client"]) == 1 and len(data["gate_violations"]) == 1

    # second run: every file unchanged, nothing new queued, nothing sent
    second = run_demo(root, today=TODAY)
    ingest = next(line for line in second.lines if line.step == "读入 Ingest")
    assert "读入 ingested 0" in ingest.produced and f"未变 unchanged {_workbooks(cfg)}" in ingest.produced
    assert all("mail already queued" in line.produced for line in second.lines if line.step in ("周报 Weekly progress", "收费清单 Fee statement",
                                                                                        "存档与授权 Archive and rights"))
    assert "发出 sent 0" in next(line for line in second.lines if line.step == "邮件 Mail").produced
    assert sorted(cfg.outbox_dir.glob("*.eml")) == emls

    # every job run is recorded in the ledger with its period
    with Ledger.open(cfg) as ledger:
        assert ledger.last_run("weekly_progress")["period"] == "2026-11-20"
        assert ledger.last_run("fees_statement")["period"] == "2026-10"
        assert ledger.last_run("archive_watch")["period"] == "2026-11-26"


def test_demo_cli_json(tmp_path):
    out = CliRunner().invoke(main, ["demo", str(tmp_path / "d"), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["steps"] and data["root"].endswith("d")


def test_run_command_runs_a_job(demo_workspace):
    cfg_path = str(demo_workspace.root / "config.toml")
    out = CliRunner().invoke(main, ["--config", cfg_path, "run", "ingest", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    cfg = load_config(demo_workspace.root / "config.toml")
    assert data["job"] == "ingest" and data["status"] == "ok" and data["summary"]["unchanged"] == _workbooks(cfg)


def test_jobs_modules_call_the_tasks(demo_workspace):
    from jobs import JOBS

    cfg = load_config(demo_workspace.root / "config.toml")
    now = datetime.combine(TODAY, time(9, 30), tzinfo=cfg.tz)
    assert set(JOBS) <= set(cfg.schedule)
    result = JOBS["weekly_progress"](cfg, now=now)
    assert result.status == "done" and result.period == "2026-11-20" and result.queued == []  # the demo made it
    assert JOBS["mail_flush"](cfg, now=now).status == "ok"


def _workbooks(cfg) -> int:
    """How many workbooks the demo's story writes."""
    from adtools.demo.story import demo_documents
    from adtools.workflow import last_friday

    return len(demo_documents(cfg, last_friday(TODAY)))
