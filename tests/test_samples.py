"""Sample rows and the demo story obey every rule of the catalog; fill_workbook puts values where staff would."""
from __future__ import annotations

import io
import random
import zipfile
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from adtools.clock import last_friday, previous_month
from adtools.config import config_from_dict, load_config
from adtools.forms.catalog import FORMS
from adtools.demo.inbox import write_demo_inbox
from adtools.demo.story import START, Workdays, demo_documents, quote_amount
from adtools.fees import price_quote
from adtools.forms.fill import fill_workbook
from adtools.forms.samples import complete, job_numbers, sample_rows
from formcheck import problems

ROOT = Path(__file__).resolve().parents[1]
TODAY = date(2026, 11, 26)  # a Thursday


@pytest.fixture(scope="module")
def cfg():
    return load_config(ROOT / "config.toml")


@pytest.fixture(scope="module")
def docs(cfg):
    return demo_documents(cfg, TODAY)


# ----------------------------------------------------------------- sample_rows
@pytest.mark.parametrize("form_id", sorted(FORMS))
@pytest.mark.parametrize("seed", [0, 1, 7, 42, 2026])
def test_sample_rows_obey_every_rule(cfg, form_id, seed):
    form = FORMS[form_id]
    header, rows = sample_rows(form, cfg, 12, seed)
    assert len(rows) == 12
    assert problems(form, cfg, header, rows) == []


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_sample_rows_are_deterministic_per_seed(cfg, form_id):
    form = FORMS[form_id]
    assert sample_rows(form, cfg, 5, 3) == sample_rows(form, cfg, 5, 3)
    assert sample_rows(form, cfg, 5, 3) != sample_rows(form, cfg, 5, 4)


def test_sample_rows_exercise_the_conditional_fields(cfg):
    """Across seeds the rules' conditional branches all occur (film lines, approvals, bookings …)."""
    seen: dict[str, set] = {"line_type": set(), "decision": set(), "status": set(), "cost_type": set()}
    for seed in range(10):
        for fid, key in (("quote", "line_type"), ("sign_off", "decision"), ("media_schedule", "status"), ("costs", "cost_type")):
            _, rows = sample_rows(FORMS[fid], cfg, 8, seed)
            seen[key] |= {r[key] for r in rows}
    assert {"hours", "film", "cost", "postage"} <= seen["line_type"]
    assert {"approved", "revise", None} <= seen["decision"]
    assert {"booked", "planned", "cancelled"} <= seen["status"]
    assert "film" in seen["cost_type"] and len(seen["cost_type"]) >= 5


def test_sample_rows_follow_a_custom_job_number_pattern(cfg, tmp_path):
    custom = config_from_dict({"forms": {"job_no_pattern": r"^J(?:OB)?[0-9]{5}$"}}, base_dir=tmp_path)
    assert job_numbers(custom, 2026, 2) == ["J00001", "J00002"]
    for fid in ("work_order", "timesheet", "sign_off"):
        header, rows = sample_rows(FORMS[fid], custom, 6, 1)
        errors = [p for p in problems(FORMS[fid], custom, header, rows) if "unknown_staff" not in p]
        assert errors == []


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_complete_fills_what_a_record_leaves_out_and_keeps_what_it_gives(cfg, form_id):
    """Records written by hand name only some fields: complete gives the rest valid values (a new field: no edit)."""
    form = FORMS[form_id]
    header, rows = sample_rows(form, cfg, 6, 3)
    rng = random.Random(form_id)
    given_header = {k: v for k, v in header.items() if rng.random() < 0.5}
    given_rows = [{k: v for k, v in r.items() if rng.random() < 0.5} for r in rows]
    done_header, done_rows = complete(form, cfg, given_header, given_rows, seed=1)
    assert {k: done_header[k] for k in given_header} == given_header
    assert [{k: d[k] for k in g} for g, d in zip(given_rows, done_rows)] == given_rows
    assert all(f.key in done_header for f in form.header if f.required)
    assert all(f.key in d for d in done_rows for f in form.columns if f.required)
    assert complete(form, cfg, header, rows, seed=1) == (header, rows)  # nothing left out: nothing changes
    assert complete(form, cfg, given_header, given_rows, seed=1) == (done_header, done_rows)


# ----------------------------------------------------------------- the demo story
def test_demo_documents_obey_every_rule(cfg, docs):
    bad = {d.filename: problems(FORMS[d.form_id], cfg, d.header, d.rows) for d in docs}
    assert {k: v for k, v in bad.items() if v} == {}


def test_demo_covers_every_form_six_staff_two_flights_three_competitors(cfg, docs):
    assert {d.form_id for d in docs} == set(FORMS)
    staff = {d.header["staff"] for d in docs if d.form_id == "timesheet"}
    assert staff == {p.name for p in cfg.people} and len(staff) == 6
    flights = {d.header["flight"] for d in docs if d.form_id == "media_schedule"}
    assert len(flights) == 2
    clippings = [r["advertiser"] for d in docs if d.form_id == "monitoring" for r in d.rows]
    for display, aliases in cfg.monitoring.competitors.items():
        assert any(a in aliases for a in clippings), display
    assert any(a in cfg.client.brands for a in clippings)
    jobs = {d.header.get("job_no") for d in docs if d.form_id == "work_order"}
    assert jobs == {"HRFR-2026-001", "HRFR-2026-002"}
    kinds = {d.header["order_type"] for d in docs if d.form_id == "work_order"}
    assert "new" in kinds and kinds - {"new"}  # a new order and change orders
    months = sorted(d.header["month"] for d in docs if d.form_id == "monitoring")
    assert months[-2:] == ["2026-10", "2026-11"]


def test_demo_is_deterministic_and_anchored_on_today(cfg, docs):
    assert demo_documents(cfg, TODAY) == docs
    later = demo_documents(cfg, TODAY + timedelta(days=7))
    assert later != docs
    assert all(d.saved_at is not None and d.saved_at.date() < TODAY for d in docs)
    assert len({d.filename for d in docs}) == len(docs)
    assert all(d.filename.split("/")[0] in {"account", "creative", "media", "production", "finance"} for d in docs)


@pytest.mark.parametrize("today", [date(2026, 3, 2), date(2026, 6, 30), date(2026, 10, 9), date(2027, 1, 4), date(2027, 5, 15)])
def test_demo_is_clean_whatever_the_day(cfg, today):
    """Any anchor day gives clean documents, holidays or not, covered by the holiday package or not."""
    docs = demo_documents(cfg, today)
    bad = {d.filename: problems(FORMS[d.form_id], cfg, d.header, d.rows) for d in docs}
    assert {k: v for k, v in bad.items() if v} == {}
    assert {d.form_id for d in docs} == set(FORMS)
    assert all(d.saved_at.date() < today for d in docs)


def _rows(docs, form_id):
    return [r for d in docs if d.form_id == form_id for r in d.rows]


def test_the_story_plants_what_the_reports_should_find(cfg, docs):
    cal = Workdays(cfg)
    progress = _rows(docs, "progress")
    # the gate violation: flight 1 booked before its schedule was confirmed
    bookings = sorted(r["done_on"] for r in progress if r["stage"] == "media_booking")
    confirms = sorted(r["done_on"] for r in progress if r["stage"] == "confirm_media_schedule")
    assert bookings[0] < confirms[0] and bookings[1] > confirms[1]
    # due dates from the orders (received day + turnaround working days) against deliveries
    outcome = {}
    orders = sorted((d for d in docs if d.form_id == "work_order"), key=lambda d: d.header["issued_at"])
    for d in orders:
        for line in d.rows:
            due = cal.add(d.header["issued_at"].date(), cfg.turnaround[line["deliverable"]])
            delivered = [r["done_on"] for r in progress if r["job_no"] == d.header["job_no"]
                         and r["deliverable"] == line["deliverable"] and r["done_on"] >= d.header["issued_at"].date()]
            done = min(delivered) if delivered else None
            outcome[(d.header["order_no"], line["deliverable"])] = (
                "late" if done and done > due else "on_time" if done else "overdue" if due < TODAY else "due_soon"
            )
    counts = Counter(outcome.values())
    assert counts["late"] == 1 and counts["overdue"] == 1 and counts["due_soon"] == 1 and counts["on_time"] >= 5
    # sign-offs: one revise, one pending longer than the client's response time
    sign = _rows(docs, "sign_off")
    assert [r["decision"] for r in sign].count("revise") == 1
    pending = [r for r in sign if r["decision"] is None]
    assert len(pending) == 1
    assert cal.add(pending[0]["submitted_on"], cfg.sla.client_response_days) < TODAY
    # minutes: of the important meetings two were sent on time, one late, in the week the Monday report covers
    lateness = {d.header["title"]: d.header["sent_at"] - d.header["meeting_end"] for d in docs
                if d.form_id == "minutes" and d.header["important"]}
    limit = timedelta(hours=cfg.sla.minutes_hours)
    assert sorted(v > limit for v in lateness.values()) == [False, False, True]
    friday = last_friday(TODAY)
    (late,) = [d for d in docs if d.form_id == "minutes" and d.header["sent_at"] - d.header["meeting_end"] > limit]
    assert friday - timedelta(days=6) <= late.header["meeting_end"].date() <= friday
    # a cancelled booking, an invoice that does not match its booking
    bookings = {r["booking_ref"]: r for r in _rows(docs, "media_schedule") if r["booking_ref"]}
    assert any(r["status"] == "cancelled" for r in bookings.values())
    assert sum(inv["amount"] != bookings[inv["booking_ref"]]["net"] for inv in _rows(docs, "media_invoice")) == 1
    # a model release whose rights end within the alert window, a footage licence that does not
    # and one that ended before the media job's last insertions (the archive report's "expired in use")
    ends = [(r["doc_type"], r["rights_end"]) for r in _rows(docs, "archive") if r["rights_end"]]
    (release,) = [end for kind, end in ends if kind == "model_release"]
    licences = sorted(end for kind, end in ends if kind == "footage_licence")
    assert TODAY < release <= TODAY + timedelta(days=cfg.sla.rights_alert_days)
    assert licences[-1] > TODAY + timedelta(days=cfg.sla.rights_alert_days)
    assert len(licences) == 2 and licences[0] < TODAY
    # non-billable cost, film lines, and money in and out
    costs = _rows(docs, "costs")
    assert any(not r["billable"] for r in costs) and any(r["cost_type"] == "film" for r in costs)
    assert {r["direction"] for r in _rows(docs, "payments")} == {"in", "out"}
    # a creative is new the first time it is clipped, never again
    clips = sorted(_rows(docs, "monitoring"), key=lambda r: (r["date"], r["clipping_ref"]))
    firsts = {}
    for r in clips:
        firsts.setdefault(r["theme"], r["clipping_ref"])
    assert {r["clipping_ref"] for r in clips if r["new_creative"]} == set(firsts.values())
    # flight notes for the flight that ended before today
    ended = {d.header["flight"] for d in docs if d.form_id == "media_schedule" and d.header["flight_end"] < TODAY}
    assert {d.header["flight"] for d in docs if d.form_id == "flight_notes"} == ended


def test_one_timesheet_is_missing(cfg, docs):
    sheets = [(d.header["staff"], d.header["week_start"]) for d in docs if d.form_id == "timesheet"]
    weeks = sorted({w for _, w in sheets})
    missing = [(p.name, w) for p in cfg.people for w in weeks if (p.name, w) not in sheets]
    month = previous_month(TODAY)  # one in the month the fee statement covers, and last week's
    mid = date(int(month[:4]), int(month[5:]), 15)
    assert missing == [("刘洋", mid - timedelta(days=mid.weekday())), ("刘洋", weeks[-1])]
    assert weeks[-1] + timedelta(days=7) <= TODAY
    assert len(weeks) >= 8 and all(w.weekday() == 0 for w in weeks)
    # every timesheet is one week of working days, no day beyond the warning threshold
    for d in docs:
        if d.form_id == "timesheet":
            assert all(Workdays(cfg).is_workday(r["date"]) for r in d.rows)


def test_sign_off_amounts_are_the_quotes_and_schedules(cfg, docs):
    sign = {(r["document"], r["version"]): r["amount"] for r in _rows(docs, "sign_off")}
    quotes = {d.header["quote_type"]: d for d in docs if d.form_id == "quote"}
    assert sign[("design_quote", 2)] == price_quote(quotes["creative"].header, quotes["creative"].rows, cfg).total
    assert sign[("artwork_production_quote", 1)] == price_quote(quotes["production"].header, quotes["production"].rows, cfg).total
    flight1 = next(d for d in docs if d.form_id == "media_schedule" and d.header["version"] == 1)
    assert sign[("media_schedule", 1)] == sum(r["net"] for r in flight1.rows)


def test_quote_amount_prices_each_line_kind(cfg):
    lines = [
        {"line_type": "hours", "category": "print_creative", "hours": Decimal("2.5")},  # 2000
        {"line_type": "film", "category": "bw", "width_cm": Decimal("42.0"), "height_cm": Decimal("29.7"), "quantity": 1},  # 240
        {"line_type": "cost", "category": "photography", "amount": Decimal("100.00")},
        {"line_type": "postage", "amount": Decimal("10.00")},
    ]
    # 2350.00 + 6 % tax
    assert quote_amount(cfg, lines, TODAY) == Decimal("2491.00")


def test_stated_quote_amounts_are_price_quote_totals(cfg):
    """2,000 random quotes, film cut to any size (where rounding per line and once differ): the amount the
    demo states for a quote is the total `adtools quote price` gives it."""
    rng = random.Random(2026)
    for seed in range(2000):
        header, rows = sample_rows(FORMS["quote"], cfg, 1 + seed % 8, seed)
        for r in rows:
            if r["line_type"] == "film":
                r["width_cm"], r["height_cm"] = (Decimal(rng.randrange(10, 1200)) / 10 for _ in range(2))
                r["quantity"] = rng.randrange(1, 9)
        assert quote_amount(cfg, rows, header["quote_date"]) == price_quote(header, rows, cfg).total, seed


def test_story_starts_start_working_days_back(cfg, docs):
    first = min(d.header["issued_at"] for d in docs if d.form_id == "work_order").date()
    back = Workdays(cfg).before(TODAY)
    assert [next(back) for _ in range(START)][-1] == first


# ----------------------------------------------------------------- fill_workbook
def test_fill_workbook_types_values_into_named_cells_and_table(cfg, tmp_path):
    form = FORMS["media_schedule"]
    header, rows = sample_rows(form, cfg, 3, 5)
    path = fill_workbook(form, cfg, header, rows, tmp_path / "排期.xlsx", author="陈静")
    wb = openpyxl.load_workbook(path)
    assert wb.properties.creator == "陈静" and wb.properties.lastModifiedBy == "陈静"
    meta = {r[0]: r[1] for r in wb["_meta"].iter_rows(values_only=True)}
    assert meta["form_id"] == "media_schedule" and wb["_meta"].sheet_state == "hidden"
    for key, value in header.items():
        cell = _named_cell(wb, f"f_{key}")
        f = form.field(key)
        if f.type == "enum":
            assert cell.value == next(c.label for c in f.choices if c.key == value)
        elif f.type == "date":
            assert cell.value == datetime.combine(value, datetime.min.time()) and cell.is_date
        elif value is not None:
            assert cell.value == value
    ws = wb[form.sheet_name]
    table = ws.tables[form.table_name]
    top = openpyxl.utils.range_boundaries(table.ref)[1]
    labels = {ws.cell(top, c).value: c for c in range(1, ws.max_column + 1) if ws.cell(top, c).value}
    for i, row in enumerate(rows, start=1):
        assert ws.cell(top + i, labels["刊登日期\nRun date"]).value == datetime.combine(row["date"], datetime.min.time())
        status = next(c.label for c in form.field("status").choices if c.key == row["status"])
        assert ws.cell(top + i, labels["状态\nStatus"]).value == status
        assert Decimal(str(ws.cell(top + i, labels["刊例价\nGross rate"]).value)) == row["gross"]
    assert openpyxl.utils.range_boundaries(table.ref)[3] >= top + len(rows)


def test_fill_workbook_extends_the_table_and_writes_yes_no(cfg, tmp_path):
    form = FORMS["costs"]
    header, rows = sample_rows(form, cfg, 80, 2)
    path = fill_workbook(form, cfg, header, rows, tmp_path / "c.xlsx")
    ws = openpyxl.load_workbook(path)[form.sheet_name]
    table = ws.tables[form.table_name]
    _, top, _, bottom = openpyxl.utils.range_boundaries(table.ref)
    assert bottom >= top + 80
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(top, c).value == "可向客户收费\nBillable")
    written = [ws.cell(top + 1 + i, col).value for i in range(80)]
    assert written == [None if r["billable"] is None else ("是 Yes" if r["billable"] else "否 No") for r in rows]


def test_fill_workbook_is_deterministic_and_atomic(cfg, tmp_path):
    form = FORMS["timesheet"]
    header, rows = sample_rows(form, cfg, 6, 9)
    a = fill_workbook(form, cfg, header, rows, tmp_path / "a.xlsx", author="张伟")
    b = fill_workbook(form, cfg, header, rows, tmp_path / "sub" / "b.xlsx", author="张伟")
    assert a.read_bytes() == b.read_bytes()
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["a.xlsx", "b.xlsx", "sub"]
    with zipfile.ZipFile(io.BytesIO(a.read_bytes())) as z:
        core = z.read("docProps/core.xml").decode()
    assert "2026-01-01T00:00:00Z" in core
    saved = fill_workbook(form, cfg, header, rows, tmp_path / "c.xlsx", saved_at=datetime(2026, 11, 20, 17, 45))
    assert openpyxl.load_workbook(saved).properties.modified == datetime(2026, 11, 20, 9, 45)  # UTC


def test_write_demo_inbox_writes_each_document_once(cfg, tmp_path):
    written = write_demo_inbox(cfg, tmp_path, TODAY)
    docs = demo_documents(cfg, TODAY)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(d.filename for d in docs)
    wo = openpyxl.load_workbook(tmp_path / "account" / "工作布置单_BZD-2026-001.xlsx")
    assert wo.properties.lastModifiedBy == "张伟"
    assert wo.worksheets[0].title == "客户工作布置单"
    # mtime is the author's save time, so a scan does not wait for the files to settle
    first = next(d for d in docs if d.filename == "account/工作布置单_BZD-2026-001.xlsx")
    assert (tmp_path / first.filename).stat().st_mtime == first.saved_at.replace(tzinfo=cfg.tz).timestamp()
    # a second run keeps every file, including one a person edited; a deleted one comes back
    edited = tmp_path / first.filename
    wb = openpyxl.load_workbook(edited)
    _named_cell(wb, "f_order_no").value = "BZD-2026-001-改"
    wb.save(edited)
    (tmp_path / docs[-1].filename).unlink()
    before = {p: p.read_bytes() for p in written if p.exists()}
    again = write_demo_inbox(cfg, tmp_path, TODAY)
    assert again == [tmp_path / docs[-1].filename]
    assert all(p.read_bytes() == b for p, b in before.items())
    assert _named_cell(openpyxl.load_workbook(edited), "f_order_no").value == "BZD-2026-001-改"
    assert write_demo_inbox(cfg, tmp_path, TODAY, overwrite=True) != []
    assert _named_cell(openpyxl.load_workbook(edited), "f_order_no").value == "BZD-2026-001"


def _named_cell(wb, name):
    (sheet, coord), = list(wb.defined_names[name].destinations)
    return wb[sheet][coord.replace("$", "")]


# ----------------------------------------------------------------- the story through the real calculators
def _frame(docs, form_id, *, documents=False):
    """Ledger-shaped frame of the story's documents: rows, or (documents=True) one row per document."""
    from handmade_frames import documents_to_frame

    mine = [dict(d.header, lines=None if documents else d.rows, _file=d.filename) for d in docs if d.form_id == form_id]
    return documents_to_frame(form_id, mine)


@pytest.mark.parametrize("today", [TODAY, date(2026, 11, 28), date(2026, 6, 1), date(2027, 3, 15)])
def test_workflow_finds_exactly_what_the_story_plants(cfg, today):
    from adtools import workflow
    from adtools.calendar import WorkCalendar

    docs = demo_documents(cfg, today)
    cal = WorkCalendar.from_config(cfg)
    wo, prog, sign = _frame(docs, "work_order"), _frame(docs, "progress"), _frame(docs, "sign_off")
    status = Counter(workflow.deadlines(wo, prog, cfg, cal, today)["status"])
    # the creative change order re-issues the artwork, superseding the delivered line of BZD-005
    assert status == {"delivered": 6, "delivered_late": 1, "overdue": 1, "due_soon": 1}
    gates = workflow.gate_violations(prog, sign, today, work_orders=wo)
    assert list(gates["stage"]) == ["media_booking"] and list(gates["missing"]) == [["media_schedule"]]
    waiting = workflow.awaiting_client(sign, cfg, cal, today)
    assert list(waiting["document"]) == ["minutes"]
    minutes = workflow.minutes_sla(_frame(docs, "minutes", documents=True), cfg, today)
    assert sorted(minutes["status"]) == ["late", "on_time", "on_time"]


# ----------------------------------------------------------------- through the real reader and validator
def _same(expected: dict, got: dict) -> list[str]:
    return [f"{k}: {v!r} != {got.get(k)!r}" for k, v in expected.items() if v is not None and got.get(k) != v]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
@pytest.mark.parametrize("seed", [11, 12])
def test_filled_samples_validate_clean_and_read_back_equal(cfg, tmp_path, engine, seed):
    from adtools.forms import validate

    for form_id, form in FORMS.items():
        header, rows = sample_rows(form, cfg, 10, seed)
        path = fill_workbook(form, cfg, header, rows, tmp_path / f"{form_id}.xlsx", author="王芳")
        result = validate.validate_file(path, cfg, engine=engine)
        assert result.form_id == form_id and result.findings == [], form_id
        assert result.author == "王芳"
        assert _same(header, result.header.values) == [], form_id
        assert [_same(e, g.values) for e, g in zip(rows, result.rows)] == [[]] * len(rows), form_id


def test_demo_inbox_validates_clean_and_reads_back_equal(cfg, tmp_path):
    from adtools.forms import validate

    write_demo_inbox(cfg, tmp_path, TODAY)
    for n, doc in enumerate(demo_documents(cfg, TODAY)):
        engine = ("calamine", "openpyxl")[n % 2]
        result = validate.validate_file(tmp_path / doc.filename, cfg, engine=engine)
        assert result.findings == [], doc.filename
        assert result.author == doc.author
        assert _same(doc.header, result.header.values) == [], doc.filename
        assert len(result.rows) == len(doc.rows), doc.filename
        assert [_same(e, g.values) for e, g in zip(doc.rows, result.rows)] == [[]] * len(doc.rows), doc.filename


def test_demo_follows_another_config(tmp_path):
    """Other staff, titles, brands and competitors: the story uses them and stays clean."""
    other = config_from_dict({
        "client": {"name": "示例客户", "brands": ["Haier"]},
        "monitoring": {"media": ["解放日报", "南方都市报", "新京报"], "competitors": {"海信 Hisense": ["海信"]}},
        "people": [
            {"name": "Amy Chen", "email": "amy@agency.example", "department": "account"},
            {"name": "孙俪", "email": "sun@agency.example", "department": "creative"},
            {"name": "周敏", "email": "zhou@agency.example", "department": "finance"},
        ],
    }, base_dir=tmp_path)
    docs = demo_documents(other, TODAY)
    bad = {d.filename: problems(FORMS[d.form_id], other, d.header, d.rows) for d in docs}
    assert {k: v for k, v in bad.items() if v} == {}
    assert {d.header["staff"] for d in docs if d.form_id == "timesheet"} == {"Amy Chen", "孙俪"}
    assert {r["media"] for d in docs if d.form_id == "media_schedule" for r in d.rows} == {"解放日报", "南方都市报", "新京报"}
    assert "海信" in {r["advertiser"] for d in docs if d.form_id == "monitoring" for r in d.rows}
    assert {d.author for d in docs if d.form_id == "payments"} == {"周敏"}
