"""`adtools report fees` on a real ledger (versions stored through the ledger's store API), through Click's CliRunner."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from click.testing import CliRunner

from adtools.cli import main
from adtools.config import load_config
from adtools.ledger import frames
from adtools.ledger.store import Ledger
from tests._ledger_support import archive, form_result, source_for

pytestmark = pytest.mark.dates  # CI runs these again under faketime (.ci/run)

D = Decimal
SH = ZoneInfo("Asia/Shanghai")
JOB_A, JOB_B = "HRFR-2026-001", "HRFR-2026-002"
CONFIG = """
[paths]
watch = ["inbox"]
ledger = "var/ledger.sqlite"
reports = "var/reports"
archive = "var/archive"

[[people]]
name = "张伟"
email = "zhang.wei@agency.example"
department = "account"

[[people]]
name = "王芳"
email = "wang.fang@agency.example"
department = "creative"
"""


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=10, tzinfo=SH)


def timesheet(staff: str, week: date, rows: list[tuple[str, str | None, str, str]]):
    return form_result("timesheet", {"staff": staff, "department": "account", "week_start": week}, [
        {"date": date.fromisoformat(d), **({"job_no": job} if job else {}), "category": cat, "hours": D(h)}
        for d, job, cat, h in rows
    ])


@pytest.fixture
def workspace(tmp_path) -> Path:
    """A config file and a ledger holding two timesheet versions, another timesheet, a cost log and sign-offs."""
    path = tmp_path / "config.toml"
    path.write_text(CONFIG, encoding="utf-8")
    cfg = load_config(path)
    for d in cfg.watch_dirs:
        d.mkdir(parents=True, exist_ok=True)

    def store(led, rel, result, now):
        src = source_for(led.cfg, rel, rel.encode() + now.isoformat().encode())
        led.store_version(result, src, now=now, archive_path=archive(led.cfg, src))

    with Ledger.open(cfg) as led:
        store(led, "ts/张伟-1102.xlsx", timesheet("张伟", date(2026, 11, 2), [("2026-11-02", JOB_A, "print_creative", "8")]),
              at("2026-11-03"))
        # the corrected version supersedes it: 5 h instead of 8, and 2 non-billable hours
        store(led, "ts/张伟-1102-v2.xlsx", timesheet("张伟", date(2026, 11, 2), [
            ("2026-11-02", JOB_A, "print_creative", "5"), ("2026-11-03", None, "non_billable", "2")]), at("2026-11-09"))
        # a week spanning two months: only 11-30 belongs to November
        store(led, "ts/王芳-1130.xlsx", timesheet("王芳", date(2026, 11, 30), [
            ("2026-11-30", JOB_B, "print_artwork", "4"), ("2026-12-01", JOB_B, "print_artwork", "2")]), at("2026-12-02"))
        store(led, "costs/成本.xlsx", form_result("costs", {"register_id": "C-2026"}, [
            {"date": date(2026, 11, 5), "job_no": JOB_A, "vendor": "影棚", "cost_type": "photography", "quantity": 1,
             "amount": D("1000.00"), "billable": True},
            {"date": date(2026, 11, 6), "job_no": JOB_A, "vendor": "制版", "cost_type": "film", "film_kind": "colour_proof",
             "width_cm": D("42"), "height_cm": D("29.7"), "quantity": 1, "billable": True},
        ]), at("2026-11-10"))
        store(led, "signoff/确认.xlsx", form_result("sign_off", {"register_id": "S-2026"}, [
            {"job_no": JOB_A, "document": "design_quote", "version": 1, "submitted_on": date(2026, 10, 15),
             "decision": "approved", "decided_on": date(2026, 10, 20), "signed_by": "客户", "amount": D("7000.00")},
            {"job_no": JOB_B, "document": "design_quote", "version": 1, "submitted_on": date(2026, 10, 15),
             "decision": "approved", "decided_on": date(2026, 10, 20), "signed_by": "客户", "amount": D("1000.00")},
        ]), at("2026-11-01"))
        assert len(frames.rows(led, "timesheet")) == 4  # the superseded version is not among the current rows
    return path


def run(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def test_report_fees_json(workspace):
    result = run(workspace, "report", "fees", "--month", "2026-11", "--as-of", "2026-12-03", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # only JSON on stdout
    assert data["month"] == "2026-11" and data["currency"] == "CNY"
    assert data["jobs"] == [
        # 5 x 800 = 4000; film 380 x 2 (twice the base area) = 760; tax 5760 x 0.06 = 345.60
        {"job_no": JOB_A, "hours": "5.00", "hours_fee": "4000.00", "film": "760.00", "costs": "1000.00",
         "postage": "0.00", "subtotal": "5760.00", "tax": "345.60", "total": "6105.60"},
        {"job_no": JOB_B, "hours": "4.00", "hours_fee": "1200.00", "film": "0.00", "costs": "0.00",
         "postage": "0.00", "subtotal": "1200.00", "tax": "72.00", "total": "1272.00"},
    ]
    assert data["totals"]["subtotal"] == "6960.00" and data["totals"]["total"] == "7377.60"
    assert data["non_billable_hours"] == "2.00"
    assert len(data["missing_timesheets"]) == 8  # 5 weeks x 2 people, less the 2 received
    assert {"staff": "王芳", "week_start": "2026-11-02"} in data["missing_timesheets"]
    assert data["over_budget"] == [{"job_no": JOB_B, "approved": "1000.00", "actual": "1272.00", "share": "1.2720"}]

    cfg = load_config(workspace)
    book = openpyxl.load_workbook(cfg.reports_dir / "fees" / "收费清单_fees_2026-11.xlsx")
    cells = [c.value for row in book["收费明细 Lines"].iter_rows() for c in row if isinstance(c.value, str)]
    assert "[ts/张伟-1102-v2.xlsx]工时表!D8" in cells  # the current version's cell, not the superseded one's
    assert not any("张伟-1102.xlsx" in c for c in cells)


def test_report_fees_table_job_and_out(workspace, tmp_path):
    out = tmp_path / "elsewhere"
    result = run(workspace, "report", "fees", "--month", "2026-11", "--job", JOB_B, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert JOB_B in result.stdout and JOB_A not in result.stdout.replace(JOB_B, "")
    assert "¥1,272.00" in result.stdout
    assert (out / f"收费清单_fees_2026-11_{JOB_B}.xlsx").is_file()
    assert "over its approved quote" in result.stderr


def test_report_fees_as_of(workspace):
    """As of 2026-11-05: the latest versions count (the corrected timesheet); later weeks are not yet missing."""
    result = run(workspace, "report", "fees", "--month", "2026-11", "--as-of", "2026-11-05", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [(j["job_no"], j["hours"]) for j in data["jobs"]] == [(JOB_A, "5.00"), (JOB_B, "4.00")]
    assert data["missing_timesheets"] == [{"staff": "王芳", "week_start": "2026-11-02"}]


def test_report_fees_as_of_defaults_to_today(workspace):
    """Without --as-of, weeks after today are not listed as missing (whatever today is)."""
    from datetime import datetime

    today = datetime.now(load_config(workspace).tz).date()
    data = json.loads(run(workspace, "report", "fees", "--month", "2026-11", "--json").stdout)
    assert all(date.fromisoformat(m["week_start"]) <= today for m in data["missing_timesheets"])


@pytest.mark.parametrize("month", ["2026-13", "11/2026", "2026-1", "next"])
def test_bad_month_is_a_clear_message(workspace, month):
    result = run(workspace, "report", "fees", "--month", month)
    assert result.exit_code == 2
    assert "Invalid value for '--month'" in result.stderr
    assert "YYYY-MM" in result.stderr and "--month 2026-11" in result.stderr
    assert "Traceback" not in result.output


def test_bad_as_of_is_refused(workspace):
    result = run(workspace, "report", "fees", "--month", "2026-11", "--as-of", "2026-11-31")
    assert result.exit_code == 2 and "--as-of" in result.stderr
    assert "日期无效 / Not a date: '2026-11-31'" in result.stderr and "--as-of 2026-11-20" in result.stderr
    weekly = run(workspace, "report", "weekly", "--as-of", "20/11/2026")
    assert weekly.exit_code == 2 and "日期无效 / Not a date: '20/11/2026'" in weekly.stderr


def test_report_fees_send_queues_once(workspace):
    from adtools.mail import list_messages, message_bytes, open_outbox
    from adtools.mail.message import parse_eml

    first = run(workspace, "report", "fees", "--month", "2026-11", "--send", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["month"] == "2026-11"  # --json still prints only the statement
    assert "Queued for finance@agency.example" in first.stderr
    again = run(workspace, "report", "fees", "--month", "2026-11", "--send")
    assert again.exit_code == 0, again.output
    assert "not queued twice" in again.stderr
    cfg = load_config(workspace)
    engine = open_outbox(cfg)
    try:
        entries = list_messages(cfg, engine)
        eml = parse_eml(message_bytes(engine, entries[0].id))
    finally:
        engine.dispose()
    assert [a.get_filename() for a in eml.iter_attachments()] == ["收费清单_fees_2026-11.xlsx"]
    html = eml.get_body(("html",)).get_content()
    assert "¥7,377.60" in html and "Non-billable hours" in html
    assert [(e.report, e.period, e.subject, e.recipients, e.state) for e in entries] == [
        ("fees", "2026-11", "【收费清单 Fees】海尔冰箱 收费清单 2026-11", ("finance@agency.example",), "queued")]
