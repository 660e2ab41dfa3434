"""The reconciliation calculator on hand-built frames: every code and exception, tolerance edges, ties, sizes, money."""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal as D

import pandas as pd
import pytest

from adtools.config import config_from_dict
from adtools.reconcile import EXCEPTION_TYPES, STATUSES, client_aliases, client_clippings, match, reconcile
from adtools.reconcile.ageing import bucket_keys

CAMPAIGN = "「鲜活冰箱」2026秋冬推广"
JOB = "HRFR-2026-002"
AS_OF = date(2026, 11, 20)


def config(tmp_path, **reconcile_keys):
    data = {"reconcile": reconcile_keys} if reconcile_keys else {}
    return config_from_dict(data, base_dir=tmp_path)


def booking(media, day, size, net, ref, status="booked", *, flight="第一波", version=2, row=0):
    return {"campaign": CAMPAIGN, "flight": flight, "version": version, "job_no": JOB, "media": media, "city": None,
            "date": pd.Timestamp(day), "size": size, "colour": "colour", "position": None, "gross": D(net),
            "net": D(net), "status": status, "booking_ref": ref, "_file": "media/排期.xlsx", "_sheet": "媒体排期表",
            "_row": row, "_cell_net": f"L{row}"}


def clipping(media, day, size, advertiser="海尔", ref=None, row=0):
    return {"date": pd.Timestamp(day), "media": media, "advertiser": advertiser, "size": size, "clipping_ref": ref,
            "product": None, "theme": None, "_file": "media/监测.xlsx", "_sheet": "媒体监测记录", "_row": row,
            "_cell_advertiser": f"D{row}"}


def invoice(no, media, day, size, amount, ref=None, row=0):
    return {"invoice_no": no, "media": media, "date": pd.Timestamp(day), "size": size, "booking_ref": ref,
            "amount": D(amount), "_file": "finance/发票.xlsx", "_sheet": "媒体发票登记", "_row": row, "_cell_amount": f"F{row}"}


def frame(rows, columns=None):
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns or [])


def by_ref(rec):
    return dict(zip(rec.insertions["booking_ref"], rec.insertions["status"]))


def exception_keys(rec):
    return sorted((t, r or n or c) for t, r, n, c in
                  zip(rec.exceptions["type"], rec.exceptions["booking_ref"], rec.exceptions["invoice_no"],
                      rec.exceptions["clipping_ref"]))


# ----------------------------------------------------------------- every code, every exception, nothing else
def every_case():
    schedule = [
        booking("人民日报", "2026-11-02", "整版", "10000.00", "R1", row=5),
        booking("北京晚报", "2026-11-03", "半版", "5000.00", "R2", row=6),
        booking("新民晚报", "2026-11-04", "半版", "5000.00", "R3", row=7),
        booking("广州日报", "2026-11-05", "通栏", "3000.00", "R4", row=8),
        booking("人民日报", "2026-11-06", "半版", "4000.00", "R5", row=9),
        booking("北京晚报", "2026-11-09", "整版", "8000.00", "R6", row=10),
        booking("新民晚报", "2026-11-10", "整版", "9000.00", "R7", "cancelled", row=11),
        booking("广州日报", "2026-11-11", "整版", "9000.00", "R8", "cancelled", row=12),
        booking("人民日报", "2026-12-01", "整版", "10000.00", "R9", row=13),
        # the superseded version 1 of the flight: never reconciled
        booking("人民日报", "2026-11-02", "整版", "12000.00", "OLD", version=1, row=5),
        # a planned row: not booked, not reconciled
        booking("人民日报", "2026-11-13", "整版", "10000.00", None, "planned", row=14),
    ]
    clips = [
        clipping("人民日报", "2026-11-02", "全版", "Ｈａｉｅｒ", "JB-1", 3),  # full-width brand, 全版 = 整版
        clipping("北京晚报", "2026-11-03", "半版", "海尔", "JB-2", 4),
        clipping("新民晚报", "2026-11-04", "1/2版", "卡萨帝", "JB-3", 5),
        clipping("广州日报", "2026-11-05", "通栏", " haier ", "JB-4", 6),
        clipping("广州日报", "2026-11-12", "整版", "海尔", "JB-5", 7),  # no booking: seen_not_booked
        clipping("人民日报", "2026-11-06", "半版", "美的", "JB-6", 8),  # a competitor on R5's day: not proof
        clipping("人民日报", "2026-11-23", "整版", "海尔", "JB-7", 9),  # after the as-of day: not read yet
    ]
    invoices = [
        invoice("INV-1", "人民日报", "2026-11-02", "整版", "10000.00", "R1", 3),
        invoice("INV-2", "北京晚报", "2026-11-03", "半版", "5000.50", None, 4),  # no ref: media + date + size
        invoice("INV-3", "新民晚报", "2026-11-04", "半版", "5000.51", "R3", 5),
        invoice("INV-5", "人民日报", "2026-11-06", "半版", "4000.00", "R5", 6),
        invoice("INV-8", "广州日报", "2026-11-11", "整版", "9000.00", "R8", 7),
        invoice("INV-9", "广州日报", "2026-11-16", "整版", "7000.00", "R99", 8),  # nothing explains it
        invoice("INV-1", "人民日报", "2026-11-02", "整版", "10000.00", "R1", 9),  # the same line twice
    ]
    return {"media_schedule": frame(schedule), "monitoring": frame(clips), "media_invoice": frame(invoices)}


def test_every_status_and_exception_is_found_and_nothing_else(tmp_path):
    cfg = config(tmp_path, tolerance_amount=D("0.50"))
    rec = reconcile(every_case(), cfg, AS_OF)
    assert by_ref(rec) == {
        "R1": "matched", "R2": "within_tolerance", "R3": "amount_differs", "R4": "ran_not_invoiced",
        "R5": "invoiced_not_seen", "R6": "booked_not_seen", "R7": "cancelled", "R8": "invoiced_cancelled",
        "R9": "not_yet_run",
    }
    assert set(rec.insertions["status"]) == set(STATUSES)
    assert exception_keys(rec) == sorted([
        ("amount_differs", "R3"), ("ran_not_invoiced", "R4"), ("invoiced_not_seen", "R5"), ("booked_not_seen", "R6"),
        ("invoiced_cancelled", "R8"), ("seen_not_booked", "JB-5"), ("invoiced_not_booked", "R99"),
        ("duplicate_invoice", "R1"),
    ])
    assert set(rec.exceptions["type"]) == set(EXCEPTION_TYPES)
    row = rec.insertions.set_index("booking_ref").loc["R3"]
    assert (row["net_fen"], row["invoiced_fen"], row["difference_fen"]) == (500000, 500051, 51)
    exc = rec.exceptions.set_index("type")
    assert exc.loc["amount_differs", "booking_source"] == "[media/排期.xlsx]媒体排期表!L7"
    assert exc.loc["amount_differs", "other_source"] == "[media/监测.xlsx]媒体监测记录!D5; [finance/发票.xlsx]媒体发票登记!F5"
    assert exc.loc["duplicate_invoice", "other_source"] == "[finance/发票.xlsx]媒体发票登记!F9"
    assert exc.loc["duplicate_invoice", "booking_source"] == "[finance/发票.xlsx]媒体发票登记!F3"  # the line it copies
    assert exc.loc["seen_not_booked", "other_source"] == "[media/监测.xlsx]媒体监测记录!D7"
    r2 = rec.insertions.set_index("booking_ref").loc["R2"]
    assert r2["invoice_how"] == "media_date_size" and "no booking ref" in r2["invoice_note"]
    # the duplicate is counted once: the campaign was invoiced R1 + R2 + R3 + R5 + R8
    assert rec.campaigns.set_index("campaign").loc[CAMPAIGN, "invoiced"] == 1000000 + 500050 + 500051 + 400000 + 900000


def test_the_json_has_the_issue_shape(tmp_path):
    rec = reconcile(every_case(), config(tmp_path, tolerance_amount=D("0.50")), AS_OF)
    data = rec.to_json()
    assert list(data) == ["as_of", "campaigns", "insertions", "exceptions", "ageing"]
    assert list(data["campaigns"][0]) == ["campaign", "received", "approved", "booked", "ran", "invoiced", "paid_out",
                                          "fees", "balance"]
    assert list(data["insertions"][0]) == ["campaign", "media", "date", "size", "booking_ref", "status", "booked",
                                           "invoiced", "difference", "clipping_ref", "invoice_no"]
    assert list(data["exceptions"][0]) == ["type", "campaign", "media", "date", "booking_ref", "invoice_no", "booked",
                                           "invoiced", "difference"]
    assert list(data["ageing"][0]) == ["counterparty", "current", "d1_30", "d31_60", "d61_90", "over_90", "outstanding"]
    r3 = next(i for i in data["insertions"] if i["booking_ref"] == "R3")
    assert (r3["booked"], r3["invoiced"], r3["difference"], r3["date"]) == ("5000.00", "5000.51", "0.51", "2026-11-04")


# ----------------------------------------------------------------- tolerance edges
@pytest.mark.parametrize("keys, amount, status", [
    ({"tolerance_amount": D("0.50")}, "10000.50", "within_tolerance"),  # exactly at the band
    ({"tolerance_amount": D("0.50")}, "10000.51", "amount_differs"),  # one fen over
    ({"tolerance_share": D("0.01")}, "10100.00", "within_tolerance"),  # 1% of 10000.00 exactly
    ({"tolerance_share": D("0.01")}, "10100.01", "amount_differs"),
    ({"tolerance_amount": D("0.50")}, "9999.50", "amount_differs"),  # lower: not allowed by default
    ({"tolerance_amount": D("0.50"), "allow_negative": True}, "9999.50", "within_tolerance"),
    ({"tolerance_amount": D("0.50"), "allow_negative": True}, "9999.49", "amount_differs"),
    ({}, "10000.00", "matched"),
    ({}, "10000.01", "amount_differs"),  # both 0 by default: any fen differs
])
def test_tolerance_edges(tmp_path, keys, amount, status):
    frames = {"media_schedule": frame([booking("人民日报", "2026-11-02", "整版", "10000.00", "R1")]),
              "monitoring": frame([clipping("人民日报", "2026-11-02", "整版")]),
              "media_invoice": frame([invoice("I1", "人民日报", "2026-11-02", "整版", amount, "R1")])}
    assert by_ref(reconcile(frames, config(tmp_path, **keys), AS_OF)) == {"R1": status}


# ----------------------------------------------------------------- partial invoices
def test_a_booking_invoiced_in_two_lines_adds_them_and_a_partial_one_differs(tmp_path):
    schedule = frame([booking("人民日报", "2026-11-02", "整版", "10000.00", "R1"),
                      booking("北京晚报", "2026-11-03", "整版", "10000.00", "R2")])
    clips = frame([clipping("人民日报", "2026-11-02", "整版"), clipping("北京晚报", "2026-11-03", "整版")])
    invoices = frame([invoice("A", "人民日报", "2026-11-02", "整版", "6000.00", "R1"),
                      invoice("B", "人民日报", "2026-11-02", "整版", "4000.00", "R1"),
                      invoice("C", "北京晚报", "2026-11-03", "整版", "6000.00", "R2")])
    rec = reconcile({"media_schedule": schedule, "monitoring": clips, "media_invoice": invoices}, config(tmp_path), AS_OF)
    ins = rec.insertions.set_index("booking_ref")
    assert ins.loc["R1", "status"] == "matched" and ins.loc["R1", "invoice_no"] == "A; B"
    assert ins.loc["R1", "invoice_lines"] == 2 and "invoiced in 2 lines" in ins.loc["R1", "invoice_note"]
    assert ins.loc["R2", "status"] == "amount_differs" and ins.loc["R2", "difference_fen"] == -400000
    assert exception_keys(rec) == [("amount_differs", "R2")]


# ----------------------------------------------------------------- ties: deterministic and explained
def test_two_bookings_on_one_day_compete_for_one_clipping(tmp_path):
    rows = [booking("人民日报", "2026-11-02", "整版", "10000.00", "R2", row=6),
            booking("人民日报", "2026-11-02", "整版", "10000.00", "R1", row=5)]
    clips = [clipping("人民日报", "2026-11-02", "整版", ref="JB-1")]
    cfg = config(tmp_path)
    results = set()
    for seed in range(4):  # the input order does not decide
        random.Random(seed).shuffle(rows)
        rec = reconcile({"media_schedule": frame(list(rows)), "monitoring": frame(clips)}, cfg, AS_OF)
        results.add(tuple(sorted(by_ref(rec).items())))
        loser = rec.insertions.set_index("booking_ref").loc["R2"]
        assert "JB-1" in loser["clipping_note"] and "R1" in loser["clipping_note"]
        winner = rec.insertions.set_index("booking_ref").loc["R1"]
        assert "2 bookings could take this clipping" in winner["clipping_note"]
    assert results == {(("R1", "ran_not_invoiced"), ("R2", "booked_not_seen"))}


def test_within_match_days_the_nearer_booking_wins_and_each_clipping_matches_once(tmp_path):
    cfg = config_from_dict({"monitoring": {"match_days": 2}}, base_dir=tmp_path)
    schedule = frame([booking("人民日报", "2026-11-02", "整版", "10000.00", "R1"),
                      booking("人民日报", "2026-11-03", "整版", "10000.00", "R2")])
    clips = frame([clipping("人民日报", "2026-11-03", "整版", ref="JB-1"), clipping("人民日报", "2026-11-04", "整版", ref="JB-2")])
    m = match(schedule, clips, None, cfg)
    got = dict(zip(m.insertions["booking_ref"], m.insertions["clipping_ref"]))
    assert got == {"R2": "JB-1", "R1": "JB-2"}  # JB-1 is R2's day; JB-2, two days after R1, is still within 2
    assert m.clippings["insertion"].notna().all() and m.clippings["insertion"].is_unique


def test_an_invoice_line_without_ref_goes_to_one_of_two_equal_bookings_only(tmp_path):
    schedule = frame([booking("人民日报", "2026-11-02", "整版", "10000.00", "R1"),
                      booking("人民日报", "2026-11-02", "整版", "10000.00", "R0", "cancelled")])
    invoices = frame([invoice("I1", "人民日报", "2026-11-02", "整版", "10000.00")])
    m = match(schedule, None, invoices, config(tmp_path))
    got = dict(zip(m.insertions["booking_ref"], m.insertions["invoice_no"]))
    assert got == {"R1": "I1", "R0": None}  # the booked one before the cancelled one
    assert "2 bookings fit" in m.insertions.set_index("booking_ref").loc["R1", "invoice_note"]


# ----------------------------------------------------------------- sizes
def test_full_width_and_times_or_star_sizes_match(tmp_path):
    schedule = frame([booking("新民晚报", "2026-11-02", "35×24cm", "8000.00", "R1"),
                      booking("新民晚报", "2026-11-03", "通栏", "3000.00", "R2")])
    clips = frame([clipping("新民晚报", "2026-11-02", "３５＊２４ｃｍ"), clipping("新民晚报", "2026-11-03", "通 栏")])
    invoices = frame([invoice("I1", "新民晚报", "2026-11-02", "350*240mm", "8000.00"),
                      invoice("I2", "新民晚报", "2026-11-03", "通栏", "3000.00")])
    rec = reconcile({"media_schedule": schedule, "monitoring": clips, "media_invoice": invoices}, config(tmp_path), AS_OF)
    assert by_ref(rec) == {"R1": "matched", "R2": "matched"}
    assert rec.exceptions.empty


def test_a_different_size_is_no_match(tmp_path):
    schedule = frame([booking("新民晚报", "2026-11-02", "整版", "8000.00", "R1")])
    clips = frame([clipping("新民晚报", "2026-11-02", "半版", ref="JB-1")])
    rec = reconcile({"media_schedule": schedule, "monitoring": clips}, config(tmp_path), AS_OF)
    assert exception_keys(rec) == [("booked_not_seen", "R1"), ("seen_not_booked", "JB-1")]


# ----------------------------------------------------------------- brand aliases: a seam for the alias register
def test_client_clippings_take_extra_aliases(tmp_path):
    cfg = config(tmp_path)
    clips = frame([clipping("人民日报", "2026-11-02", "整版", "海尔智家"), clipping("人民日报", "2026-11-02", "整版", "ＣＡＳＡＲＴＥ")])
    assert list(client_clippings(clips, client_aliases(cfg))["advertiser"]) == ["ＣＡＳＡＲＴＥ"]
    assert len(client_clippings(clips, client_aliases(cfg, extra=["海尔 智家"]))) == 2


# ----------------------------------------------------------------- balance and ageing by hand
def money_frames():
    schedule = frame([booking("人民日报", "2026-11-02", "整版", "10000.00", "R1"),
                      booking("人民日报", "2026-11-06", "半版", "4000.00", "R5")])
    clips = frame([clipping("人民日报", "2026-11-02", "整版"), clipping("人民日报", "2026-11-06", "半版")])
    invoices = frame([invoice("I1", "人民日报", "2026-11-02", "整版", "10000.00", "R1"),
                      invoice("I5", "人民日报", "2026-11-06", "半版", "4000.00", "R5"),
                      invoice("I7", "北京晚报", "2026-08-01", "整版", "2500.00", "R77")])  # no booking
    payments = frame([
        {"date": pd.Timestamp("2026-10-01"), "direction": "in", "counterparty": "海尔 Haier", "purpose": "media_prepayment",
         "campaign": CAMPAIGN, "job_no": JOB, "amount": D("12000.00"), "reference": "P1"},
        {"date": pd.Timestamp("2026-10-05"), "direction": "in", "counterparty": "海尔 Haier", "purpose": "creative_fee",
         "campaign": None, "job_no": JOB, "amount": D("5000.00"), "reference": "P2"},  # its campaign through its job
        {"date": pd.Timestamp("2026-11-20"), "direction": "out", "counterparty": "人民日报", "purpose": "media",
         "campaign": CAMPAIGN, "job_no": JOB, "amount": D("10000.00"), "reference": "P3"},
        {"date": pd.Timestamp("2027-01-05"), "direction": "in", "counterparty": "海尔 Haier", "purpose": "media_prepayment",
         "campaign": CAMPAIGN, "job_no": JOB, "amount": D("99999.00"), "reference": "P4"},  # after the as-of day
    ])
    timesheet = frame([{"staff": "张伟", "week_start": pd.Timestamp("2026-10-12"), "date": pd.Timestamp("2026-10-13"),
                        "job_no": JOB, "category": "print_creative", "hours": D("10.25")}])
    sign_off = frame([
        {"job_no": JOB, "document": "media_schedule", "version": 1, "decision": "approved",
         "decided_on": pd.Timestamp("2026-10-01"), "amount": D("15000.00")},
        {"job_no": JOB, "document": "media_schedule", "version": 2, "decision": "approved",
         "decided_on": pd.Timestamp("2026-10-20"), "amount": D("14000.00")},  # the current version's amount
        {"job_no": JOB, "document": "design_quote", "version": 1, "decision": "approved",
         "decided_on": pd.Timestamp("2026-10-02"), "amount": D("9000.00")},
        {"job_no": JOB, "document": "design_quote", "version": 2, "decision": "approved",
         "decided_on": pd.Timestamp("2026-10-09"), "amount": D("8800.00")},  # the latest approved version
    ])
    return {"media_schedule": schedule, "monitoring": clips, "media_invoice": invoices, "payments": payments,
            "timesheet": timesheet, "sign_off": sign_off}


def test_the_prepayment_balance_against_a_hand_computation(tmp_path):
    cfg = config(tmp_path)
    rec = reconcile(money_frames(), cfg, date(2026, 12, 20))
    row = rec.campaigns.set_index("campaign").loc[CAMPAIGN]
    fees = (D("10.25") * cfg.rates["print_creative"]).quantize(D("0.01"))  # 8200.00 at the documented 800/h
    fees += (fees * cfg.fees.tax_rate).quantize(D("0.01"))
    received = D("12000.00") + D("5000.00")
    invoiced = D("10000.00") + D("4000.00")  # the unbooked line is no campaign's
    balance = received - (invoiced + fees)
    got = {k: D(int(row[k])).scaleb(-2) for k in ("received", "approved", "booked", "ran", "invoiced", "paid_out", "fees",
                                                   "balance")}
    assert got == {"received": received, "approved": D("14000.00") + D("8800.00"), "booked": D("14000.00"),
                   "ran": D("14000.00"), "invoiced": invoiced, "paid_out": D("10000.00"), "fees": fees, "balance": balance}
    assert rec.to_json()["campaigns"][0]["balance"] == f"{balance:.2f}"


def test_the_ageing_against_a_hand_computation(tmp_path):
    cfg = config(tmp_path)
    as_of = date(2026, 12, 20)
    rec = reconcile(money_frames(), cfg, as_of)
    assert bucket_keys(cfg.reconcile.ageing_buckets) == ["current", "d1_30", "d31_60", "d61_90", "over_90"]
    table = {r["counterparty"]: r for r in rec.to_json()["ageing"]}
    # 人民日报: billed 10000 (11-02, due 12-02) + 4000 (11-06, due 12-06); 10000 paid settles the older one;
    # the 4000 is 14 days past due on 12-20
    assert table["人民日报"] == {"counterparty": "人民日报", "current": "0.00", "d1_30": "4000.00", "d31_60": "0.00",
                                 "d61_90": "0.00", "over_90": "0.00", "outstanding": "4000.00"}
    # 北京晚报: 2500 run 08-01, due 08-31, 111 days past due, nothing paid
    assert table["北京晚报"]["over_90"] == "2500.00" and table["北京晚报"]["outstanding"] == "2500.00"
    # the client: billed the media invoiced (14000) and October's fees (8200 + 6% = 8692, billed 10-31, due 11-30),
    # received 17000 by 12-20, oldest bill first: the fees, then 8308 of I1 (due 12-02); 1692 of I1 (18 days past
    # due) and all 4000 of I5 (due 12-06, 14 days) are open
    client = table[cfg.client.name]
    assert client["d1_30"] == "5692.00" and client["outstanding"] == "5692.00"
    assert client["current"] == client["d31_60"] == client["over_90"] == "0.00"
    pwp = rec.pay_when_paid.set_index("ref")
    # the media prepayment received (12000) covers I1 (10000, paid) and not I1 + I5 (14000)
    assert pwp.loc["I5", "pay_status"] == "awaiting_client" and pwp.loc["I7", "pay_status"] == "on_hold"
    assert "I1" not in pwp.index  # paid


def test_ageing_buckets_follow_the_config(tmp_path):
    cfg = config(tmp_path, ageing_buckets=[15, 45], payment_terms_days=0)
    rec = reconcile(money_frames(), cfg, date(2026, 12, 20))
    table = {r["counterparty"]: r for r in rec.to_json()["ageing"]}
    assert list(table["北京晚报"]) == ["counterparty", "current", "d1_15", "d16_45", "over_45", "outstanding"]
    assert table["人民日报"]["d16_45"] == "4000.00"  # 11-06 due the same day: 44 days past due


def test_pay_when_paid_once_the_client_has_paid(tmp_path):
    frames = money_frames()
    extra = pd.DataFrame([{"date": pd.Timestamp("2026-12-01"), "direction": "in", "counterparty": "海尔 Haier",
                           "purpose": "media_prepayment", "campaign": CAMPAIGN, "job_no": JOB, "amount": D("2000.00"),
                           "reference": "P5"}])
    frames["payments"] = pd.concat([frames["payments"], extra], ignore_index=True)
    rec = reconcile(frames, config(tmp_path), date(2026, 12, 20))
    assert rec.pay_when_paid.set_index("ref").loc["I5", "pay_status"] == "ready"


def test_config_refuses_falling_buckets(tmp_path):
    from adtools.errors import ConfigError

    with pytest.raises(ConfigError, match=r"\[reconcile\] ageing_buckets.*rise strictly"):
        config(tmp_path, ageing_buckets=[60, 30])
    with pytest.raises(ConfigError, match=r"\[reconcile\] tolerance_share"):
        config(tmp_path, tolerance_share=D("1.5"))
