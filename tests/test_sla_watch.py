"""sla_watch: each person's digest from a planted set of frames; the job mails only those with something to act on."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import pytest
from sqlalchemy import select

from adtools.calendar import WorkCalendar
from adtools.config import config_from_dict
from adtools.fees.timesheets import missing_timesheets
from adtools.reports.sla_digest import render_digest
from adtools.workflow import awaiting_client, deadlines, minutes_sla
from adtools.workflow.digest import person_digests
from adtools.workflow.rejections import unfixed_rejections
from tests.handmade_frames import at, minutes_docs, progress, sign_offs, work_orders

MONDAY = date(2026, 11, 30)
LAST_WEEK = date(2026, 11, 23)
PEOPLE = [
    {"name": "张伟", "email": "zhang.wei@agency.example", "department": "account", "aliases": ["Zhang Wei"]},
    {"name": "李娜", "email": "li.na@agency.example", "department": "account", "aliases": ["Li Na"]},
    {"name": "王芳", "email": "wang.fang@agency.example", "department": "creative"},
]


@pytest.fixture
def people_cfg(tmp_path):
    return config_from_dict({"people": PEOPLE}, base_dir=tmp_path)


def order(no, job, issued, deliverable, received_by):
    return {"order_no": no, "job_no": job, "brand": "海尔冰箱", "issued_at": issued, "issued_by": "客户",
            "received_by": received_by, "lines": [{"deliverable": deliverable, "quantity": 1}]}


def planted(cfg):
    cal = WorkCalendar.from_config(cfg)
    wo = work_orders(
        order("WO-1", "HR-2026-001", at("2026-11-20 10:00"), "artwork", "Zhang Wei"),     # due 25 Nov: overdue
        order("WO-2", "HR-2026-002", at("2026-11-26 10:00"), "colour_proof", "Li Na"),    # due 30 Nov: today
        order("WO-3", "HR-2026-003", at("2026-11-27 10:00"), "creative_concept", "李娜"),  # due 8 Dec: not yet
        order("WO-4", "HR-2026-004", at("2026-11-23 10:00"), "film", "王芳"),              # delivered on time
    )
    prog = progress({"job_no": "HR-2026-004", "stage": "film", "done_on": date(2026, 11, 24), "owner": "production",
                     "deliverable": "film"})
    mins = minutes_docs(
        {"title": "创意提案会", "job_no": "HR-2026-001", "meeting_start": at("2026-11-27 14:00"),
         "meeting_end": at("2026-11-27 15:00"), "important": True, "attendees": "张伟", "prepared_by": "张伟"},
        {"title": "排期会", "job_no": "HR-2026-002", "meeting_start": at("2026-11-26 14:00"),
         "meeting_end": at("2026-11-26 15:00"), "important": True, "attendees": "李娜", "prepared_by": "李娜",
         "sent_at": at("2026-11-26 18:00")},
    )
    so = sign_offs({"job_no": "HR-2026-002", "document": "media_plan", "version": 1, "submitted_on": date(2026, 11, 20)})
    timesheets = pd.DataFrame({"staff": ["张伟", "王芳", "李娜"],
                               "week_start": pd.to_datetime([LAST_WEEK, LAST_WEEK, date(2026, 11, 16)])})
    t = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)
    versions = pd.DataFrame([
        {"id": 1, "form_id": "timesheet", "document_key": "张伟|2026-11-16", "version": 1, "rel_path": "a/ts_zw.xlsx",
         "status": "current", "submitter": "Zhang Wei", "notify_to": None, "ingested_at": t, "reason": None},
        {"id": 2, "form_id": None, "document_key": None, "version": None, "rel_path": "a/工作进度.xlsx",
         "status": "rejected", "submitter": "Zhang Wei", "notify_to": "zhang.wei@agency.example", "ingested_at": t,
         "reason": "缺少必填项 / a required field is empty"},
        {"id": 3, "form_id": "timesheet", "document_key": "李娜|2026-11-16", "version": 1, "rel_path": "a/ts_ln.xlsx",
         "status": "rejected", "submitter": "Li Na", "notify_to": "li.na@agency.example", "ingested_at": t,
         "reason": "日期不在本周内 / the date is not within the week"},
        {"id": 4, "form_id": "timesheet", "document_key": "李娜|2026-11-16", "version": 2, "rel_path": "a/ts_ln2.xlsx",
         "status": "current", "submitter": "Li Na", "notify_to": None, "ingested_at": t, "reason": None},
    ])
    return person_digests(
        cfg, MONDAY,
        deadlines=deadlines(wo, prog, cfg, cal, MONDAY),
        minutes=minutes_sla(mins, cfg, MONDAY),
        awaiting=awaiting_client(so, cfg, cal, MONDAY),
        work_orders=wo,
        missing_timesheets=missing_timesheets(timesheets, [p["name"] for p in PEOPLE], LAST_WEEK, cal),
        timesheet_week=LAST_WEEK,
        rejected=unfixed_rejections(versions),
    )


def test_each_person_gets_what_is_theirs_and_nothing_else(people_cfg):
    zw, ln, wf = planted(people_cfg)
    assert [(r["job_no"], r["deliverable"], r["status"]) for r in zw.deliverables] == [("HR-2026-001", "artwork", "overdue")]
    assert [r["title"] for r in zw.minutes] == ["创意提案会"]
    assert zw.approvals == () and zw.timesheet_week is None
    assert [(r["file"], r["reason"]) for r in zw.rejected] == [("a/工作进度.xlsx", "缺少必填项 / a required field is empty")]

    assert [(r["job_no"], r["working_days_left"]) for r in ln.deliverables] == [("HR-2026-002", 0)]  # due today
    assert ln.minutes == ()  # hers were sent on time
    assert [(r["job_no"], r["document"], r["submitted_on"]) for r in ln.approvals] == [
        ("HR-2026-002", "media_plan", date(2026, 11, 20))]
    assert ln.timesheet_week == LAST_WEEK
    assert ln.rejected == ()  # fixed by a later version of the same document

    assert wf.empty  # delivered on time, timesheet in: no digest


def test_a_week_without_working_days_needs_no_timesheet(people_cfg):
    cal = WorkCalendar.from_config(people_cfg)
    empty = pd.DataFrame({"staff": [], "week_start": pd.to_datetime([])})
    assert missing_timesheets(empty, ["张伟"], date(2026, 2, 16), cal) == []  # 春节: 16-22 February all off
    assert missing_timesheets(empty, ["张伟"], date(2026, 10, 5), cal) == ["张伟"]  # 国庆 week: 8-10 Oct worked
    assert missing_timesheets(empty, ["张伟"], date(2026, 11, 23), cal) == ["张伟"]


def test_the_digest_mail_is_bilingual_and_shows_every_item_with_its_source(people_cfg):
    zw = planted(people_cfg)[0]
    mail = render_digest(people_cfg, zw)
    assert mail.to == "zhang.wei@agency.example"
    assert mail.subject == "【待办 To do】海尔冰箱 张伟 2026-11-30"
    for text in ("到期或逾期的交付", "Deliverables due within one working day or overdue", "HR-2026-001",
                 "完稿 Finished artwork", "[work_order_1.xlsx]work_order!", "应发的会议纪要", "Minutes you owe",
                 "被退回、尚未改正的表格", "a/工作进度.xlsx"):
        assert text in mail.html, text
    assert "工时表还没有交" not in mail.text and "已交 in" in mail.text  # his timesheet is in
    assert "<script" not in render_digest(people_cfg, zw.__class__(
        "张伟", "zhang.wei@agency.example", MONDAY, rejected=({"file": "<script>x</script>.xlsx", "form_id": None,
                                                              "ingested_at": None, "reason": None},))).html


def test_sla_watch_mails_each_person_with_something_once_and_nobody_else(demo_workspace):
    from adtools.config import load_config
    from adtools.ledger.store import Ledger
    from adtools.ledger.tables import mail_messages
    from adtools.tasks import sla_watch_task

    cfg = load_config(demo_workspace.root / "config.toml")
    now = datetime(2026, 11, 30, 8, 30, tzinfo=cfg.tz)
    first = sla_watch_task(cfg, now=now)
    again = sla_watch_task(cfg, now=now)
    assert first.status == "ok" and first.queued and again.status == "done" and again.queued == []
    assert set(first.summary["digests"]) | set(first.summary["nothing_to_act_on"]) == {p.name for p in cfg.people}
    with Ledger.open(cfg) as led, led.engine.connect() as conn:
        rows = conn.execute(select(mail_messages.c.recipients, mail_messages.c.subject)
                            .where(mail_messages.c.subject.like("【待办 To do】%"))).all()
    by_name = {p.name: p.email for p in cfg.people}
    assert sorted(r.recipients for r in rows) == sorted(by_name[n] for n in first.summary["digests"])
    assert all("2026-11-30" in r.subject for r in rows)
