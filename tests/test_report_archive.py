"""The archive and rights report: workbook (golden), HTML and JSON; `adtools report archive`; archive_watch's alerts once each."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal as D

import openpyxl
import pytest
from click.testing import CliRunner
from golden_xlsx import check_golden
from handmade_frames import at, d, minutes_docs, sign_offs
from handmade_rights import archive, monitoring, schedule, schedules

from adtools import registry
from adtools.cli import main
from adtools.config import config_from_dict, load_config
from adtools.ledger.store import Ledger
from adtools.reports.archive import KEY, render_archive
from adtools.rights import rights_summary
from adtools.tasks import archive_watch_task, run_task
from tests._ledger_support import archive as archive_copy
from tests._ledger_support import form_result, source_for, write_config_file

AS_OF = date(2026, 11, 26)
JOB, MEDIA_JOB = "HRFR-2026-001", "HRFR-2026-002"


@pytest.fixture
def cfg(tmp_path):
    return config_from_dict({}, base_dir=tmp_path)


def summary_for(cfg, unread_scope="华东地区"):
    reg = archive(
        {"doc_id": "MR-2026-001", "job_no": JOB, "doc_type": "model_release", "title": "模特肖像权协议（林小雨）",
         "rights_start": d("2026-06-01"), "rights_end": d("2026-12-16"), "scope": "平面广告及卖场POP，中国大陆",
         "location": "档案柜A-03"},
        {"doc_id": "FL-2026-002", "job_no": MEDIA_JOB, "doc_type": "footage_licence", "title": "背景图授权 =HYPERLINK(\"x\")",
         "rights_start": d("2026-09-01"), "rights_end": d("2026-11-10"), "scope": "北京晚报、新民晚报", "location": "共享盘"},
        {"doc_id": "FL-2026-003", "job_no": MEDIA_JOB, "doc_type": "footage_licence", "title": "图库授权",
         "rights_end": d("2027-03-31"), "scope": unread_scope, "location": "共享盘"},
        {"doc_id": "SC-2026-001", "job_no": JOB, "doc_type": "signed_creative", "title": "主画面签字稿",
         "signed_on": d("2026-11-16"), "location": "档案柜A-03"},
    )
    plan = schedules(schedule(
        MEDIA_JOB,
        {"media": "人民日报", "city": "北京", "date": d("2026-11-09"), "booking_ref": "OMD-261109-01"},
        {"media": "新民晚报", "city": "上海", "date": d("2026-11-10"), "booking_ref": "OMD-261110-02"},
        {"media": "新民晚报", "city": "上海", "date": d("2026-11-12"), "booking_ref": "OMD-261112-03", "size": "半版"},
        {"media": "广州日报", "city": "广州", "date": d("2026-12-02"), "booking_ref": "OMD-261202-04"},
    ))
    clips = monitoring({"date": d("2026-11-12"), "media": "新民晚报", "city": "上海", "advertiser": "海尔", "size": "半版",
                        "clipping_ref": "JB-202611-007"})
    signed = sign_offs({"job_no": MEDIA_JOB, "document": "media_schedule", "version": 1, "submitted_on": d("2026-10-20"),
                        "decision": "approved", "decided_on": d("2026-10-22"), "amount": D("100000.00")})
    meetings = minutes_docs({"title": "第一波投放回顾会", "job_no": MEDIA_JOB, "meeting_start": at("2026-11-18 14:00"),
                             "meeting_end": at("2026-11-18 16:00")})
    return rights_summary(cfg, archive=reg, media_schedule=plan, sign_off=signed, minutes=meetings, monitoring=clips,
                          as_of=AS_OF)


def test_archive_json_has_the_issue_shape(cfg, tmp_path):
    result = render_archive(cfg, summary_for(cfg), tmp_path)
    data = json.loads(json.dumps(result.data))
    assert set(data) == {"as_of", "expiring", "expired_in_use", "outside_scope", "missing_archive", "missing_client_copy"}
    assert data["expiring"] == [{"doc_id": "MR-2026-001", "job_no": JOB, "doc_type": "model_release",
                                 "rights_end": "2026-12-16", "days_left": 20}]
    assert data["expired_in_use"] == [
        {"doc_id": "FL-2026-002", "job_no": MEDIA_JOB, "rights_end": "2026-11-10", "media": "新民晚报", "date": "2026-11-12",
         "booking_ref": "OMD-261112-03", "clipping_ref": "JB-202611-007"},
        {"doc_id": "FL-2026-002", "job_no": MEDIA_JOB, "rights_end": "2026-11-10", "media": "广州日报", "date": "2026-12-02",
         "booking_ref": "OMD-261202-04", "clipping_ref": None},
    ]
    assert [(r["doc_id"], r["reason"], r["booking_ref"]) for r in data["outside_scope"]] == [
        ("FL-2026-002", "media", "OMD-261109-01"), ("FL-2026-003", "unread", None)]
    assert data["missing_archive"] == [
        {"job_no": MEDIA_JOB, "document": "media_schedule", "version": 1},
        {"job_no": MEDIA_JOB, "document": "minutes", "version": None},
    ]
    assert data["missing_client_copy"] == [{"doc_id": "SC-2026-001", "job_no": JOB, "signed_on": "2026-11-16",
                                            "due": "2026-11-19", "working_days_late": 5}]
    assert result.subject == "【存档 Archive】海尔冰箱 存档与授权 截至 2026-11-26"


def test_archive_workbook_sheets_colours_and_sources(cfg, tmp_path):
    result = render_archive(cfg, summary_for(cfg), tmp_path)
    wb = openpyxl.load_workbook(result.files[0])
    assert wb.sheetnames == ["摘要 Summary", "即将到期 Expiring", "过期仍在用 Expired in use", "超出范围 Outside scope",
                             "缺少存档 Missing archive", "未交客户 Client copy"]
    ws = wb["过期仍在用 Expired in use"]
    assert ws.auto_filter.ref is not None
    row = [c.value for c in ws[5]]
    assert row[0] == "FL-2026-002" and row[8] == "已刊出 ran" and row[9] == "JB-202611-007"
    assert row[12] == "[monitoring_1.xlsx]monitoring!B20"
    assert ws.cell(5, 1).fill.fgColor.rgb.endswith("F8CBAD")  # red: a legal risk
    assert [c.value for c in ws[6]][8] == "尚未刊登 not yet run"
    scope = wb["超出范围 Outside scope"]
    assert scope.cell(6, 4).value == "授权范围无法识别（未判断） scope not understood (not judged)"
    assert scope.cell(6, 1).fill.fgColor.rgb.endswith("FFE699")  # amber: check by hand


def test_user_text_is_text_in_the_workbook_and_escaped_in_the_mail(cfg, tmp_path):
    hostile = '=HYPERLINK("http://x")<script>alert(1)</script>'
    result = render_archive(cfg, summary_for(cfg, unread_scope=hostile), tmp_path)  # listed as unread
    wb = openpyxl.load_workbook(result.files[0])
    cells = [c for ws in wb for r in ws.iter_rows() for c in r]
    assert all(c.data_type != "f" for c in cells)
    shown = [c for c in cells if isinstance(c.value, str) and hostile in c.value]
    assert shown and all(c.data_type == "s" for c in shown)  # the title is there, as text
    assert "<script>" not in result.html and "存档与授权概况" in result.html and "At a glance" in result.html


def test_golden_archive_workbook(cfg, tmp_path):
    result = render_archive(cfg, summary_for(cfg), tmp_path)
    check_golden(result.files[0], "archive_2026-11-26")


# --------------------------------------------------------------------------- through the ledger: the command and the job
def _ledger_with_rights(tmp_path):
    path = write_config_file(tmp_path)
    cfg = load_config(path)
    rows = [
        {"doc_id": "MR-1", "job_no": JOB, "doc_type": "model_release", "title": "模特肖像权", "rights_end": date(2026, 12, 3),
         "location": "A"},  # 7 days left on 11-26: step 7
        {"doc_id": "MR-2", "job_no": JOB, "doc_type": "model_release", "title": "模特肖像权 2", "rights_end": date(2026, 12, 27),
         "location": "A"},  # 31 days left on 11-26 (step 60), 30 on 11-27 (step 30)
        {"doc_id": "FL-1", "job_no": JOB, "doc_type": "footage_licence", "title": "租片", "rights_end": date(2027, 9, 1),
         "location": "A"},  # far away: no alert
    ]
    with Ledger.open(cfg) as led:
        src = source_for(cfg, "account/存档登记.xlsx")
        led.store_version(form_result(KEY, {"register_id": "DA-2026"}, rows), src,
                          now=datetime(2026, 11, 20, 9, 0, tzinfo=cfg.tz), archive_path=archive_copy(cfg, src))
    return path, cfg


def _outbox(cfg):
    from adtools.mail import list_messages, open_outbox

    engine = open_outbox(cfg)
    try:
        return list_messages(cfg, engine)
    finally:
        engine.dispose()


def test_archive_watch_mails_each_alert_step_once(tmp_path):
    _, cfg = _ledger_with_rights(tmp_path)
    morning = datetime(2026, 11, 26, 8, 30, tzinfo=cfg.tz)
    first = archive_watch_task(cfg, now=morning)
    again = archive_watch_task(cfg, now=morning.replace(hour=14))
    assert first.status == "ok" and (first.summary["alerts_queued"], len(first.queued)) == (2, 2)
    assert again.status == "done" and again.queued == []  # the day's run is done: nothing made or mailed again
    forced = archive_watch_task(cfg, now=morning.replace(hour=15), force=True)
    assert forced.status == "ok", forced.error
    assert (forced.summary["alerts_queued"], forced.summary["alerts_already_mailed"]) == (0, 2)  # each alert once
    assert first.summary["alerts"] == ["MR-1|2026-12-03|7", "MR-2|2026-12-27|60"]
    nxt = archive_watch_task(cfg, now=morning.replace(day=27))
    assert nxt.summary["alerts"] == ["MR-1|2026-12-03|7", "MR-2|2026-12-27|30"] and nxt.summary["alerts_queued"] == 1
    sent = _outbox(cfg)
    assert sorted(e.period for e in sent) == ["rights MR-1|2026-12-03|7", "rights MR-2|2026-12-27|30",
                                              "rights MR-2|2026-12-27|60"]
    assert {e.report for e in sent} == {KEY} and {e.recipients for e in sent} == {("account.haier@agency.example",)}
    subject = next(e.subject for e in sent if e.period.endswith("|7"))
    assert subject == "【存档 Archive】海尔冰箱 授权到期提醒 Rights ending MR-1 还剩 7 天 7 days left"
    # the job is the registry's: `adtools run archive_watch` runs the same task
    by_name = run_task(registry.report(KEY).job, cfg, now=morning.replace(day=27, hour=18))
    assert by_name.status == "done" and by_name.queued == []  # the 27th's run is done already
    by_name = run_task(registry.report(KEY).job, cfg, now=morning.replace(day=27, hour=18), force=True)
    assert by_name.summary["alerts_already_mailed"] == 2 and by_name.queued == []


def test_report_archive_command_prints_json_and_sends_once(tmp_path):
    path, cfg = _ledger_with_rights(tmp_path)
    runner = CliRunner()
    out = runner.invoke(main, ["--config", str(path), "report", KEY, "--as-of", "2026-11-26", "--json"],
                        catch_exceptions=False)
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert [(r["doc_id"], r["days_left"]) for r in data["expiring"]] == [("MR-1", 7)]
    assert (cfg.reports_dir / KEY / "存档与授权_archive_2026-11-26.xlsx").exists()
    for _ in range(2):
        sent = runner.invoke(main, ["--config", str(path), "report", KEY, "--as-of", "2026-11-26", "--send"],
                             catch_exceptions=False)
        assert sent.exit_code == 0, sent.output
    assert [(e.report, e.period) for e in _outbox(cfg)] == [(KEY, "2026-11-26")]
