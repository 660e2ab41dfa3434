"""Fee statement and quote pricing: hand-computed figures, the manual's rules, and a property test."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adtools.config import config_from_dict
from adtools.errors import InputError
from adtools.fees import MONEY_KEYS, fee_statement, film_price, month_bounds, price_quote, statement_weeks

D = Decimal
JOB_A = "HRFR-2026-001"
JOB_B = "HRFR-2026-002"


def make_cfg(tmp_path: Path, **over):
    """A config with explicit figures, so the expected numbers below are computed by hand from these."""
    data = {
        "rates": {"print_creative": D("800"), "print_artwork": D("300"), "pop_creative": D("600"),
                  "pop_artwork": D("250"), "tv_radio_creative": D("1000")},
        "film": {"bw": D("120"), "colour_proof": D("380"), "base_width_cm": D("21.0"), "base_height_cm": D("29.7")},
        "fees": {"tax_rate": D("0.06"), "oop_markup": D("0.0"), "budget_warning": D("0.9")},
        "people": [
            {"name": "张伟", "email": "zhang.wei@agency.example", "aliases": ["Zhang Wei"]},
            {"name": "王芳", "email": "wang.fang@agency.example", "department": "creative"},
        ],
    }
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return config_from_dict(data, base_dir=tmp_path)


def ts_frame(rows, file="timesheets/张伟_2026-11-02.xlsx"):
    """Timesheet rows as the ledger gives them: (staff, date, job, category, hours) + provenance columns."""
    out = []
    for i, (staff, day, job, cat, hours) in enumerate(rows):
        d = date.fromisoformat(day)
        out.append({
            "staff": staff, "department": "creative", "week_start": d - timedelta(days=d.weekday()),
            "date": d, "job_no": job, "category": cat, "hours": D(hours), "description": None,
            "_document_id": 1, "_version": 1, "_file": file, "_sheet": "工时表", "_row": 7 + i,
            "_cell_date": f"A{7 + i}", "_cell_job_no": f"B{7 + i}", "_cell_category": f"C{7 + i}",
            "_cell_hours": f"D{7 + i}",
        })
    df = pd.DataFrame(out, columns=list(out[0]) if out else None)
    for c in ("date", "week_start"):
        if c in df:
            df[c] = pd.to_datetime(df[c])
    return df


def cost_frame(rows, file="costs/成本2026.xlsx"):
    """Cost-log rows: dicts with date, job_no, cost_type, amount and optionally film fields / billable."""
    out = []
    for i, r in enumerate(rows):
        n = 5 + i
        out.append({
            "register_id": "C-2026", "date": date.fromisoformat(r["date"]), "job_no": r.get("job_no", JOB_A),
            "vendor": r.get("vendor", "供应商"), "cost_type": r["cost_type"], "film_kind": r.get("film_kind"),
            "width_cm": D(r["width_cm"]) if "width_cm" in r else None,
            "height_cm": D(r["height_cm"]) if "height_cm" in r else None,
            "quantity": r.get("quantity", 1), "amount": D(r["amount"]) if "amount" in r else None,
            "invoice_no": None, "billable": r.get("billable", True),
            "_document_id": 2, "_version": 1, "_file": file, "_sheet": "外付成本登记", "_row": n,
            "_cell_date": f"A{n}", "_cell_job_no": f"B{n}", "_cell_width_cm": f"F{n}", "_cell_amount": f"I{n}",
        })
    df = pd.DataFrame(out)
    df["date"] = pd.to_datetime(df["date"])
    df["quantity"] = df["quantity"].astype("Int64")
    return df


def sign_off_frame(rows):
    out = [
        {"register_id": "S-2026", "job_no": job, "document": doc, "version": v, "submitted_on": pd.Timestamp(decided),
         "decision": decision, "decided_on": pd.Timestamp(decided), "signed_by": "客户", "comments": None,
         "amount": D(amount), "_file": "signoffs.xlsx", "_sheet": "客户确认单", "_cell_amount": f"J{5 + i}"}
        for i, (job, doc, v, decision, decided, amount) in enumerate(rows)
    ]
    df = pd.DataFrame(out)
    df["version"] = df["version"].astype("Int64")
    return df


def figures(statement, job):
    row = statement.jobs.set_index("job_no").loc[job]
    return {k: row[k] for k in MONEY_KEYS}


# --------------------------------------------------------------------------- hand-computed statements
def test_hand_computed_statement_two_jobs(tmp_path):
    cfg = make_cfg(tmp_path)
    ts = ts_frame([
        ("张伟", "2026-11-02", JOB_A, "print_creative", "2.5"),   # 2.5 x 800 = 2000
        ("张伟", "2026-11-03", JOB_A, "print_creative", "1.25"),  # + 1.25 x 800 = 1000 -> 3.75 h, 3000.00
        ("张伟", "2026-11-03", JOB_A, "print_artwork", "4"),      # 4 x 300 = 1200
        ("张伟", "2026-11-04", JOB_B, "tv_radio_creative", "0.75"),  # 750
        ("张伟", "2026-11-04", None, "non_billable", "3"),
    ])
    costs = cost_frame([
        {"date": "2026-11-05", "cost_type": "photography", "amount": "1234.56"},
        {"date": "2026-11-06", "cost_type": "postage", "amount": "45.00"},
        {"date": "2026-11-06", "job_no": JOB_B, "cost_type": "retouching", "amount": "99.99"},
    ])
    s = fee_statement(ts, costs, None, cfg, "2026-11")
    a = figures(s, JOB_A)
    assert a == {"hours": D("7.75"), "hours_fee": D("4200.00"), "film": D("0.00"), "costs": D("1234.56"),
                 "postage": D("45.00"), "subtotal": D("5479.56"),
                 "tax": D("328.77"),  # 5479.56 x 0.06 = 328.7736
                 "total": D("5808.33")}
    b = figures(s, JOB_B)
    assert b["subtotal"] == D("849.99") and b["tax"] == D("51.00") and b["total"] == D("900.99")  # 50.9994 -> 51.00
    assert s.totals["total"] == D("6709.32") and s.totals["tax"] == D("379.77")
    assert s.non_billable_hours == D("3.00")
    hours_lines = s.lines[s.lines["line_type"] == "hours"]
    pc = hours_lines[(hours_lines["job_no"] == JOB_A) & (hours_lines["category"] == "print_creative")].iloc[0]
    assert pc["hours"] == D("3.75") and pc["rate"] == D("800") and pc["amount"] == D("3000.00")
    assert pc["sources"] == ("[timesheets/张伟_2026-11-02.xlsx]工时表!D7", "[timesheets/张伟_2026-11-02.xlsx]工时表!D8")
    photo = s.lines[s.lines["category"] == "photography"].iloc[0]
    assert photo["sources"] == ("[costs/成本2026.xlsx]外付成本登记!I5",)


def test_film_pro_rata_by_area(tmp_path):
    cfg = make_cfg(tmp_path)
    costs = cost_frame([
        # colour proof at twice the base area: 380 x 2 = 760 per piece, 2 pieces = 1520.00
        {"date": "2026-11-10", "cost_type": "film", "film_kind": "colour_proof", "width_cm": "42", "height_cm": "29.7",
         "quantity": 2, "amount": "999.00"},
        # b/w 10 x 15 cm: 120 x 150 / 623.7 x 3 = 86.58008... -> 86.58
        {"date": "2026-11-11", "cost_type": "film", "film_kind": "bw", "width_cm": "10", "height_cm": "15", "quantity": 3},
    ])
    s = fee_statement(None, costs, None, cfg, "2026-11")
    film = s.lines[s.lines["line_type"] == "film"]
    assert list(film["amount"]) == [D("1520.00"), D("86.58")]
    assert figures(s, JOB_A)["film"] == D("1606.58")
    assert film.iloc[0]["actual"] == D("999.00")  # the vendor's amount is shown, the rate card prices it
    assert film.iloc[1]["sources"] == ("[costs/成本2026.xlsx]外付成本登记!F6",)
    assert film_price(cfg, "bw", D("21.0"), D("29.7")) == D("120.00")


def test_mid_month_rate_change(tmp_path):
    cfg = make_cfg(tmp_path, rate_cards=[
        {"effective_from": date(2026, 11, 16), "print_creative": D("850")},
        {"effective_from": date(2026, 11, 20), "pop_creative": D("650")},  # print_creative stays 850
    ])
    ts = ts_frame([
        ("王芳", "2026-11-13", JOB_A, "print_creative", "2"),   # 800 -> 1600
        ("王芳", "2026-11-16", JOB_A, "print_creative", "2"),   # 850
        ("王芳", "2026-11-23", JOB_A, "print_creative", "1.5"),  # 850 (second card does not touch it) -> 3.5 h 2975
        ("王芳", "2026-11-19", JOB_A, "pop_creative", "1"),      # 600
        ("王芳", "2026-11-20", JOB_A, "pop_creative", "1"),      # 650
    ])
    s = fee_statement(ts, None, None, cfg, "2026-11")
    got = {(r["category"], r["rate"]): (r["hours"], r["amount"]) for r in s.lines.to_dict("records")}
    assert got == {
        ("print_creative", D("800")): (D("2.00"), D("1600.00")),
        ("print_creative", D("850")): (D("3.50"), D("2975.00")),
        ("pop_creative", D("600")): (D("1.00"), D("600.00")),
        ("pop_creative", D("650")): (D("1.00"), D("650.00")),
    }
    assert figures(s, JOB_A)["hours_fee"] == D("5825.00")
    detail = s.hours_detail.set_index("source")
    assert detail.loc["[timesheets/张伟_2026-11-02.xlsx]工时表!D9", "rate"] == D("850")


def test_week_spanning_two_months_splits_by_row_date(tmp_path):
    cfg = make_cfg(tmp_path)
    ts = ts_frame([  # the week of Monday 2026-11-30
        ("张伟", "2026-11-30", JOB_A, "print_artwork", "8"),
        ("张伟", "2026-12-01", JOB_A, "print_artwork", "6"),
        ("张伟", "2026-12-02", JOB_A, "print_artwork", "2.25"),
    ])
    nov = fee_statement(ts, None, None, cfg, "2026-11")
    dec = fee_statement(ts, None, None, cfg, "2026-12")
    assert figures(nov, JOB_A)["hours"] == D("8.00") and figures(nov, JOB_A)["hours_fee"] == D("2400.00")
    assert figures(dec, JOB_A)["hours"] == D("8.25") and figures(dec, JOB_A)["hours_fee"] == D("2475.00")
    # the week belongs to both months' timesheet checks; 张伟 sent it, 王芳 did not
    assert ("王芳", date(2026, 11, 30)) in nov.missing_timesheets
    assert ("王芳", date(2026, 11, 30)) in dec.missing_timesheets
    assert ("张伟", date(2026, 11, 30)) not in nov.missing_timesheets


def test_superseded_timesheet_only_current_rows_count(tmp_path):
    """The ledger's frames give the current version only; the statement follows what it is given."""
    cfg = make_cfg(tmp_path)
    v1 = ts_frame([("张伟", "2026-11-02", JOB_A, "print_creative", "8")])
    v2 = ts_frame([("张伟", "2026-11-02", JOB_A, "print_creative", "5")], file="timesheets/张伟_2026-11-02_v2.xlsx")
    v2["_version"] = 2
    s = fee_statement(v2, None, None, cfg, "2026-11")
    assert figures(s, JOB_A)["hours_fee"] == D("4000.00")
    assert s.lines.iloc[0]["sources"] == ("[timesheets/张伟_2026-11-02_v2.xlsx]工时表!D7",)
    assert fee_statement(v1, None, None, cfg, "2026-11").totals["hours_fee"] == D("6400.00")


# --------------------------------------------------------------------------- rounding half up
def test_half_up_hours_per_job_category_rate(tmp_path):
    cfg = make_cfg(tmp_path, rates={"print_creative": D("0.5"), "print_artwork": D("100.10")})
    ts = ts_frame([
        ("张伟", "2026-11-02", JOB_A, "print_creative", "0.25"),  # 0.125 -> 0.13 (half even would give 0.12)
        ("张伟", "2026-11-02", JOB_B, "print_artwork", "0.25"),   # 25.025 -> 25.03
        ("张伟", "2026-11-03", JOB_B, "print_artwork", "0.25"),   # with the row above: 0.5 x 100.10 = 50.05, not 25.03 x 2
    ])
    s = fee_statement(ts, None, None, cfg, "2026-11")
    assert figures(s, JOB_A)["hours_fee"] == D("0.13")
    assert figures(s, JOB_B)["hours_fee"] == D("50.05")


def test_half_up_tax_markup_and_film(tmp_path):
    cfg = make_cfg(
        tmp_path,
        fees={"tax_rate": D("0.05"), "oop_markup": D("0.5")},
        film={"bw": D("1"), "base_width_cm": D("10"), "base_height_cm": D("10")},
    )
    costs = cost_frame([
        {"date": "2026-11-02", "cost_type": "other", "amount": "10.03"},      # x 1.5 = 15.045 -> 15.05
        {"date": "2026-11-02", "job_no": JOB_B, "cost_type": "postage", "amount": "122.50"},  # tax 6.125 -> 6.13
        # 1 x (5 x 2.5) / 100 = 0.125 -> 0.13
        {"date": "2026-11-02", "job_no": "HRFR-2026-003", "cost_type": "film", "film_kind": "bw",
         "width_cm": "5", "height_cm": "2.5"},
    ])
    s = fee_statement(None, costs, None, cfg, "2026-11")
    assert figures(s, JOB_A)["costs"] == D("15.05")
    assert figures(s, JOB_A)["tax"] == D("0.75")  # 0.7525
    assert figures(s, JOB_B)["postage"] == D("122.50")  # postage at cost, no markup
    assert figures(s, JOB_B)["tax"] == D("6.13")
    assert figures(s, "HRFR-2026-003")["film"] == D("0.13")


# --------------------------------------------------------------------------- what is charged
def test_non_billable_never_charged_and_billable_share(tmp_path):
    cfg = make_cfg(tmp_path)
    ts = ts_frame([
        ("Zhang Wei", "2026-11-02", JOB_A, "non_billable", "2"),  # an alias; a job number does not make it billable
        ("张伟", "2026-11-02", None, "non_billable", "1"),
        ("张伟", "2026-11-03", JOB_A, "pop_artwork", "3"),
    ])
    s = fee_statement(ts, None, None, cfg, "2026-11")
    assert figures(s, JOB_A)["hours"] == D("3.00") and figures(s, JOB_A)["hours_fee"] == D("750.00")
    assert s.non_billable_hours == D("3.00")
    staff = s.hours_by_staff.set_index("staff").loc["张伟"]
    assert staff["non_billable"] == D("3.00") and staff["pop_artwork"] == D("3.00")
    assert staff["total"] == D("6.00") and staff["billable"] == D("3.00") and staff["billable_share"] == D("0.5000")
    nb = s.hours_detail[s.hours_detail["category"] == "non_billable"]
    assert not nb["billable"].any() and nb["line_no"].isna().all()


def test_oop_markup_and_non_billable_costs(tmp_path):
    cfg = make_cfg(tmp_path, fees={"oop_markup": D("0.1")})
    costs = cost_frame([
        {"date": "2026-11-02", "cost_type": "stock_rental", "amount": "1000.00"},  # 1100.00
        {"date": "2026-11-02", "cost_type": "printing", "amount": "500.00", "billable": False},  # agency's own cost
        {"date": "2026-11-03", "cost_type": "postage", "amount": "20.00"},  # at cost
        {"date": "2026-10-31", "cost_type": "photography", "amount": "700.00"},  # October
    ])
    s = fee_statement(None, costs, None, cfg, "2026-11")
    assert figures(s, JOB_A)["costs"] == D("1100.00")
    assert figures(s, JOB_A)["postage"] == D("20.00")
    assert figures(s, JOB_A)["subtotal"] == D("1120.00")
    assert list(s.lines["actual"]) == [D("1000.00"), D("20.00")]


def test_job_filter(tmp_path):
    cfg = make_cfg(tmp_path)
    ts = ts_frame([("张伟", "2026-11-02", JOB_A, "print_creative", "1"), ("张伟", "2026-11-02", JOB_B, "print_creative", "2")])
    s = fee_statement(ts, None, None, cfg, "2026-11", job=JOB_B)
    assert list(s.jobs["job_no"]) == [JOB_B]
    assert s.totals["hours_fee"] == D("1600.00")
    assert set(s.hours_detail["job_no"]) == {JOB_B}
    assert not any("check the job number" in w for w in s.warnings)


def test_a_job_with_nothing_charged_in_the_month_is_a_warning(tmp_path):
    """A mistyped --job must not look like a job that cost nothing."""
    cfg = make_cfg(tmp_path)
    ts = ts_frame([("张伟", "2026-11-02", JOB_A, "print_creative", "1")])
    s = fee_statement(ts, None, None, cfg, "2026-11", job="HRFR-2026-01")
    assert s.totals["total"] == D("0.00")
    assert s.warnings == ("台账中没有工作编号 HRFR-2026-01；您是不是要找 HRFR-2026-001？ / There is no job HRFR-2026-01 "
                          "in the ledger. Did you mean HRFR-2026-001?",)
    # a job known to the ledger with nothing in the month says so
    s = fee_statement(ts, None, None, cfg, "2026-12", job=JOB_A)
    assert any("has no chargeable hours or costs in 2026-12" in w for w in s.warnings)


def test_a_lower_case_job_is_read_as_the_job_it_names(tmp_path):
    cfg = make_cfg(tmp_path)
    ts = ts_frame([("张伟", "2026-11-02", JOB_A, "print_creative", "1")])
    s = fee_statement(ts, None, None, cfg, "2026-11", job=JOB_A.lower())
    assert s.job == JOB_A and s.totals["total"] > D("0")
    assert s.warnings[0] == f"工作编号按 {JOB_A} 读取（写作 {JOB_A.lower()}） / The job number '{JOB_A.lower()}' was read as {JOB_A}."


def test_a_month_before_the_first_timesheet_has_no_missing_timesheets_but_says_so(tmp_path):
    cfg = make_cfg(tmp_path)
    ts = ts_frame([("张伟", "2026-11-02", JOB_A, "print_creative", "1")])
    s = fee_statement(ts, None, None, cfg, "2025-01", as_of=date(2026, 11, 26))
    assert s.missing_timesheets == ()
    assert "The ledger's first timesheet is for the week of 2026-11-02: 2025-01 is before it and has no data." in s.warnings[0]
    assert any("no chargeable hours or costs in 2025-01" in w for w in s.warnings)
    # the month the data begins in: only the weeks from the first one count
    late = ts_frame([("张伟", "2026-11-16", JOB_A, "print_creative", "1")])
    s = fee_statement(late, None, None, cfg, "2026-11", as_of=date(2026, 11, 26))
    assert {w for _, w in s.missing_timesheets} == {date(2026, 11, 16), date(2026, 11, 23)}
    assert any("earlier weeks are not counted as missing" in w for w in s.warnings)
    s = fee_statement(ts, None, None, cfg, "2026-11", as_of=date(2026, 11, 26))
    assert not any("first timesheet" in w for w in s.warnings)
    # a month that has not begun
    s = fee_statement(ts, None, None, cfg, "2027-05", as_of=date(2026, 11, 26))
    assert s.missing_timesheets == () and "2027-05 has not begun as of 2026-11-26." in s.warnings[0]


# --------------------------------------------------------------------------- estimate against actual
def test_budget_warning_over_and_no_quote(tmp_path):
    cfg = make_cfg(tmp_path)
    ts = ts_frame([
        ("张伟", "2026-10-12", JOB_A, "print_creative", "2"),   # October: 1600 + 96 tax = 1696.00
        ("张伟", "2026-11-02", JOB_A, "print_creative", "2"),   # November: 1696.00 -> 3392.00 to date
        ("张伟", "2026-11-02", JOB_B, "print_creative", "5"),   # 4000 + 240 = 4240.00
        ("张伟", "2026-11-02", "HRFR-2026-003", "print_artwork", "1"),
    ])
    so = sign_off_frame([
        (JOB_A, "design_quote", 1, "approved", "2026-09-01", "1000.00"),
        (JOB_A, "design_quote", 2, "approved", "2026-09-20", "2500.00"),  # the latest approved version
        (JOB_A, "design_quote", 3, "revise", "2026-10-01", "9000.00"),    # not approved
        (JOB_A, "artwork_production_quote", 1, "approved", "2026-10-01", "1200.00"),
        (JOB_A, "media_schedule", 1, "approved", "2026-10-01", "50000.00"),  # not a quote
        (JOB_B, "design_quote", 1, "approved", "2026-10-01", "4000.00"),
        (JOB_B, "design_quote", 2, "approved", "2026-12-05", "9000.00"),  # after the month: not yet
    ])
    s = fee_statement(ts, None, so, cfg, "2026-11")
    b = s.budget.set_index("job_no")
    assert b.loc[JOB_A, "approved"] == D("3700.00") and b.loc[JOB_A, "actual"] == D("3392.00")
    assert b.loc[JOB_A, "share"] == D("0.9168") and b.loc[JOB_A, "status"] == "warning"
    assert b.loc[JOB_B, "status"] == "over" and b.loc[JOB_B, "share"] == D("1.0600")
    assert b.loc["HRFR-2026-003", "status"] == "no_quote" and b.loc["HRFR-2026-003", "approved"] is None
    js = s.to_json()
    assert js["over_budget"] == [{"job_no": JOB_B, "approved": "4000.00", "actual": "4240.00", "share": "1.0600"}]
    assert any(JOB_A in w and "91.7%" in w for w in js["warnings"])
    assert any("HRFR-2026-003" in w and "no approved quote" in w for w in js["warnings"])


# --------------------------------------------------------------------------- missing timesheets
class _Holidays:
    def __init__(self, *days):
        self.days = set(days)

    def is_workday(self, d):
        return d.weekday() < 5 and d not in self.days


def test_missing_timesheets_weeks_and_calendar(tmp_path):
    cfg = make_cfg(tmp_path)
    # October 2026: Thursday 1st; the week of Monday 9-28 has Oct 1 and 2 -> counts
    assert statement_weeks("2026-10") == [date(2026, 9, 28), date(2026, 10, 5), date(2026, 10, 12),
                                          date(2026, 10, 19), date(2026, 10, 26)]
    # National Day: with Oct 1-2 (and Oct 5-7) off, the week of 9-28 has no working day in October
    cal = _Holidays(date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6), date(2026, 10, 7))
    assert statement_weeks("2026-10", cal)[0] == date(2026, 10, 5)
    # a month ending on a Saturday: the week of Monday 2026-08-31 has Aug 31 (Monday) -> counts
    assert statement_weeks("2026-08")[-1] == date(2026, 8, 31)
    ts = ts_frame([("张伟", d, JOB_A, "print_creative", "1") for d in
                   ("2026-10-05", "2026-10-12", "2026-10-19", "2026-10-26")])
    s = fee_statement(ts, None, None, cfg, "2026-10", calendar=cal, as_of=date(2026, 10, 20))
    assert s.missing_timesheets == (("王芳", date(2026, 10, 5)), ("王芳", date(2026, 10, 12)), ("王芳", date(2026, 10, 19)))
    assert s.to_json()["missing_timesheets"][0] == {"staff": "王芳", "week_start": "2026-10-05"}


# --------------------------------------------------------------------------- JSON and errors
def test_to_json_shape_and_strings(tmp_path):
    cfg = make_cfg(tmp_path)
    ts = ts_frame([("张伟", "2026-11-02", JOB_A, "print_creative", "1.5")])
    js = fee_statement(ts, None, None, cfg, "2026-11").to_json()
    assert list(js) == ["month", "currency", "jobs", "totals", "non_billable_hours", "missing_timesheets",
                        "over_budget", "warnings"]
    assert js["month"] == "2026-11" and js["currency"] == "CNY"
    assert js["jobs"] == [{"job_no": JOB_A, "hours": "1.50", "hours_fee": "1200.00", "film": "0.00", "costs": "0.00",
                           "postage": "0.00", "subtotal": "1200.00", "tax": "72.00", "total": "1272.00"}]
    assert js["totals"] == {k: v for k, v in js["jobs"][0].items() if k != "job_no"}
    assert js["non_billable_hours"] == "0.00"


def test_empty_month(tmp_path):
    cfg = make_cfg(tmp_path)
    s = fee_statement(None, None, None, cfg, "2026-11")
    assert s.jobs.empty and s.totals["total"] == D("0.00") and s.lines.empty
    assert len(s.missing_timesheets) == 2 * len(statement_weeks("2026-11"))


def test_bad_month_and_float_hours_refused(tmp_path):
    cfg = make_cfg(tmp_path)
    with pytest.raises(InputError, match="YYYY-MM"):
        fee_statement(None, None, None, cfg, "2026-13")
    assert month_bounds("2024-02") == (date(2024, 2, 1), date(2024, 2, 29))
    ts = ts_frame([("张伟", "2026-11-02", JOB_A, "print_creative", "1")])
    ts["hours"] = [1.1]
    with pytest.raises(InputError, match="binary float"):
        fee_statement(ts, None, None, cfg, "2026-11")


def test_rows_that_cannot_be_charged_are_warnings_with_their_cells(tmp_path):
    cfg = make_cfg(tmp_path)
    ts = ts_frame([("张伟", "2026-11-02", None, "print_creative", "1"), ("张伟", "2026-11-02", JOB_A, "gone_category", "1")])
    s = fee_statement(ts, None, None, cfg, "2026-11")
    assert s.jobs.empty
    assert any("without a job number" in w and "工时表!D7" in w for w in s.warnings)
    assert any("not in [rates]" in w and "工时表!D8" in w for w in s.warnings)


# --------------------------------------------------------------------------- quotes
def test_price_quote(tmp_path):
    cfg = make_cfg(tmp_path, rate_cards=[{"effective_from": date(2026, 12, 1), "print_creative": D("900")}],
                   fees={"oop_markup": D("0.1")})
    header = {"job_no": JOB_A, "quote_type": "production", "version": 2, "prepared_by": "李娜",
              "quote_date": date(2026, 11, 20)}
    lines = [
        {"line_type": "hours", "category": "print_creative", "hours": D("10.5"), "quantity": 1},  # 800 -> 8400.00
        {"line_type": "film", "category": "colour_proof", "width_cm": D("21"), "height_cm": D("29.7"), "quantity": 4},
        {"line_type": "cost", "category": "photography", "amount": D("3000.05")},  # 3300.055 -> 3300.06
        {"line_type": "postage", "category": None, "amount": D("60.00")},
    ]
    q = price_quote(header, lines, cfg)
    assert [ln.amount for ln in q.lines] == [D("8400.00"), D("1520.00"), D("3300.06"), D("60.00")]
    assert q.subtotal == D("13280.06") and q.tax == D("796.80") and q.total == D("14076.86")  # 796.8036
    assert q.to_json() == {
        "job_no": JOB_A, "quote_type": "production", "version": 2,
        "lines": [{"line_type": "hours", "category": "print_creative", "amount": "8400.00"},
                  {"line_type": "film", "category": "colour_proof", "amount": "1520.00"},
                  {"line_type": "cost", "category": "photography", "amount": "3300.06"},
                  {"line_type": "postage", "category": None, "amount": "60.00"}],
        "subtotal": "13280.06", "tax": "796.80", "total": "14076.86",
    }
    later = price_quote({**header, "quote_date": date(2026, 12, 1)}, lines[:1], cfg)
    assert later.subtotal == D("9450.00")  # the card in force on the quote date
    with pytest.raises(InputError, match="Quote line 1"):
        price_quote(header, [{"line_type": "hours", "category": "nope", "hours": D("1")}], cfg)


# --------------------------------------------------------------------------- property: totals add up
def _reference(ts_rows, cost_rows, cfg, month):
    """A plain row-by-row Decimal implementation of the manual's rules, to compare against."""
    first, last = month_bounds(month)
    groups: dict = {}
    for staff, day, job, cat, hours in ts_rows:
        d = date.fromisoformat(day)
        if not first <= d <= last or cat == "non_billable":
            continue
        rate = cfg.rates_on(d)[cat]
        groups[(job, cat, rate)] = groups.get((job, cat, rate), D(0)) + D(hours)
    jobs: dict = {}
    q = lambda x: x.quantize(D("0.01"), rounding=ROUND_HALF_UP)  # noqa: E731
    for (job, cat, rate), hours in groups.items():
        jobs[job] = jobs.get(job, D(0)) + q(hours * rate)
    for r in cost_rows:
        d = date.fromisoformat(r["date"])
        if not first <= d <= last or not r.get("billable", True):
            continue
        if r["cost_type"] == "film":
            per = {"bw": cfg.film.bw, "colour_proof": cfg.film.colour_proof}[r["film_kind"]]
            amt = q(per * D(r["width_cm"]) * D(r["height_cm"]) * r.get("quantity", 1)
                    / (cfg.film.base_width_cm * cfg.film.base_height_cm))
        elif r["cost_type"] == "postage":
            amt = D(r["amount"])
        else:
            amt = q(D(r["amount"]) * (1 + cfg.fees.oop_markup))
        jobs[r["job_no"]] = jobs.get(r["job_no"], D(0)) + amt
    return {job: (sub, q(sub * cfg.fees.tax_rate)) for job, sub in jobs.items()}


_days = st.dates(min_value=date(2026, 10, 20), max_value=date(2026, 12, 10)).map(date.isoformat)
_jobs = st.sampled_from([JOB_A, JOB_B, "HRFR-2026-003"])
_ts_rows = st.lists(
    st.tuples(st.sampled_from(["张伟", "王芳"]), _days, _jobs,
              st.sampled_from(["print_creative", "print_artwork", "pop_creative", "non_billable"]),
              st.integers(1, 96).map(lambda q: str(D(q) / 4))),
    max_size=40,
)
_money = st.integers(0, 2_000_000).map(lambda f: str(D(f).scaleb(-2)))
_cost_rows = st.lists(
    st.one_of(
        st.fixed_dictionaries({"date": _days, "job_no": _jobs, "amount": _money, "billable": st.booleans(),
                               "cost_type": st.sampled_from(["photography", "printing", "postage", "other"])}),
        st.fixed_dictionaries({"date": _days, "job_no": _jobs, "cost_type": st.just("film"),
                               "film_kind": st.sampled_from(["bw", "colour_proof"]),
                               "width_cm": st.integers(1, 2000).map(lambda v: str(D(v) / 10)),
                               "height_cm": st.integers(1, 2000).map(lambda v: str(D(v) / 10)),
                               "quantity": st.integers(1, 20)}),
    ),
    max_size=15,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ts_rows=_ts_rows, cost_rows=_cost_rows, rate=st.integers(1, 99999).map(lambda v: D(v).scaleb(-2)),
       tax=st.integers(0, 2000).map(lambda v: D(v).scaleb(-4)), markup=st.integers(0, 500).map(lambda v: D(v).scaleb(-3)))
def test_property_totals_are_sums_of_detail_lines(tmp_path, ts_rows, cost_rows, rate, tax, markup):
    cfg = make_cfg(tmp_path, rate_cards=[{"effective_from": date(2026, 11, 17), "print_creative": rate}],
                   fees={"tax_rate": tax, "oop_markup": markup})
    ts = ts_frame(ts_rows) if ts_rows else None
    costs = cost_frame(cost_rows) if cost_rows else None
    s = fee_statement(ts, costs, None, cfg, "2026-11")
    q = lambda x: x.quantize(D("0.01"), rounding=ROUND_HALF_UP)  # noqa: E731
    # the statement's subtotal is the sum of its detail lines; job by job too
    assert s.totals["subtotal"] == sum(s.lines["amount"], D("0.00"))
    for job, sub in s.lines.groupby("job_no")["amount"].sum().items():
        assert figures(s, job)["subtotal"] == sub
    for row in s.jobs.to_dict("records"):
        assert row["tax"] == q(row["subtotal"] * tax)  # tax rounded per job
        assert row["total"] == row["subtotal"] + row["tax"]
        assert row["subtotal"] == row["hours_fee"] + row["film"] + row["costs"] + row["postage"]
    for k in MONEY_KEYS:
        assert s.totals[k] == sum(s.jobs[k], D("0.00"))
    assert s.totals["total"] == s.totals["subtotal"] + s.totals["tax"]
    # the hours lines add up the detail rows they cite
    charged = s.hours_detail[s.hours_detail["billable"]]
    assert sum(charged["hours"], D(0)) == s.totals["hours"]
    assert sum(s.lines["rows"][s.lines["line_type"] == "hours"]) == len(charged)
    # and the figures match a plain row-by-row implementation of the rules
    ref = _reference(ts_rows, cost_rows, cfg, "2026-11")
    got = {r["job_no"]: (r["subtotal"], r["tax"]) for r in s.jobs.to_dict("records")}
    assert got == ref


def test_sources_match_provenance_source(tmp_path):
    """Every charged line cites the same reference adtools.provenance.source gives for its row."""
    from adtools.provenance import source

    cfg = make_cfg(tmp_path)
    ts = ts_frame([("张伟", "2026-11-02", JOB_A, "print_creative", "1"), ("张伟", "2026-11-03", JOB_A, "print_creative", "2")])
    ts.loc[1, "_sheet"] = None  # a reference without a sheet falls back as provenance.source does
    costs = cost_frame([{"date": "2026-11-02", "cost_type": "printing", "amount": "10.00"}])
    s = fee_statement(ts, costs, None, cfg, "2026-11")
    expected_hours = tuple(source(r, "hours") for r in ts.to_dict("records"))
    assert s.lines.iloc[0]["sources"] == expected_hours == ("[timesheets/张伟_2026-11-02.xlsx]工时表!D7",
                                                            "[timesheets/张伟_2026-11-02.xlsx]")
    assert s.lines.iloc[1]["sources"] == (source(costs.iloc[0].to_dict(), "amount"),)
    assert list(s.hours_detail["source"]) == list(expected_hours)


def test_with_the_work_calendar(tmp_path):
    """adtools.calendar.WorkCalendar: National Day 2026 (Oct 1-7 off; Sat Oct 10 a make-up working day)."""
    from adtools.calendar import WorkCalendar

    cfg = make_cfg(tmp_path)
    cal = WorkCalendar.from_config(cfg)
    assert not cal.is_workday(date(2026, 10, 2))
    weeks = statement_weeks("2026-10", cal)
    # the week of Monday 9-28 has only Oct 1-4 in October, all holidays: not counted
    assert weeks == [date(2026, 10, 5), date(2026, 10, 12), date(2026, 10, 19), date(2026, 10, 26)]
    assert statement_weeks("2026-10")[0] == date(2026, 9, 28)  # Monday to Friday would count it
    s = fee_statement(None, None, None, cfg, "2026-10", calendar=cal)
    assert {w for _, w in s.missing_timesheets} == set(weeks)


def test_tax_is_rounded_by_the_one_half_up_rule_for_any_rate_and_size(tmp_path):
    """Tax per job uses money.round_fen: no integer formula that a long rate or a big subtotal can overflow."""
    from adtools.money import round_fen

    rate = D("0.0612345678901")
    cfg = make_cfg(tmp_path, fees={"tax_rate": rate})
    costs = cost_frame([{"date": "2026-11-02", "cost_type": "printing", "amount": "1234567.89"}])
    s = fee_statement(None, costs, None, cfg, "2026-11")
    assert figures(s, JOB_A)["tax"] == round_fen(D("1234567.89") * rate)
