"""Workflow data, turnaround deadlines, sign-off gates, SLAs and the weekly summary, on frames built by hand.

Working-day facts used below (chinesecalendar 1.11.0): 2026-10-01..07 National Day
off, Saturday 2026-10-10 a make-up working day, 2027 not covered (Monday–Friday).
"""
from __future__ import annotations

import json
from decimal import Decimal

import pandas as pd
import pytest

from adtools.calendar import WorkCalendar
from adtools.config import config_from_dict
from adtools.reports.weekly import weekly_data
from adtools.workflow import (
    DOCUMENT_LABELS,
    GATES,
    REQUIREMENTS,
    STAGE_BY_KEY,
    STAGES,
    awaiting_client,
    deadlines,
    gate_violations,
    last_friday,
    minutes_sla,
    source,
    weekly_summary,
)
from handmade_frames import at, d, minutes_docs, progress, sign_offs, work_orders

WARN_2027 = "2027 年节假日未收录，按周一至周五计算 / 2027 holidays are not in chinese-calendar yet; Monday–Friday assumed"
EMPTY_PROGRESS = progress()


@pytest.fixture
def cfg(tmp_path):
    return config_from_dict({"turnaround": {"creative_concept": 5}}, base_dir=tmp_path)


@pytest.fixture
def cal():
    return WorkCalendar()


def order(order_no, job_no, issued_at, *lines, order_type="new", rush=False, received_by="张伟"):
    return {
        "order_no": order_no, "job_no": job_no, "brand": "海尔", "order_type": order_type,
        "issued_at": issued_at, "issued_by": "客户", "received_by": received_by, "rush": rush,
        "client_signed_by": "客户", "signed_on": pd.Timestamp(issued_at).date() if issued_at is not None else None,
        "lines": [ln if isinstance(ln, dict) else {"deliverable": ln} for ln in lines],
    }  # fmt: skip


def delivered(job_no, deliverable, done_on, stage="artwork"):  # a stage that needs no approval
    return {"job_no": job_no, "stage": stage, "done_on": d(done_on), "owner": "account", "deliverable": deliverable}


def by(frame, **match):
    """The single row of `frame` matching every column=value."""
    rows = frame
    for k, v in match.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, f"{len(rows)} rows match {match}"
    return rows.iloc[0]


def day(v):
    return None if pd.isna(v) else v.date()


# ------------------------------------------------------------------ the workflow as data
def test_stages_are_the_progress_stage_keys_of_forms_md():
    assert [s.key for s in STAGES] == [
        "work_order", "internal_brief", "confirm_work_plan", "internal_discussion", "proposal", "confirm_concept",
        "media_schedule", "confirm_media_schedule", "media_booking", "media_prepayment",
        "creative_design", "confirm_design", "production_quote", "artwork", "confirm_artwork", "production",
        "deliver_to_media_agency", "send_to_media", "monitoring_report",
    ]  # fmt: skip


def test_fifteen_steps_in_two_branches():
    creative_path = [s.step for s in STAGES if s.branch in ("common", "creative")]
    media_path = [s.step for s in STAGES if s.branch in ("common", "media")]
    assert creative_path == list(range(1, 16))
    assert media_path == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15]
    assert {s.branch for s in STAGES} == {"common", "media", "creative"}
    assert all(s.label_zh and s.label_en and s.parties for s in STAGES)
    assert STAGE_BY_KEY["production"].parties == ("creative",)
    assert STAGE_BY_KEY["internal_discussion"].parties == ("account", "creative", "media")


def test_five_client_gates_confirm_sign_off_documents():
    gates = [s for s in STAGES if s.is_gate]
    assert len(gates) == 5
    assert all(s.parties == ("client",) for s in gates)
    assert {s.gate for s in gates} <= set(DOCUMENT_LABELS)
    assert dict(GATES) == {s.key: s.gate for s in gates}


def test_gate_requirements_are_those_of_issue_5():
    assert dict(REQUIREMENTS) == {
        "internal_discussion": ("work_plan",),
        "proposal": ("work_plan",),
        "media_schedule": ("concept_strategy",),
        "creative_design": ("concept_strategy",),
        "media_booking": ("media_schedule",),
        "production_quote": ("design_quote",),
        "production": ("artwork_production_quote",),
        "send_to_media": ("artwork_production_quote", "media_schedule"),
    }
    # every requirement is approved at a gate that comes earlier in the workflow
    position = {s.key: i for i, s in enumerate(STAGES)}
    gate_of = {doc: stage for stage, doc in GATES.items()}
    for stage, docs in REQUIREMENTS.items():
        assert STAGE_BY_KEY[stage].requires == docs
        assert all(position[gate_of[doc]] < position[stage] for doc in docs)


def test_last_friday():
    assert last_friday(d("2026-10-19")) == d("2026-10-16")  # Monday
    assert last_friday(d("2026-10-16")) == d("2026-10-16")  # Friday itself
    assert last_friday(d("2026-10-15")) == d("2026-10-09")  # Thursday
    assert last_friday(d("2026-10-18")) == d("2026-10-16")  # Sunday


def test_source_names_file_sheet_and_cell():
    wo = work_orders(order("WO-1", "HR-2026-001", at("2026-09-30 10:00"), "creative_concept"))
    assert source(wo.iloc[0], "deliverable") == "[work_order_1.xlsx]work_order!B20"
    assert source({}, "deliverable") == ""


# ------------------------------------------------------------------ turnaround deadlines
def test_issue_acceptance_concept_received_2026_09_30_is_due_2026_10_13(cfg, cal):
    wo = work_orders(order("WO-1", "HR-2026-001", at("2026-09-30 10:00"), "creative_concept"))
    row = by(deadlines(wo, EMPTY_PROGRESS, cfg, cal, d("2026-09-30")), deliverable="creative_concept")
    assert day(row["received"]) == d("2026-09-30")
    assert row["turnaround_days"] == 5
    assert day(row["committed_due"]) == d("2026-10-13")
    assert day(row["target"]) == d("2026-10-13")
    assert row["warnings"] == []


def test_receipt_is_the_date_in_the_configured_time_zone(cfg, cal):
    # 17:00 UTC on 29 September is 01:00 on the 30th in Shanghai
    issued = pd.Timestamp("2026-09-29 17:00", tz="UTC")
    wo = work_orders(order("WO-1", "HR-2026-001", issued, "creative_concept"))
    row = by(deadlines(wo, EMPTY_PROGRESS, cfg, cal, d("2026-10-01")), deliverable="creative_concept")
    assert day(row["received"]) == d("2026-09-30")
    assert day(row["committed_due"]) == d("2026-10-13")  # 2026-10-12 had it counted from the 29th


def test_issue_acceptance_fifteen_days_from_2026_12_24_has_a_date_and_a_warning(cfg, cal):
    wo = work_orders(order("WO-9", "HR-2026-009", at("2026-12-24 11:00"), "tv_radio_creative"))
    row = by(deadlines(wo, EMPTY_PROGRESS, cfg, cal, d("2026-12-25")), deliverable="tv_radio_creative")
    assert day(row["committed_due"]) == d("2027-01-14")
    assert row["status"] == "open"
    assert row["working_days_left"] == 14  # Dec 28-31, Jan 1 (assumed a working day), Jan 4-8, Jan 11-14
    assert row["warnings"] == [WARN_2027]


def statuses_scenario():
    wo = work_orders(
        order("WO-A1", "HR-2026-001", at("2026-09-30 10:00"), "creative_concept", "copy_layout"),
        order("WO-B1", "HR-2026-002", at("2026-10-08 09:00"), "media_plan"),
        order("WO-C1", "HR-2026-003", at("2026-10-14 10:00"), "schedule_local",
              {"deliverable": "artwork", "requested_due": d("2026-10-15")}),
        order("WO-D1", "HR-2026-004", at("2026-10-15 16:00"), "tv_radio_creative"),
        order("WO-X1", "HR-2026-005", at("2026-10-19 09:00"), "film"),  # after as_of
    )  # fmt: skip
    prog = progress(
        delivered("HR-2026-001", "creative_concept", "2026-10-12"),
        delivered("HR-2026-001", "copy_layout", "2026-10-15"),
        delivered("HR-2026-002", "media_plan", "2026-10-19"),  # after as_of: not yet delivered
        {"job_no": "HR-2026-003", "stage": "internal_brief", "done_on": d("2026-10-14"), "owner": "account"},
    )
    return wo, prog


def test_statuses_and_working_days(cfg, cal):
    wo, prog = statuses_scenario()
    out = deadlines(wo, prog, cfg, cal, d("2026-10-16"))
    assert len(out) == 6, "the order received after as_of is left out"

    concept = by(out, job_no="HR-2026-001", deliverable="creative_concept")
    assert (concept["status"], day(concept["delivered_on"])) == ("delivered", d("2026-10-12"))
    assert pd.isna(concept["working_days_late"]) and pd.isna(concept["working_days_left"])
    assert concept["delivered_source"] == "[progress_1.xlsx]progress!F20"

    copy = by(out, job_no="HR-2026-001", deliverable="copy_layout")
    assert copy["status"] == "delivered_late"
    assert copy["working_days_late"] == 2  # due Tue 10-13; delivered Thu 10-15

    plan = by(out, job_no="HR-2026-002")
    assert day(plan["committed_due"]) == d("2026-10-14")  # Oct 9, Sat 10, 12, 13, 14
    assert plan["status"] == "overdue" and plan["working_days_late"] == 2
    assert pd.isna(plan["delivered_on"])

    local = by(out, job_no="HR-2026-003", deliverable="schedule_local")
    assert day(local["committed_due"]) == d("2026-10-19")
    assert local["status"] == "due_soon" and local["working_days_left"] == 1

    artwork = by(out, job_no="HR-2026-003", deliverable="artwork")
    assert bool(artwork["rush"]) and day(artwork["target"]) == d("2026-10-15")
    assert day(artwork["committed_due"]) == d("2026-10-19")
    assert artwork["status"] == "overdue" and artwork["working_days_late"] == 1

    tv = by(out, job_no="HR-2026-004")
    assert day(tv["committed_due"]) == d("2026-11-05")
    assert tv["status"] == "open" and tv["working_days_left"] == 14
    assert tv["source"] == "[work_order_4.xlsx]work_order!B20"
    assert tv["received_by"] == "张伟"
    assert str(out["committed_due"].dtype).startswith("datetime64") and str(out["working_days_left"].dtype) == "Int64"


def test_rush_flag_and_target(cfg, cal):
    wo = work_orders(
        order("WO-1", "HR-2026-001", at("2026-10-12 09:00"), "artwork", rush=True),
        order("WO-2", "HR-2026-002", at("2026-10-12 09:00"), {"deliverable": "artwork", "requested_due": d("2026-10-30")}),
        order("WO-3", "HR-2026-003", at("2026-10-12 09:00"), {"deliverable": "artwork", "requested_due": d("2026-10-14")}),
    )
    out = deadlines(wo, EMPTY_PROGRESS, cfg, cal, d("2026-10-12"))
    committed = d("2026-10-15")  # Oct 13, 14, 15
    asked = by(out, job_no="HR-2026-001")
    assert bool(asked["rush"]) and day(asked["target"]) == committed
    later = by(out, job_no="HR-2026-002")
    assert not bool(later["rush"]) and day(later["target"]) == committed, "a later request does not relax the commitment"
    earlier = by(out, job_no="HR-2026-003")
    assert bool(earlier["rush"]) and day(earlier["target"]) == d("2026-10-14")


def test_change_orders_move_the_dates_of_the_deliverables_they_reissue(cfg, cal):
    wo = work_orders(
        order("WO-E1", "HR-2026-007", at("2026-10-08 10:00"), "creative_concept", "copy_layout"),
        order("WO-E2", "HR-2026-007", at("2026-10-12 10:00"), "creative_concept", order_type="creative_change"),
        order("WO-E3", "HR-2026-007", at("2026-10-20 10:00"), "creative_concept", order_type="creative_change"),
    )
    prog = progress(delivered("HR-2026-007", "creative_concept", "2026-10-09"))  # before the change: not this line
    out = deadlines(wo, prog, cfg, cal, d("2026-10-16"))
    assert sorted(out["deliverable"]) == ["copy_layout", "creative_concept"]
    concept = by(out, deliverable="creative_concept")
    assert concept["order_no"] == "WO-E2" and concept["order_type"] == "creative_change"
    assert concept["supersedes"] == ["WO-E1"]
    assert day(concept["committed_due"]) == d("2026-10-19")  # Oct 13, 14, 15, 16, 19
    assert concept["status"] == "due_soon" and pd.isna(concept["delivered_on"])
    copy = by(out, deliverable="copy_layout")
    assert copy["order_no"] == "WO-E1" and day(copy["committed_due"]) == d("2026-10-14")
    assert copy["status"] == "overdue"

    later = deadlines(wo, prog, cfg, cal, d("2026-10-23"))
    concept = by(later, deliverable="creative_concept")
    assert concept["order_no"] == "WO-E3" and concept["supersedes"] == ["WO-E1", "WO-E2"]
    assert day(concept["committed_due"]) == d("2026-10-27")


def test_each_delivery_serves_one_line(cfg, cal):
    wo = work_orders(
        order("WO-1", "HR-2026-001", at("2026-10-08 10:00"), "artwork"),
        order("WO-2", "HR-2026-001", at("2026-10-12 10:00"), "artwork"),
    )
    prog = progress(delivered("HR-2026-001", "artwork", "2026-10-13"))
    out = deadlines(wo, prog, cfg, cal, d("2026-10-16"))
    assert by(out, order_no="WO-1")["status"] == "delivered_late"  # due 10-12 (Oct 9, Sat 10, 12)
    assert by(out, order_no="WO-2")["status"] == "overdue"  # due 10-15 (Oct 13, 14, 15); the delivery is taken


def test_unknown_deliverable_is_a_warning_not_a_crash(cfg, cal):
    wo = work_orders(order("WO-1", "HR-2026-001", at("2026-10-12 10:00"), "banner", "artwork"))
    out = deadlines(wo, EMPTY_PROGRESS, cfg, cal, d("2026-10-12"))
    banner = by(out, deliverable="banner")
    assert pd.isna(banner["committed_due"]) and banner["status"] == "open"
    assert any("banner" in w and "[turnaround]" in w for w in banner["warnings"])
    assert by(out, deliverable="artwork")["status"] == "open"


def test_empty_frames_give_empty_results_with_their_columns(cfg, cal):
    out = deadlines(work_orders(), EMPTY_PROGRESS, cfg, cal, d("2026-10-16"))
    assert out.empty and "working_days_late" in out.columns
    assert gate_violations(EMPTY_PROGRESS, sign_offs(), d("2026-10-16")).empty
    assert awaiting_client(sign_offs(), cfg, cal, d("2026-10-16")).empty
    assert minutes_sla(minutes_docs(), cfg, d("2026-10-16")).empty


# ------------------------------------------------------------------ sign-off gates
def so(job, document, version, submitted, decision=None, decided=None):
    return {
        "job_no": job, "document": document, "version": version, "submitted_on": d(submitted),
        "decision": decision, "decided_on": d(decided) if decided else None,
        "signed_by": "客户" if decision == "approved" else None,
    }  # fmt: skip


def step(job, stage, done_on, owner="media"):
    return {"job_no": job, "stage": stage, "done_on": d(done_on), "owner": owner}


def test_issue_acceptance_booking_before_the_schedule_was_approved_is_a_violation():
    signs = sign_offs(so("HR-2026-010", "media_schedule", 1, "2026-10-12", "approved", "2026-10-15"))
    prog = progress(step("HR-2026-010", "media_booking", "2026-10-14"), step("HR-2026-011", "media_booking", "2026-10-16"))
    signs = pd.concat([signs, sign_offs(so("HR-2026-011", "media_schedule", 1, "2026-10-12", "approved", "2026-10-15"))])
    out = gate_violations(prog, signs, d("2026-10-16"))
    assert len(out) == 1, "the booking made after approval is fine"
    row = out.iloc[0]
    assert (row["job_no"], row["stage"], day(row["done_on"])) == ("HR-2026-010", "media_booking", d("2026-10-14"))
    assert row["missing"] == ["media_schedule"]
    assert "approved only on 2026-10-15" in row["detail"][0]
    assert row["source"] == "[progress_1.xlsx]progress!C20"


def test_the_version_in_force_on_the_day_counts():
    signs = sign_offs(
        so("HR-2026-012", "media_schedule", 1, "2026-10-08", "approved", "2026-10-09"),
        so("HR-2026-012", "media_schedule", 2, "2026-10-12"),  # a revised schedule, still pending
    )
    prog = progress(
        step("HR-2026-012", "media_booking", "2026-10-09"),  # v1 approved that day: fine
        step("HR-2026-012", "media_booking", "2026-10-13"),  # v2 pending: violation
    )
    out = gate_violations(prog, signs, d("2026-10-16"))
    assert list(out["done_on"].dt.date) == [d("2026-10-13")]
    assert "v2 still awaited" in out.iloc[0]["detail"][0]


def test_returned_documents_and_missing_documents():
    signs = sign_offs(so("HR-2026-013", "work_plan", 1, "2026-10-08", "revise", "2026-10-09"))
    prog = progress(
        step("HR-2026-013", "internal_discussion", "2026-10-12", owner="account"),
        step("HR-2026-013", "send_to_media", "2026-10-13"),
        step("HR-2026-013", "confirm_work_plan", "2026-10-12", owner="client"),  # a gate needs nothing before it
        step("HR-2026-013", "internal_brief", "2026-10-08", owner="account"),
        step("HR-2026-013", "production", "2026-10-20", owner="creative"),  # after as_of
    )
    out = gate_violations(prog, signs, d("2026-10-16"))
    assert list(out["stage"]) == ["internal_discussion", "send_to_media"]
    assert out.iloc[0]["missing"] == ["work_plan"] and "returned for revision" in out.iloc[0]["detail"][0]
    assert out.iloc[1]["missing"] == ["artwork_production_quote", "media_schedule"]
    assert all("not submitted" in x for x in out.iloc[1]["detail"])


def test_a_decided_row_of_a_version_beats_a_pending_duplicate():
    signs = sign_offs(
        so("HR-2026-014", "design_quote", 1, "2026-10-08"),
        so("HR-2026-014", "design_quote", 1, "2026-10-08", "approved", "2026-10-09"),
    )
    prog = progress(step("HR-2026-014", "production_quote", "2026-10-12", owner="creative"))
    assert gate_violations(prog, signs, d("2026-10-16")).empty


# ------------------------------------------------------------------ awaiting the client
def test_awaiting_client(cfg, cal):
    signs = sign_offs(
        so("HR-2026-020", "concept_strategy", 1, "2026-09-30"),  # Oct 8, 9, 10, 12: 4 > 3
        so("HR-2026-021", "media_schedule", 1, "2026-10-08"),  # Oct 9, 10, 12: 3, not more
        so("HR-2026-022", "design_quote", 1, "2026-09-28", "approved", "2026-10-14"),  # decided after as_of
        so("HR-2026-023", "work_plan", 1, "2026-09-28"),  # superseded by an answered v2
        so("HR-2026-023", "work_plan", 2, "2026-09-29", "revise", "2026-09-30"),
        so("HR-2026-024", "work_plan", 1, "2026-10-13"),  # submitted after as_of
    )
    out = awaiting_client(signs, cfg, cal, d("2026-10-12"))
    assert list(zip(out["job_no"], out["working_days_waiting"])) == [("HR-2026-022", 6), ("HR-2026-020", 4)]
    first = by(out, job_no="HR-2026-020")
    assert (first["document"], first["version"]) == ("concept_strategy", 1)
    assert day(first["submitted_on"]) == d("2026-09-30")
    assert day(first["response_due"]) == d("2026-10-10")  # Oct 8, 9, Sat 10
    assert first["warnings"] == []
    # the source is the submitted-on cell the waiting days count from, not the (empty) decision cell
    assert first["source"] == "[sign_off_1.xlsx]sign_off!E20"


def test_awaiting_client_uses_the_configured_days(tmp_path, cal):
    cfg = config_from_dict({"sla": {"client_response_days": 5}}, base_dir=tmp_path)
    signs = sign_offs(so("HR-2026-020", "concept_strategy", 1, "2026-09-30"))
    assert awaiting_client(signs, cfg, cal, d("2026-10-12")).empty
    assert list(awaiting_client(signs, cfg, cal, d("2026-10-14"))["working_days_waiting"]) == [6]


# ------------------------------------------------------------------ minutes SLA
def meeting(title, end, sent=None, important=True):
    end_ts = pd.Timestamp(end) if isinstance(end, pd.Timestamp) else pd.Timestamp(at(end))
    return {
        "title": title, "job_no": "HR-2026-001", "meeting_start": end_ts - pd.Timedelta(hours=2),
        "meeting_end": end_ts, "important": important, "attendees": "张伟, 客户", "prepared_by": "张伟",
        "sent_at": sent if isinstance(sent, pd.Timestamp) or sent is None else at(sent),
    }  # fmt: skip


def test_minutes_sla(cfg):
    docs = minutes_docs(
        meeting("on time", "2026-10-12 18:00", "2026-10-13 17:00"),
        meeting("late", "2026-10-12 18:00", "2026-10-13 20:30"),
        meeting("missing", "2026-10-13 18:00"),
        meeting("pending", "2026-10-15 10:00"),
        meeting("not important", "2026-10-12 18:00", important=False),
        meeting("sent from UTC", "2026-10-14 09:00", pd.Timestamp("2026-10-15 02:00", tz="UTC")),
        meeting("sent after as_of", "2026-10-13 09:00", "2026-10-16 09:00"),
        meeting("after as_of", "2026-10-16 09:00"),
    )
    out = minutes_sla(docs, cfg, d("2026-10-15"))
    got = {r["title"]: (r["status"], r["hours_late"]) for r in out.to_dict("records")}
    assert got == {
        "on time": ("on_time", None),
        "late": ("late", Decimal("2.50")),
        "missing": ("missing", Decimal("30.00")),  # due 10-14 18:00; as of the end of 10-15
        "pending": ("pending", None),
        "sent from UTC": ("late", Decimal("1.00")),  # 10:00 in Shanghai, due 09:00
        "sent after as_of": ("missing", Decimal("39.00")),  # due 10-14 09:00; end of 10-15 is 39 h later
    }
    assert str(out["meeting_end"].dtype) == "datetime64[ns, Asia/Shanghai]"
    assert by(out, title="late")["source"] == "[minutes_2.xlsx]minutes!C10"


def test_minutes_hours_come_from_config(tmp_path):
    cfg = config_from_dict({"sla": {"minutes_hours": 48}}, base_dir=tmp_path)
    docs = minutes_docs(meeting("late", "2026-10-12 18:00", "2026-10-13 20:30"))
    assert list(minutes_sla(docs, cfg, d("2026-10-15"))["status"]) == ["on_time"]


# ------------------------------------------------------------------ the weekly summary
def test_weekly_summary_json_shape(cfg):
    wo, prog = statuses_scenario()
    prog = pd.concat([prog, progress(step("HR-2026-010", "media_booking", "2026-10-14"))], ignore_index=True)
    signs = sign_offs(
        so("HR-2026-010", "media_schedule", 1, "2026-10-12", "approved", "2026-10-15"),
        so("HR-2026-020", "concept_strategy", 1, "2026-09-30"),
    )
    docs = minutes_docs(
        meeting("weekly status", "2026-10-12 18:00", "2026-10-13 20:30"),
        meeting("kick-off", "2026-09-28 10:00"),  # older, still missing: shown
        meeting("old, on time", "2026-09-28 10:00", "2026-09-28 12:00"),  # older and done: not shown
    )
    summary = weekly_summary(cfg, work_orders=wo, progress=prog, sign_offs=signs, minutes_docs=docs, today=d("2026-10-19"))
    assert summary.as_of == d("2026-10-16")
    data = weekly_data(summary)
    assert data == {
        "as_of": "2026-10-16",
        "jobs": 4,
        "open_deliverables": 4,
        "overdue": [
            {"job_no": "HR-2026-002", "deliverable": "media_plan", "due": "2026-10-14", "working_days_late": 2},
            {"job_no": "HR-2026-003", "deliverable": "artwork", "due": "2026-10-15", "working_days_late": 1},
        ],
        "due_soon": [{"job_no": "HR-2026-003", "deliverable": "schedule_local", "due": "2026-10-19", "working_days_left": 1}],
        "awaiting_client": [
            {"job_no": "HR-2026-020", "document": "concept_strategy", "version": 1, "submitted_on": "2026-09-30",
             "working_days_waiting": 8},
        ],
        "gate_violations": [
            {"job_no": "HR-2026-010", "stage": "media_booking", "done_on": "2026-10-14", "missing": ["media_schedule"]},
        ],
        "minutes": [
            {"title": "kick-off", "meeting_end": "2026-09-28T10:00:00+08:00", "sent_at": None, "status": "missing",
             "hours_late": "422.00"},  # due 09-29 10:00; 17 d 14 h before the end of 10-16
            {"title": "weekly status", "meeting_end": "2026-10-12T18:00:00+08:00",
             "sent_at": "2026-10-13T20:30:00+08:00", "status": "late", "hours_late": "2.50"},
        ],
        "warnings": [],
    }  # fmt: skip
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def test_weekly_summary_carries_the_calendar_warning(cfg):
    wo = work_orders(order("WO-9", "HR-2026-009", at("2026-12-24 11:00"), "tv_radio_creative"))
    summary = weekly_summary(
        cfg, work_orders=wo, progress=EMPTY_PROGRESS, sign_offs=sign_offs(), minutes_docs=minutes_docs(),
        as_of=d("2026-12-25"),
    )
    assert weekly_data(summary)["warnings"] == [WARN_2027]
    assert summary.open_deliverables == 1 and summary.jobs == 1


def test_weekly_summary_as_of_beats_today(cfg):
    empty = dict(work_orders=work_orders(), progress=EMPTY_PROGRESS, sign_offs=sign_offs(), minutes_docs=minutes_docs())
    assert weekly_summary(cfg, **empty, today=d("2026-10-15")).as_of == d("2026-10-09")
    assert weekly_summary(cfg, **empty, today=d("2026-10-15"), as_of=d("2026-10-14")).as_of == d("2026-10-14")
    assert weekly_data(weekly_summary(cfg, **empty, as_of=d("2026-10-14")))["jobs"] == 0


def test_config_calendar_moves_deadlines_through_weekly_summary(tmp_path):
    cfg = config_from_dict(
        {"turnaround": {"creative_concept": 5}, "calendar": {"extra_holidays": [d("2026-10-12")]}}, base_dir=tmp_path
    )
    wo = work_orders(order("WO-1", "HR-2026-001", at("2026-09-30 10:00"), "creative_concept"))
    summary = weekly_summary(
        cfg, work_orders=wo, progress=EMPTY_PROGRESS, sign_offs=sign_offs(), minutes_docs=minutes_docs(),
        as_of=d("2026-10-13"),
    )
    row = by(summary.deadlines, deliverable="creative_concept")
    assert day(row["committed_due"]) == d("2026-10-14")  # Oct 8, 9, Sat 10, (12 off), 13, 14
    assert weekly_data(summary)["due_soon"] == [
        {"job_no": "HR-2026-001", "deliverable": "creative_concept", "due": "2026-10-14", "working_days_left": 1}
    ]


def test_inputs_are_left_as_they_were(cfg, cal):
    wo, prog = statuses_scenario()
    before = (wo.copy(deep=True), prog.copy(deep=True))
    deadlines(wo, prog, cfg, cal, pd.Timestamp("2026-10-16"))  # a Timestamp as_of works too
    gate_violations(prog, sign_offs(), d("2026-10-16"))
    pd.testing.assert_frame_equal(wo, before[0])
    pd.testing.assert_frame_equal(prog, before[1])


def test_a_line_without_issued_at_is_named_not_computed(cfg, cal):
    wo = work_orders(
        order("WO-1", "HR-2026-001", None, "artwork"),
        order("WO-2", "HR-2026-002", at("2026-10-12 09:00"), "artwork"),
    )
    out = deadlines(wo, EMPTY_PROGRESS, cfg, cal, d("2026-10-16"))
    assert list(out["order_no"]) == ["WO-2"]
    (warning,) = out.attrs["warnings"]
    assert "WO-1" in warning and "[work_order_1.xlsx]work_order!C8" in warning


def test_send_to_media_accepts_approvals_of_another_job_of_the_same_campaign():
    """Creative (job 001) and media (job 002) of one campaign: sending needs both approvals."""
    signs = sign_offs(
        so("HR-2026-001", "artwork_production_quote", 1, "2026-10-12", "approved", "2026-10-13"),
        so("HR-2026-002", "media_schedule", 1, "2026-10-09", "approved", "2026-10-12"),
    )
    prog = progress(step("HR-2026-002", "send_to_media", "2026-10-14"))
    wo = work_orders(
        {**order("WO-1", "HR-2026-001", at("2026-09-30 10:00"), "artwork"), "campaign": "鲜活冰箱"},
        {**order("WO-2", "HR-2026-002", at("2026-09-30 10:00"), "media_plan"), "campaign": "鲜活冰箱"},
        {**order("WO-3", "HR-2026-003", at("2026-09-30 10:00"), "media_plan"), "campaign": "另一个 other"},
    )
    assert gate_violations(prog, signs, d("2026-10-16")).iloc[0]["missing"] == ["artwork_production_quote"]
    assert gate_violations(prog, signs, d("2026-10-16"), work_orders=wo).empty
    other = progress(step("HR-2026-003", "send_to_media", "2026-10-14"))
    assert sorted(gate_violations(other, signs, d("2026-10-16"), work_orders=wo).iloc[0]["missing"]) == [
        "artwork_production_quote", "media_schedule"]


def test_added_production_keeps_the_earlier_date_and_cut_production_is_never_due(cfg, cal):
    """增加制作 adds work with its own date; 减少制作 takes work off, it does not set a new deadline."""
    wo = work_orders(
        order("WO-P1", "HR-2026-030", at("2026-10-08 10:00"), "artwork", {"deliverable": "film", "quantity": 6}),
        order("WO-P2", "HR-2026-030", at("2026-10-12 10:00"), "artwork", order_type="add_production"),
        order("WO-P3", "HR-2026-030", at("2026-10-13 10:00"), {"deliverable": "film", "quantity": 2},
              order_type="cut_production"),
        order("WO-Q1", "HR-2026-031", at("2026-10-08 10:00"), {"deliverable": "colour_proof", "quantity": 4}),
        order("WO-Q2", "HR-2026-031", at("2026-10-09 10:00"), {"deliverable": "colour_proof", "quantity": 4},
              order_type="cut_production"),
    )
    out = deadlines(wo, EMPTY_PROGRESS, cfg, cal, d("2026-10-16"))
    first, added = by(out, order_no="WO-P1", deliverable="artwork"), by(out, order_no="WO-P2")
    assert day(first["committed_due"]) == d("2026-10-12") and first["working_days_late"] == 4  # Oct 9, Sat 10, 12
    assert day(added["committed_due"]) == d("2026-10-15") and added["supersedes"] == []
    film = by(out, deliverable="film")
    assert (film["order_no"], film["quantity"], day(film["committed_due"])) == ("WO-P1", 4, d("2026-10-10"))
    assert "HR-2026-031" not in set(out["job_no"])  # all four proofs were cut: nothing is due
    assert not (out["order_no"].isin(["WO-P3", "WO-Q2"])).any()
