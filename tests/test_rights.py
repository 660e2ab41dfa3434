"""adtools.rights on hand-built registers: each concern found, its boundaries held, nothing else flagged."""
from __future__ import annotations

from datetime import date

import pytest
from handmade_frames import at, d, minutes_docs, sign_offs
from handmade_rights import archive, monitoring, schedule, schedules

from adtools.calendar import WorkCalendar
from adtools.config import config_from_dict
from adtools.errors import ConfigError
from adtools.rights import (
    expired_in_use,
    expiring_rights,
    missing_archive,
    missing_client_copy,
    outside_scope,
    parse_scope,
    rights_alerts,
    rights_counts,
    rights_summary,
)

AS_OF = date(2026, 11, 26)  # a Thursday
JOB, OTHER = "HRFR-2026-001", "HRFR-2026-002"
MEDIA = ["人民日报", "北京晚报", "新民晚报", "广州日报"]


@pytest.fixture
def cfg(tmp_path):
    return config_from_dict({}, base_dir=tmp_path)


def right(doc_id, end, *, job=JOB, doc_type="model_release", scope=None, start=None, title="模特肖像权协议"):
    return {"doc_id": doc_id, "job_no": job, "doc_type": doc_type, "title": title, "rights_start": start and d(start),
            "rights_end": d(end), "scope": scope, "location": "档案柜A-03"}


# --------------------------------------------------------------------------- expiring
def test_expiring_counts_calendar_days_after_the_as_of_date_and_includes_the_last_day(cfg):
    reg = archive(
        right("MR-0", "2026-11-26"),  # ends today: still valid today, 0 days left
        right("MR-30", "2026-12-26"),  # exactly rights_alert_days
        right("MR-31", "2026-12-27"),  # one day beyond: not yet
        right("MR-past", "2026-11-25"),  # already ended: not "expiring"
        right("FL-5", "2026-12-01", doc_type="footage_licence"),
        {"doc_id": "SC-1", "job_no": JOB, "doc_type": "signed_creative", "title": "签字稿", "rights_end": d("2026-12-01"),
         "location": "A"},  # not a right, whatever its dates say
    )
    rows = expiring_rights(reg, cfg, AS_OF)
    assert [(r["doc_id"], r["days_left"], r["step"]) for r in rows] == [("MR-0", 0, 7), ("FL-5", 5, 7), ("MR-30", 30, 30)]
    assert rows[0]["source"] == "[archive_1.xlsx]archive!H20"  # rights_end of the first row
    assert rows[1]["doc_type"] == "footage_licence"


def test_alerts_escalate_at_each_step_and_are_keyed_by_document_end_and_step(cfg):
    reg = archive(right("A", "2027-02-24"), right("B", "2027-02-25"), right("C", "2026-12-16"),
                  right("D", "2026-12-03"), right("E", "2026-11-26"), right("F", "2026-11-20"))
    alerts = {a.doc_id: a for a in rights_alerts(reg, cfg, AS_OF)}
    # A: 90 days left -> step 90; B: 91 -> none yet; C: 20 -> 30; D: 7 -> 7; E: 0 -> 7; F ended -> none
    assert {k: (a.days_left, a.step) for k, a in alerts.items()} == {"A": (90, 90), "C": (20, 30), "D": (7, 7), "E": (0, 7)}
    assert alerts["C"].key == "C|2026-12-16|30"


def test_alert_steps_are_a_config_key_checked_at_load(tmp_path):
    cfg = config_from_dict({"sla": {"rights_alert_steps": [14, 45]}}, base_dir=tmp_path)
    assert cfg.sla.rights_alert_steps == (45, 14)
    reg = archive(right("A", "2026-12-31"), right("B", "2026-12-06"))
    assert [(a.doc_id, a.step) for a in rights_alerts(reg, cfg, AS_OF)] == [("B", 14), ("A", 45)]
    with pytest.raises(ConfigError, match="rights_alert_steps.*twice"):
        config_from_dict({"sla": {"rights_alert_steps": [30, 30]}}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="rights_alert_steps"):
        config_from_dict({"sla": {"rights_alert_steps": ["30"]}}, base_dir=tmp_path)


# --------------------------------------------------------------------------- expired in use
def test_insertions_after_the_rights_end_are_found_and_a_clipping_is_their_proof(cfg):
    reg = archive(right("FL-1", "2026-11-10", doc_type="footage_licence"))
    plan = schedules(
        schedule(JOB,
                 {"media": "人民日报", "date": d("2026-11-10"), "booking_ref": "B-LAST"},  # the last day: inside
                 {"media": "人民日报", "date": d("2026-11-11"), "booking_ref": "B-RAN", "size": "整版"},
                 {"media": "新民晚报", "date": d("2026-11-12"), "booking_ref": "B-NOPROOF", "size": "半版"},
                 {"media": "北京晚报", "date": d("2026-11-13"), "booking_ref": "B-CXL", "status": "cancelled"},
                 {"media": "北京晚报", "date": d("2026-11-14"), "status": "planned"},
                 {"media": "广州日报", "date": d("2026-12-03"), "booking_ref": "B-FUTURE"}),
        schedule(OTHER, {"media": "人民日报", "date": d("2026-11-20"), "booking_ref": "B-OTHERJOB"}, flight="其他"),
    )
    clips = monitoring(
        {"date": d("2026-11-11"), "media": "人民日报", "advertiser": "Haier", "size": "全版", "clipping_ref": "JB-1"},
        {"date": d("2026-11-12"), "media": "新民晚报", "advertiser": "美的", "size": "半版", "clipping_ref": "JB-2"},
        {"date": d("2026-11-13"), "media": "新民晚报", "advertiser": "海尔", "size": "半版", "clipping_ref": "JB-3"},
    )
    rows = expired_in_use(reg, plan, clips, cfg)
    assert [(r["booking_ref"], r["days_after"], r["ran"], r["clipping_ref"]) for r in rows] == [
        ("B-RAN", 1, True, "JB-1"),  # 全版 is 整版; Haier is the client
        ("B-NOPROOF", 2, False, None),  # a competitor's clipping, and the client's a day late (match_days 0)
        ("B-FUTURE", 23, False, None),  # booked, not yet run: still a risk
    ]
    assert rows[0]["clipping_source"] == "[monitoring_1.xlsx]monitoring!B20"
    assert rows[0]["booking_source"].startswith("[媒体排期表_第一波_v1.xlsx]media_schedule!")


def test_match_days_widens_the_proof_and_the_matcher_is_a_seam(cfg, tmp_path):
    wide = config_from_dict({"monitoring": {"match_days": 1}}, base_dir=tmp_path)
    reg = archive(right("FL-1", "2026-11-10"))
    plan = schedules(schedule(JOB, {"media": "新民晚报", "date": d("2026-11-12"), "booking_ref": "B", "size": "半版"}))
    clips = monitoring({"date": d("2026-11-13"), "media": "新民晚报", "advertiser": "海尔", "size": "1/2版", "clipping_ref": "JB-3"})
    assert [r["clipping_ref"] for r in expired_in_use(reg, plan, clips, cfg)] == [None]
    assert [r["clipping_ref"] for r in expired_in_use(reg, plan, clips, wide)] == ["JB-3"]
    seen = []

    def matcher(bookings, clippings, config):
        seen.append([b["booking_ref"] for b in bookings])
        return {0: {"clipping_ref": "FROM-RECONCILE", "date": d("2026-11-12")}}

    rows = expired_in_use(reg, plan, clips, cfg, match_clippings=matcher)
    assert seen == [["B"]] and rows[0]["clipping_ref"] == "FROM-RECONCILE"


def test_only_the_latest_version_of_a_schedule_counts(cfg):
    reg = archive(right("FL-1", "2026-11-10"))
    plan = schedules(
        schedule(JOB, {"media": "人民日报", "date": d("2026-11-20"), "booking_ref": "V1"}, version=1),
        schedule(JOB, {"media": "人民日报", "date": d("2026-11-05"), "booking_ref": "V2"}, version=2),
    )
    assert expired_in_use(reg, plan, None, cfg) == []


# --------------------------------------------------------------------------- scope
def test_scope_text_is_read_against_the_media_and_cities_or_listed_as_unread():
    cities = ["北京", "上海", "广州"]
    s = parse_scope("平面广告及卖场POP，中国大陆", MEDIA, cities)
    assert s.parsed and not s.restricts
    s = parse_scope("仅限北京晚报、新民晚报", MEDIA, cities)
    assert s.media == {"北京晚报", "新民晚报"} and not s.cities
    s = parse_scope("上海 平面", MEDIA, cities)
    assert s.cities == {"上海"} and s.print_allowed
    assert not parse_scope("电视、广播", MEDIA, cities).print_allowed
    s = parse_scope("华东地区平面", MEDIA, cities)
    assert not s.parsed and s.unread == ("华东地区平面",)


def test_insertions_outside_the_scope_are_found_and_unread_scopes_listed(cfg):
    reg = archive(
        right("MR-MEDIA", "2026-12-31", scope="北京晚报、新民晚报"),
        right("MR-CITY", "2026-12-31", scope="上海；平面", job=OTHER),
        right("MR-OK", "2026-12-31", scope="平面广告，中国大陆"),
        right("MR-TV", "2026-12-31", scope="电视", job="TV-2026-003"),
        right("MR-HUH", "2026-12-31", scope="华东地区", job=OTHER),
        right("MR-END", "2026-11-12", scope="北京晚报"),  # ended before the 人民日报 insertion: expired in use, not scope
    )
    plan = schedules(
        schedule(JOB, {"media": "人民日报", "city": "北京", "date": d("2026-11-20"), "booking_ref": "J1"},
                 {"media": "北京晚报", "city": "北京", "date": d("2026-11-21"), "booking_ref": "J2"}),
        schedule(OTHER, {"media": "新民晚报", "city": "上海", "date": d("2026-11-20"), "booking_ref": "O1"},
                 {"media": "广州日报", "city": "广州", "date": d("2026-11-22"), "booking_ref": "O2"}, flight="第二波"),
        schedule("TV-2026-003", {"media": "广州日报", "city": "广州", "date": d("2026-11-23"), "booking_ref": "T1"}, flight="第三波"),
    )
    rows = outside_scope(reg, plan, None, cfg)
    got = [(r["doc_id"], r["reason"], r["booking_ref"], r["detail"]) for r in rows]
    assert got == [
        ("MR-CITY", "city", "O2", "上海"),
        ("MR-HUH", "unread", None, "华东地区"),
        ("MR-MEDIA", "media", "J1", "北京晚报、新民晚报"),
        ("MR-TV", "medium", "T1", "平面 print"),
    ]


# --------------------------------------------------------------------------- missing archive entries
def test_approved_sign_offs_and_minutes_without_their_archive_entry(cfg):
    signed = sign_offs(
        {"job_no": JOB, "document": "design_quote", "version": 2, "submitted_on": d("2026-11-02"),
         "decision": "approved", "decided_on": d("2026-11-04")},
        {"job_no": JOB, "document": "design_quote", "version": 1, "submitted_on": d("2026-10-28"),
         "decision": "revise", "decided_on": d("2026-10-30")},  # returned: nothing to archive
        {"job_no": OTHER, "document": "media_schedule", "version": 1, "submitted_on": d("2026-11-02"),
         "decision": "approved", "decided_on": d("2026-11-03")},  # archived below
        {"job_no": OTHER, "document": "artwork_production_quote", "version": 1, "submitted_on": d("2026-11-20"),
         "decision": "approved", "decided_on": d("2026-11-27")},  # approved after the as-of date
        {"job_no": JOB, "document": "work_plan", "version": 1, "submitted_on": d("2026-10-20"),
         "decision": "approved", "decided_on": d("2026-10-21")},  # no archive type asked for
    )
    reg = archive(
        {"doc_id": "SQ-1", "job_no": JOB, "doc_type": "signed_quote", "title": "创意报价", "location": "A"},
        {"doc_id": "SM-1", "job_no": OTHER, "doc_type": "signed_media_plan", "title": "排期", "location": "A"},
        {"doc_id": "MN-1", "job_no": JOB, "doc_type": "minutes", "title": "提案会会议纪要（客户签字）",
         "signed_on": d("2026-11-06"), "location": "A"},
        {"doc_id": "MN-2", "job_no": OTHER, "doc_type": "minutes", "title": "签字纪要", "signed_on": d("2026-11-10"),
         "location": "A"},
    )
    meetings = minutes_docs(
        {"title": "提案会", "job_no": JOB, "meeting_start": at("2026-11-05 14:00"), "meeting_end": at("2026-11-05 16:00")},
        {"title": "内部布置会", "job_no": JOB, "meeting_start": at("2026-11-02 10:00"), "meeting_end": at("2026-11-02 11:00")},
        {"title": "排期沟通会", "job_no": OTHER, "meeting_start": at("2026-11-09 10:00"), "meeting_end": at("2026-11-09 11:00")},
        {"title": "回顾会", "job_no": OTHER, "meeting_start": at("2026-11-16 10:00"), "meeting_end": at("2026-11-16 11:00")},
        {"title": "下周的会", "job_no": OTHER, "meeting_start": at("2026-11-30 10:00"), "meeting_end": at("2026-11-30 11:00")},
    )
    rows = missing_archive(reg, signed, meetings, AS_OF)
    got = [(r["job_no"], r["document"], r["version"], r["missing"], r["title"]) for r in rows]
    assert got == [
        (JOB, "minutes", None, ("minutes",), "内部布置会"),  # MN-1 is the pitch's (by its title)
        (JOB, "design_quote", 2, ("signed_creative",), None),  # the quote is archived, the creative is not
        (OTHER, "minutes", None, ("minutes",), "回顾会"),  # MN-2, signed 11-10, covers the meeting of 11-09
    ]
    assert rows[1]["source"] == "[sign_off_1.xlsx]sign_off!F20"


# --------------------------------------------------------------------------- client copy
def test_signed_creative_without_a_client_copy_after_the_response_days(cfg):
    cal = WorkCalendar.from_config(cfg)
    reg = archive(
        {"doc_id": "SC-LATE", "job_no": JOB, "doc_type": "signed_creative", "title": "主画面", "signed_on": d("2026-11-20"),
         "location": "A"},  # 4 working days (23-26) > 3
        {"doc_id": "SC-EDGE", "job_no": JOB, "doc_type": "signed_creative", "title": "半版", "signed_on": d("2026-11-23"),
         "location": "A"},  # 3 working days: on the last day
        {"doc_id": "SC-LATER", "job_no": JOB, "doc_type": "signed_creative", "title": "通栏", "signed_on": d("2026-11-19"),
         "client_copy_on": d("2026-11-27"), "location": "A"},  # copied after the as-of date: still missing on it
        {"doc_id": "SC-DONE", "job_no": JOB, "doc_type": "signed_creative", "title": "POP", "signed_on": d("2026-11-02"),
         "client_copy_on": d("2026-11-04"), "location": "A"},
        {"doc_id": "SQ-1", "job_no": JOB, "doc_type": "signed_quote", "title": "报价", "signed_on": d("2026-11-02"),
         "location": "A"},  # a quote needs no client copy here
    )
    rows = missing_client_copy(reg, cfg, cal, AS_OF)
    assert [(r["doc_id"], r["due"], r["working_days_late"]) for r in rows] == [
        ("SC-LATER", d("2026-11-24"), 2), ("SC-LATE", d("2026-11-25"), 1)]
    assert rows[0]["source"] == "[archive_1.xlsx]archive!K22"  # where the copy date belongs


# --------------------------------------------------------------------------- together
def test_a_clean_register_flags_nothing_and_the_counts_are_exposed(cfg):
    reg = archive(
        right("MR-1", "2027-06-30", scope="平面广告，中国大陆"),
        {"doc_id": "SC-1", "job_no": JOB, "doc_type": "signed_creative", "title": "主画面", "signed_on": d("2026-11-02"),
         "client_copy_on": d("2026-11-03"), "location": "A"},
        {"doc_id": "SQ-1", "job_no": JOB, "doc_type": "signed_quote", "title": "报价", "location": "A"},
    )
    signed = sign_offs({"job_no": JOB, "document": "design_quote", "version": 1, "submitted_on": d("2026-11-01"),
                        "decision": "approved", "decided_on": d("2026-11-02")})
    plan = schedules(schedule(JOB, {"media": "人民日报", "city": "北京", "date": d("2026-11-20"), "booking_ref": "B1"}))
    s = rights_summary(cfg, archive=reg, media_schedule=plan, sign_off=signed, minutes=None, monitoring=None, as_of=AS_OF)
    assert (s.expiring, s.expired_in_use, s.outside_scope, s.missing_archive, s.missing_client_copy, s.alerts) == (
        [], [], [], [], [], [])
    assert (s.documents, s.rights) == (3, 1)
    assert rights_counts(cfg, archive=reg, media_schedule=plan, as_of=AS_OF) == {"expiring": 0, "expired_in_use": 0}
    late = archive(right("MR-1", "2026-11-19"), right("MR-2", "2026-12-01"))
    assert rights_counts(cfg, archive=late, media_schedule=plan, as_of=AS_OF) == {"expiring": 1, "expired_in_use": 1}
