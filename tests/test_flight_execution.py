"""The flight execution report: hand-built schedule, clippings and invoices with a known delivery rate, a cancelled
and an unseen insertion, spend against the approved schedule, when it falls due, the golden workbook, the job
sending it once per flight, and the command on the demo."""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal as D

import pandas as pd
import pytest
from click.testing import CliRunner
from golden_xlsx import check_golden
from handmade_frames import sign_offs

from adtools.cli import main
from adtools.config import load_config
from adtools.errors import InputError
from adtools.monitoring import delivery_rate, flight_execution, flights, register_client_aliases
from adtools.monitoring.due import flights_due
from adtools.reconcile import client_aliases, match
from adtools.reports.flight import render_flight

C, F, JOB = "鲜活冰箱", "第一波", "HRFR-2026-002"


def booking(media, day, size, net, ref, status="booked", *, version=2, row=10, flight=F):
    return {"campaign": C, "flight": flight, "version": version, "job_no": JOB, "media": media, "city": "北京",
            "date": pd.Timestamp(day), "size": size, "colour": "colour", "position": None, "gross": D(net),
            "net": D(net), "status": status, "booking_ref": ref, "_file": "media/排期_v2.xlsx", "_sheet": "媒体排期表",
            "_row": row, "_cell_net": f"I{row}"}


def clipping(media, day, size, ref, advertiser="海尔", row=5):
    return {"date": pd.Timestamp(day), "media": media, "advertiser": advertiser, "size": size, "clipping_ref": ref,
            "product": None, "theme": None, "_file": "media/监测.xlsx", "_sheet": "媒体监测记录", "_row": row,
            "_cell_advertiser": f"D{row}"}


def invoice(no, media, day, size, amount, ref=None, row=3):
    return {"invoice_no": no, "media": media, "date": pd.Timestamp(day), "size": size, "booking_ref": ref,
            "amount": D(amount), "_file": "finance/发票.xlsx", "_sheet": "媒体发票登记", "_row": row, "_cell_amount": f"F{row}"}


def schedule_docs(*versions: int) -> pd.DataFrame:
    return pd.DataFrame([{"campaign": C, "flight": F, "flight_start": pd.Timestamp("2026-10-01"),
                          "flight_end": pd.Timestamp("2026-10-07"), "scope": "national", "job_no": JOB, "version": v}
                         for v in versions])


SCHEDULE = pd.DataFrame([
    booking("人民日报", "2026-10-01", "整版", "1000.00", "B1", row=10),
    booking("人民日报", "2026-10-03", "半版", "4000.00", "B2", row=11),  # booked, never seen: not_seen
    booking("新民晚报", "2026-10-02", "整版", "2000.00", "B3", row=12),
    booking("新民晚报", "2026-10-05", "35×24cm", "3000.50", "B4", row=13),
    booking("北京晚报", "2026-10-04", "整版", "5000.00", "B5", status="cancelled", row=14),  # not booked
    booking("人民日报", "2026-10-01", "整版", "9999.00", "OLD", version=1, row=10),  # an older version: left out
    booking("人民日报", "2026-10-02", "整版", "777.00", "X1", flight="第二波", row=10),  # another flight
])
CLIPPINGS = pd.DataFrame([
    clipping("人民日报", "2026-10-01", "整版", "JB-1", row=5),
    clipping("新民晚报", "2026-10-02", "整版", "JB-2", advertiser="Ｈａｉｅｒ", row=6),
    clipping("新民晚报", "2026-10-05", "３５＊２４", "JB-3", advertiser="卡萨帝", row=7),
    clipping("人民日报", "2026-10-03", "半版", "JB-9", advertiser="美的", row=8),  # a competitor's: proves nothing
    clipping("北京晚报", "2026-10-04", "整版", "JB-4", row=9),  # the cancelled insertion ran anyway: not ours to count
])
INVOICES = pd.DataFrame([
    invoice("INV-1", "人民日报", "2026-10-01", "整版", "1000.00", ref="B1", row=3),
    invoice("INV-2", "人民日报", "2026-10-03", "半版", "4000.00", ref="B2", row=4),  # invoiced though not seen
    invoice("INV-3", "北京晚报", "2026-10-04", "整版", "5000.00", ref="B5", row=5),  # a cancelled insertion invoiced
])
NOTES = pd.DataFrame([{"campaign": C, "flight": F, "section": "effect", "text": "咨询量增长两成"},
                      {"campaign": C, "flight": F, "section": "next_steps", "text": "第二波加通栏"},
                      {"campaign": C, "flight": F, "section": "competitors", "text": "不在本报告 not in this report"},
                      {"campaign": C, "flight": "第二波", "section": "effect", "text": "另一波次 another flight"}])


def approvals(*rows) -> pd.DataFrame:
    return sign_offs(*({"job_no": JOB, "document": "media_schedule", "submitted_on": date(2026, 9, 20),
                        "decision": "approved", "decided_on": date(2026, 9, 25), "signed_by": "李明", **r} for r in rows))


def execution(cfg, sign_off=None, versions=(1, 2)):
    m = match(SCHEDULE, CLIPPINGS, INVOICES, cfg)
    so = approvals({"version": 1, "amount": D("12000.00")}, {"version": 2, "amount": D("9500.00")}) if sign_off is None else sign_off
    return flight_execution(m.insertions, schedule_docs(*versions), so, NOTES, C, F)


# --------------------------------------------------------------------------- the calculator
def test_delivery_rate_by_count_and_by_net_against_a_hand_computation(cfg):
    e = execution(cfg)
    # booked: B1 1000.00, B2 4000.00, B3 2000.00, B4 3000.50 (B5 cancelled); ran: B1, B3, B4
    assert (e.totals["booked"], e.totals["ran"], e.totals["not_seen"], e.totals["cancelled"]) == (4, 3, 1, 1)
    assert e.totals["rate"] == D("0.7500")
    assert e.totals["booked_fen"] == 1000050 and e.totals["ran_fen"] == 600050
    assert e.totals["rate_net"] == (D("6000.50") / D("10000.50")).quantize(D("0.0001")) == D("0.6000")
    status = dict(zip(e.insertions["booking_ref"], e.insertions["execution"]))
    assert status == {"B1": "ran", "B2": "not_seen", "B3": "ran", "B4": "ran", "B5": "cancelled"}
    refs = dict(zip(e.insertions["booking_ref"], e.insertions["clipping_ref"]))
    assert (refs["B1"], refs["B3"], refs["B4"], refs["B2"]) == ("JB-1", "JB-2", "JB-3", None)
    invoiced = dict(zip(e.insertions["booking_ref"], e.insertions["invoiced"]))
    assert invoiced == {"B1": True, "B2": True, "B3": False, "B4": False, "B5": True}
    assert e.totals["invoiced"] == 2 and e.totals["invoiced_fen"] == 1000000  # B5's invoice counts in the money
    media = e.by_media.set_index("media")
    assert media.loc["人民日报", "rate"] == D("0.5000") and media.loc["人民日报", "rate_net"] == D("0.2000")
    assert media.loc["新民晚报", "rate"] == D("1.0000") and "北京晚报" not in media.index  # only cancelled there
    assert any("B5" in r and "cancelled insertions were invoiced" in r for r in e.remarks)
    assert e.notes == {"effect": ["咨询量增长两成"], "next_steps": ["第二波加通栏"]}


def test_spend_against_the_latest_approval_of_the_current_version(cfg):
    data = execution(cfg).to_json()
    assert (data["booked"], data["ran"], data["delivery_rate"], data["delivery_rate_net"]) == (4, 3, "0.7500", "0.6000")
    s = data["spend"]
    assert (s["approved"], s["approved_version"], s["approved_on"]) == ("9500.00", 2, "2026-09-25")
    assert s["approved_source"] == "[sign_off_1.xlsx]sign_off!J21"  # the second row's amount cell
    assert (s["booked_net"], s["ran_net"], s["not_seen_net"], s["invoiced"]) == ("10000.50", "6000.50", "4000.00", "10000.00")
    assert (s["booked_less_approved"], s["invoiced_less_approved"]) == ("500.50", "500.00")
    assert [i["status"] for i in data["insertions"]] == ["ran", "ran", "not_seen", "cancelled", "ran"]
    assert data["insertions"][0]["source"] == "[media/排期_v2.xlsx]媒体排期表!I10"


def test_an_approval_of_an_earlier_version_is_used_and_said_and_none_is_said(cfg):
    e = execution(cfg, approvals({"version": 1, "amount": D("12000.00")},
                                 {"version": 3, "amount": D("1.00")},  # a later version than the schedule has
                                 {"version": 2, "amount": D("2.00"), "decision": "revise", "signed_by": None}))
    assert (e.approved["fen"], e.approved["version"]) == (1200000, 1)
    assert any("the client approved version 1" in r for r in e.remarks)
    none = execution(cfg, approvals()).to_json()
    assert none["spend"]["approved"] is None and none["spend"]["booked_less_approved"] is None
    assert any("no client-approved amount" in r for r in none["remarks"])


def test_a_flight_without_bookings_and_an_unknown_flight(cfg):
    m = match(SCHEDULE[SCHEDULE["booking_ref"].eq("B5")], CLIPPINGS, None, cfg)
    e = flight_execution(m.insertions, schedule_docs(2), None, None, C, F)
    assert e.totals["booked"] == 0 and e.totals["rate"] is None and e.to_json()["delivery_rate"] is None
    with pytest.raises(InputError, match="鲜活冰箱 / 第一波"):
        flight_execution(m.insertions, schedule_docs(2), None, None, C, "第九波")
    assert delivery_rate(2, 3) == D("0.6667") and delivery_rate(1, 0) is None


def test_the_brand_alias_register_adds_client_aliases_for_the_match(cfg):
    register = pd.DataFrame([{"alias": "HR冰箱", "brand": "海尔", "side": "client"},
                             {"alias": "美菱", "brand": "美菱", "side": "competitor"}])
    aliases = client_aliases(cfg, extra=register_client_aliases(register))
    assert "HR冰箱" in aliases and "美菱" not in aliases
    clips = pd.concat([CLIPPINGS, pd.DataFrame([clipping("人民日报", "2026-10-03", "半版", "JB-5", advertiser="ＨＲ冰箱")])], ignore_index=True)
    e = flight_execution(match(SCHEDULE, clips, INVOICES, cfg, aliases=aliases).insertions, schedule_docs(1, 2),
                         None, None, C, F)
    assert e.totals["ran"] == 4 and e.totals["rate"] == D("1.0000")


def test_the_execution_report_falls_due_execution_report_days_after_the_flight(cfg):
    fl = flights(schedule_docs(1, 2))
    days = cfg.sla.execution_report_days
    end = date(2026, 10, 7)
    assert flights_due(fl, days, end + timedelta(days=days - 1)) == []
    assert flights_due(fl, days, end + timedelta(days=days)) == [(C, F)]


# --------------------------------------------------------------------------- the workbook
def test_golden_flight_workbook(cfg, tmp_path):
    result = render_flight(cfg, execution(cfg), out_dir=tmp_path)
    check_golden(result.files[0], "flight_C_F1")
    assert result.key == "flight" and result.period == f"{C} {F}"
    assert result.subject == f"【执行报告 Execution】{cfg.client.product} 执行报告 {C} {F}"
    assert "75.0%" in result.html and "未见刊" in result.html and "Not seen" in result.html
    assert "咨询量增长两成" in result.text
    from openpyxl import load_workbook

    wb = load_workbook(result.files[0])
    assert wb.sheetnames == ["概要 Summary", "排期执行 Insertions", "图表 Charts", "总结 Notes"]
    ins = wb["排期执行 Insertions"]
    assert ins.auto_filter.ref and ins["A5"].fill.fgColor.rgb.endswith("C6EFCE")  # ran: green


# --------------------------------------------------------------------------- the job, the command, the demo
def _flight_one(cfg):
    from adtools.ledger import frames
    from adtools.ledger.store import Ledger

    with Ledger.open(cfg) as led:
        return flights(frames.documents(led, "media_schedule")).iloc[0]


def test_the_job_sends_the_execution_report_once_per_flight(demo_workspace):
    from adtools.tasks import run_task

    base = load_config(demo_workspace.root / "config.toml")
    # a list of recipients of its own: the demo's run has mailed both flight reports to the usual one already
    cfg = replace(base, mail=replace(base.mail, recipients={**base.mail.recipients, "flight": ("ops@agency.example",)}))
    first = _flight_one(cfg)
    due_day = first["flight_end"] + timedelta(days=cfg.sla.execution_report_days)
    assert cfg.sla.market_analysis_days > cfg.sla.execution_report_days

    def run(day: date, force: bool = False) -> list[tuple[str, object]]:
        r = run_task("flight_reports", cfg, now=datetime.combine(day, datetime.min.time(), tzinfo=cfg.tz) + timedelta(hours=9),
                     force=force)
        assert r.status == "ok", r.error
        return [(d["report"], d["queued"]) for d in r.summary["due"]]

    period = f"{first['campaign']} {first['flight']}"
    assert run(due_day - timedelta(days=1)) == []
    assert run(due_day) == [("flight", True)]
    assert run_task("flight_reports", cfg, now=datetime.combine(due_day, datetime.min.time(), tzinfo=cfg.tz)
                    + timedelta(hours=15)).status == "done"  # the day's run is done
    assert run(due_day, force=True) == [("flight", "sent before")]  # forced: the mail is in the outbox already
    market_day = first["flight_end"] + timedelta(days=cfg.sla.market_analysis_days)
    assert run(market_day) == [("market", True), ("flight", "sent before")]
    from adtools.mail import MailKey, is_queued
    from adtools.ledger.store import Ledger

    with Ledger.open(cfg) as led:
        assert is_queued(led.engine, MailKey.of("flight", period, ("ops@agency.example",)))


def test_the_flight_command_on_the_demo(demo_built):
    root = demo_built.root
    cfg = load_config(root / "config.toml")
    first = _flight_one(cfg)
    r = CliRunner().invoke(main, ["--config", str(root / "config.toml"), "report", "flight", "--campaign",
                                  first["campaign"], "--flight", first["flight"], "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    # the story: six booked insertions, the 人民日报 half page of day 5 never seen (the flight notes say so)
    assert (data["booked"], data["ran"], data["not_seen"], data["delivery_rate"]) == (6, 5, 1, "0.8333")
    unseen = [i for i in data["insertions"] if i["status"] == "not_seen"]
    assert [(i["media"], i["size"]) for i in unseen] == [("人民日报", "半版")]
    assert data["spend"]["approved"] == data["spend"]["booked_net"] and data["notes"]["effect"]
    assert all(i["clipping_ref"] for i in data["insertions"] if i["status"] == "ran")
    bad = CliRunner().invoke(main, ["--config", str(root / "config.toml"), "report", "flight", "--campaign",
                                    first["campaign"], "--flight", "第九波"])
    assert bad.exit_code == 1 and "第一波" in bad.output and "Fix" in bad.output


def test_the_demo_produces_the_execution_report_of_its_first_flight(demo_built):
    done = {line.step: line for line in demo_built.result.lines}
    line = done["执行报告 Flight execution"]
    assert "执行报告_flight_" in line.where and "第一波" in line.where and "market" not in line.where
    assert "刊出 ran 5/6" in line.produced and "mail queued #" in line.produced
    assert "执行报告_flight_" not in done["市场分析 Market analysis"].where
