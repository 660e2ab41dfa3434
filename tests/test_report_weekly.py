"""The weekly progress workbook, HTML body and JSON, from frames built by hand; golden-file checked."""
from __future__ import annotations

import json

import openpyxl
import pytest
from golden_xlsx import check_golden
from handmade_frames import at, d, minutes_docs, progress, sign_offs, work_orders

from adtools.calendar import WorkCalendar
from adtools.config import config_from_dict
from adtools.reports.weekly import render_weekly
from adtools.reports.weekly_internal import render_weekly_internal
from adtools.workflow import weekly_summary

pytestmark = pytest.mark.dates  # CI runs these again under faketime (.ci/run)


@pytest.fixture
def cfg(tmp_path):
    return config_from_dict({"turnaround": {"creative_concept": 5}}, base_dir=tmp_path)


def order(no, job, issued, *lines):
    return {"order_no": no, "job_no": job, "issued_at": issued, "received_by": "张伟",
            "lines": [l if isinstance(l, dict) else {"deliverable": l} for l in lines]}


def summary_for(cfg):
    wo = work_orders(
        order("WO-A1", "HR-2026-001", at("2026-09-30 10:00"), "creative_concept", "copy_layout"),
        order("WO-B1", "HR-2026-002", at("2026-10-08 09:00"), "media_plan"),
        order("WO-C1", "HR-2026-003", at("2026-10-14 10:00"), "schedule_local"),
    )
    prog = progress(
        {"job_no": "HR-2026-001", "stage": "creative_design", "done_on": d("2026-10-12"), "owner": "creative",
         "deliverable": "creative_concept"},
        {"job_no": "HR-2026-001", "stage": "creative_design", "done_on": d("2026-10-15"), "owner": "creative",
         "deliverable": "copy_layout"},
        {"job_no": "HR-2026-002", "stage": "media_booking", "done_on": d("2026-10-14"), "owner": "media"},
    )
    signs = sign_offs(
        {"job_no": "HR-2026-001", "document": "concept_strategy", "version": 1, "submitted_on": d("2026-10-08"),
         "decision": "approved", "decided_on": d("2026-10-09"), "signed_by": "客户"},
        {"job_no": "HR-2026-002", "document": "media_schedule", "version": 1, "submitted_on": d("2026-10-12"),
         "decision": "approved", "decided_on": d("2026-10-15"), "signed_by": "客户"},
        {"job_no": "HR-2026-003", "document": "concept_strategy", "version": 1, "submitted_on": d("2026-09-30")},
    )
    mins = minutes_docs(
        {"title": "周例会 weekly status", "meeting_start": at("2026-10-12 16:00"), "meeting_end": at("2026-10-12 18:00"),
         "important": True, "sent_at": at("2026-10-13 20:30"), "prepared_by": "李娜"},
    )
    return weekly_summary(cfg, work_orders=wo, progress=prog, sign_offs=signs, minutes_docs=mins,
                          as_of=d("2026-10-16"), cal=WorkCalendar.from_config(cfg))


def test_client_weekly_has_no_sources_gates_or_minutes(cfg, tmp_path):
    """What the client receives: open, due, delivered, awaiting approval; no cell, file, gate or minutes."""
    result = render_weekly(cfg, summary_for(cfg), tmp_path / "out")
    assert result.key == "weekly" and result.subject == "【周报 Weekly】海尔冰箱 工作进展 截至 2026-10-16"
    data = result.data
    assert "gate_violations" not in data and "minutes" not in data
    assert [o["job_no"] for o in data["overdue"]] == ["HR-2026-002"]
    assert [(x["job_no"], x["on_time"]) for x in data["delivered"]] == [("HR-2026-001", False), ("HR-2026-001", True)]
    json.dumps(data)
    (path,) = result.files
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["摘要 Summary", "进度 Timeline", "已交付 Delivered", "待确认 Awaiting approval"]
    cells = [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if ".xlsx" in c or "来源" in c or "Source" in c or "违规" in c or "纪要" in c]
    for text in (result.html, result.text):
        assert ".xlsx]" not in text and "违规" not in text and "纪要" not in text
    assert "您好" in result.html and "周报_weekly_2026-10-16.xlsx" in result.html  # what is attached and why
    assert "account.haier@agency.example" in result.html and "account.haier@agency.example" in result.text
    summary = wb["摘要 Summary"]
    assert summary.sheet_properties.pageSetUpPr.fitToPage and summary.page_setup.fitToHeight in (None, 1)  # one page


def test_client_timeline_is_a_gantt_of_conditional_formats(cfg, tmp_path):
    (path,) = render_weekly(cfg, summary_for(cfg), tmp_path).files
    ws = openpyxl.load_workbook(path)["进度 Timeline"]
    header = [c.value for c in ws[4]]  # title, legend, blank, header
    days = [v for v in header[8:] if v is not None]
    assert days[0].date() == d("2026-10-09") and d("2026-10-16") in [x.date() for x in days]  # a week before as_of on
    rules = [r.formula[0] for rng in ws.conditional_formatting for r in rng.rules]
    assert any("DATE(2026,10,16)" in f for f in rules) and any("WEEKDAY" in f for f in rules)
    assert [ws.cell(r, 1).value for r in range(5, 7)] == ["HR-2026-002", "HR-2026-003"]  # by due date
    assert all(ws.cell(5, c).value is None for c in range(9, 9 + len(days)))  # the bars are formats, not values


def test_internal_weekly_workbook_html_and_json(cfg, tmp_path):
    result = render_weekly_internal(cfg, summary_for(cfg), tmp_path / "out")
    assert result.key == "weekly_internal" and result.period == "2026-10-16"
    assert result.subject == "【内部周报 Internal weekly】海尔冰箱 工作进展（内部） 截至 2026-10-16"
    data = result.data
    assert [o["job_no"] for o in data["overdue"]] == ["HR-2026-002"]
    assert [g["stage"] for g in data["gate_violations"]] == ["media_booking"]
    assert [m["status"] for m in data["minutes"]] == ["late"]
    json.dumps(data)  # JSON-able as is

    (path,) = result.files
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "摘要 Summary"
    overdue = wb["逾期 Overdue"]
    header = [c.value for c in overdue[3]]
    assert header[0] == "工作编号\nJob No." and "来源\nSource" in header
    row = [c.value for c in overdue[4]]
    assert row[0] == "HR-2026-002" and row[-1].startswith("[work_order_2.xlsx]")
    assert overdue["A4"].fill.fgColor.rgb.endswith("F8CBAD")  # red
    assert overdue.freeze_panes == "A4" and overdue.auto_filter.ref
    soon = wb["即将到期 Due soon"]
    assert soon["A4"].value == "HR-2026-003" and soon["A4"].fill.fgColor.rgb.endswith("FFE699")  # amber

    assert "工作进展周报" in result.html and "Weekly progress" in result.html
    assert "HR-2026-002" in result.html and "<style" not in result.html  # inline styles only
    assert "Overdue" in result.text
    # the mail body names what is due soon and what the client still has to approve, not only how many
    assert "HR-2026-003" in result.html and "创意概念及媒体策略 Creative concept and media strategy" in result.html


def test_golden_weekly_workbook(cfg, tmp_path):
    (path,) = render_weekly(cfg, summary_for(cfg), tmp_path).files
    check_golden(path, "weekly_2026-10-16")


def test_golden_weekly_internal_workbook(cfg, tmp_path):
    (path,) = render_weekly_internal(cfg, summary_for(cfg), tmp_path).files
    check_golden(path, "weekly_internal_2026-10-16")


def test_weekly_workbook_is_deterministic(cfg, tmp_path):
    a = render_weekly(cfg, summary_for(cfg), tmp_path / "a").files[0].read_bytes()
    b = render_weekly(cfg, summary_for(cfg), tmp_path / "b").files[0].read_bytes()
    assert a == b


def test_user_text_never_becomes_a_formula(cfg, tmp_path):
    wo = work_orders(order("WO-1", "=HYPERLINK(\"http://evil\",\"x\")", at("2026-10-08 09:00"), "media_plan"))
    summary = weekly_summary(cfg, work_orders=wo, progress=progress(), sign_offs=sign_offs(),
                             minutes_docs=minutes_docs(), as_of=d("2026-10-16"), cal=WorkCalendar.from_config(cfg))
    (path,) = render_weekly_internal(cfg, summary, tmp_path).files
    ws = openpyxl.load_workbook(path)["逾期 Overdue"]
    assert ws["A4"].value == '=HYPERLINK("http://evil","x")'
    assert ws["A4"].data_type == "s"


def test_gate_violation_detail_is_text_not_a_python_list(cfg, tmp_path):
    summary = summary_for(cfg)
    (path,) = render_weekly_internal(cfg, summary, tmp_path).files
    ws = openpyxl.load_workbook(path)["流程违规 Gate violations"]
    (detail,) = summary.gate_violations.iloc[0]["detail"]
    assert ws["F4"].value == detail  # "媒体排期 第1版于 … / Media schedule v1 approved only on …", not "['…']"


def test_gate_violation_owner_is_bilingual(cfg, tmp_path):
    (path,) = render_weekly_internal(cfg, summary_for(cfg), tmp_path).files
    ws = openpyxl.load_workbook(path)["流程违规 Gate violations"]
    assert ws["D3"].value == "负责方\nOwner" and ws["D4"].value == "媒介 Media"


def test_the_calendar_warning_reaches_the_workbook_the_mail_and_the_json(cfg, tmp_path):
    """Issue 5: 2026-12-24 + 15 working days crosses into 2027, which chinese-calendar does not cover yet."""
    cfg = config_from_dict({}, base_dir=tmp_path)
    wo = work_orders(order("WO-X1", "HR-2026-009", at("2026-12-24 10:00"), "tv_radio_creative"))
    summary = weekly_summary(cfg, work_orders=wo, progress=progress(), sign_offs=sign_offs(),
                             minutes_docs=minutes_docs(), as_of=d("2026-12-31"), cal=WorkCalendar.from_config(cfg))
    result = render_weekly_internal(cfg, summary, tmp_path)
    (warning,) = result.data["warnings"]
    assert warning.startswith("2027 年节假日未收录") and "Monday–Friday assumed" in warning
    assert result.data["open_deliverables"] == 1
    assert warning in result.html and warning in result.text
    ws = openpyxl.load_workbook(result.files[0])["摘要 Summary"]
    assert [r[1] for r in ws.iter_rows(values_only=True) if r[0] == "注意 Warning"] == [warning]


def test_a_delivery_names_the_progress_row_it_was_recorded_on(cfg, tmp_path):
    (path,) = render_weekly_internal(cfg, summary_for(cfg), tmp_path).files
    ws = openpyxl.load_workbook(path)["已交付 Delivered"]
    header = [c.value for c in ws[3]]
    rows = {r[2]: dict(zip(header, r)) for r in ws.iter_rows(min_row=4, values_only=True)}
    concept = rows["创意概念 Creative concept"]
    assert concept["交付日期\nDelivered"].date() == d("2026-10-12")
    assert concept["交付记录来源\nDelivery recorded at"] == "[progress_1.xlsx]progress!F20"  # the progress row's deliverable cell
