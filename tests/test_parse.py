"""forms.parse: every accepted spelling gives the exact value back; bad or ambiguous input is an error."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import CALENDAR_MAC_1904, from_excel

from adtools.config import config_from_dict
from adtools.forms.catalog import FORMS
from adtools.forms.parse import Parsed, excel_serial, fold, is_blank, parse_value
from adtools.forms.schema import Field

CFG = config_from_dict({}, base_dir=Path("."))
TZ = CFG.tz

GROSS = FORMS["media_schedule"].field("gross")  # money, min 0
AMOUNT = FORMS["media_invoice"].field("amount")  # money, no bounds (credit notes may be negative)
DISCOUNT = FORMS["media_schedule"].field("discount")  # decimal in [0, 1), percent allowed
HOURS = FORMS["timesheet"].field("hours")  # decimal, (0, 24], steps of 0.25
WIDTH = FORMS["costs"].field("width_cm")  # decimal > 0
QUANTITY = FORMS["work_order"].field("quantity")  # int >= 1
RUN_DATE = FORMS["timesheet"].field("date")
START = FORMS["minutes"].field("meeting_start")  # datetime
MONTH = FORMS["monitoring"].field("month")
RUSH = FORMS["work_order"].field("rush")
INVOICE_NO = FORMS["costs"].field("invoice_no")  # plain text
JOB_NO = FORMS["work_order"].field("job_no")  # text with the config's pattern
ALL_FIELDS = sorted({(f.type, f.key, form.form_id): f for form in FORMS.values() for f in form.fields}.items())

FULLWIDTH = str.maketrans({**{str(i): chr(0xFF10 + i) for i in range(10)}, ".": "．", ",": "，", "-": "－", "%": "％", ":": "："})


def p(fld: Field, value, **kw) -> Parsed:
    return parse_value(fld, value, CFG, **kw)


def ok(fld: Field, value, **kw):
    r = p(fld, value, **kw)
    assert r.error is None, r.error
    return r.value


def rule(fld: Field, value, **kw) -> str:
    r = p(fld, value, **kw)
    assert r.error is not None, f"{value!r} parsed as {r.value!r}"
    assert r.value is None
    rule_, zh, en = r.error
    assert zh and en and zh != en
    return rule_


money = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2)
plausible_dates = st.dates(min_value=date(1950, 1, 1), max_value=date(2199, 12, 31))


def grouped(d: Decimal) -> str:
    return f"{d:,.2f}"


# --------------------------------------------------------------------------- money
@given(money, st.sampled_from([
    str, grouped, lambda d: f"¥{d}", lambda d: f"￥{grouped(d)}", lambda d: f"{d}元", lambda d: f"RMB {grouped(d)}",
    lambda d: f"{grouped(d)} rmb", lambda d: f"  {d}\u3000", lambda d: str(d).translate(FULLWIDTH),
    lambda d: grouped(d).translate(FULLWIDTH) + "元", lambda d: float(d), lambda d: f"{d:.2f}".rstrip("0"),
]))
def test_money_round_trip(d, spelling):
    value = spelling(d)
    got = ok(GROSS, value)
    assert got == d and got.as_tuple().exponent == -2, (value, got)


@given(money)
def test_money_negative_where_allowed(d):
    assert ok(AMOUNT, f"-{grouped(d)}") == -d
    assert ok(AMOUNT, f"-¥{d}") == -d
    if d > 0:
        assert rule(GROSS, f"-{d}") == "below_min"


@given(st.decimals(min_value=0, max_value=10**9, places=3).filter(lambda d: d != d.quantize(Decimal("0.01"))))
def test_money_text_with_three_decimals_is_an_error(d):
    assert rule(GROSS, str(d)) == "too_many_decimals"


def test_money_from_a_float_cell_rounds_half_up():
    assert ok(GROSS, 1234.565) == Decimal("1234.57")  # 1234.565 is stored below .565 in binary
    assert ok(GROSS, 0.125) == Decimal("0.13")
    assert ok(AMOUNT, -0.125) == Decimal("-0.13")
    assert ok(GROSS, 0.1 + 0.2) == Decimal("0.30")
    assert ok(GROSS, "12.500") == Decimal("12.50")  # exact: trailing zeros are no extra decimals


@pytest.mark.parametrize("text, code", [
    ("12,5", "ambiguous_number"), ("1,23", "ambiguous_number"), ("1.234,56", "ambiguous_number"),
    ("abc", "not_a_number"), ("12 34", "not_a_number"), ("1e3", "not_a_number"), ("--5", "not_a_number"),
    ("¥12元", "not_a_number"), ("35%", "percent_not_allowed"), ("1万", "not_a_number"),
    ("1234567890123456", "above_max"),
])
def test_money_refusals(text, code):
    assert rule(GROSS, text) == code


def test_money_refuses_booleans_dates_and_non_finite():
    assert rule(GROSS, True) == "wrong_type"
    assert rule(GROSS, date(2026, 1, 1)) == "wrong_type"
    assert rule(GROSS, float("inf")) == "wrong_type"
    assert rule(GROSS, Decimal("NaN")) == "wrong_type"
    assert p(GROSS, float("nan")) == Parsed(None)  # what pandas calls an empty cell


# --------------------------------------------------------------------------- decimals, percents, ints
@given(st.decimals(min_value=0, max_value=Decimal("0.9999"), places=4))
def test_discount_as_percent_or_fraction(d):
    assert ok(DISCOUNT, f"{d * 100}%") == d
    assert ok(DISCOUNT, f"{(d * 100).normalize():f}％".translate(FULLWIDTH)) == d
    assert ok(DISCOUNT, str(d)) == d
    assert ok(DISCOUNT, float(d)) == d


@given(st.integers(min_value=1, max_value=96))
def test_hours_in_quarter_steps(quarters):
    h = Decimal(quarters) / 4
    assert ok(HOURS, str(h)) == h
    assert ok(HOURS, float(h)) == h
    assert ok(HOURS, str(h).translate(FULLWIDTH)) == h


@pytest.mark.parametrize("value, code", [
    ("0", "below_min"), (0, "below_min"), ("-1", "below_min"), ("24.25", "above_max"), ("7.3", "not_multiple"),
    (7.1, "not_multiple"), ("¥7", "currency_not_allowed"), ("7h", "not_a_number"), ("50%", "percent_not_allowed"),
])
def test_hours_refusals(value, code):
    assert rule(HOURS, value) == code


@pytest.mark.parametrize("value, code", [
    ("1", "above_max"), ("100%", "above_max"), ("35", "above_max"), ("-5%", "below_min"), ("8折", "not_a_number"),
])
def test_discount_refusals(value, code):
    assert rule(DISCOUNT, value) == code


def test_float_cells_use_their_shortest_repr():
    assert ok(WIDTH, 29.7) == Decimal("29.7")
    assert ok(WIDTH, 0.1 + 0.2) == Decimal("0.3")  # Excel's 15 significant digits
    assert ok(WIDTH, 1e-05) == Decimal("0.00001")


@given(st.integers(min_value=1, max_value=10**14))
def test_int_round_trip(n):
    assert ok(QUANTITY, n) == n
    assert ok(QUANTITY, float(n)) == n
    assert ok(QUANTITY, f"{n:,}") == n
    assert ok(QUANTITY, f"{n:,}".translate(FULLWIDTH)) == n
    assert ok(QUANTITY, f"{n}.0") == n


def test_int_refusals():
    assert rule(QUANTITY, 2.5) == "not_a_whole_number"
    assert rule(QUANTITY, "2.5") == "not_a_whole_number"
    assert rule(QUANTITY, "0") == "below_min"
    assert rule(QUANTITY, "三") == "not_a_number"


# --------------------------------------------------------------------------- dates
def serial_1900(d: date) -> int:
    return (d - date(1899, 12, 30)).days  # valid from 1900-03-01 on


def serial_1904(d: date) -> int:
    return (d - date(1904, 1, 1)).days


DATE_SPELLINGS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}/{d.month:02d}/{d.day:02d}",
    lambda d: f"{d.year}.{d.month:02d}.{d.day:02d}",
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: f"{d.year} 年 {d.month:02d} 月 {d.day:02d} 日",
    lambda d: d.isoformat().translate(FULLWIDTH),
    lambda d: f"{d.year}{d.month:02d}{d.day:02d}",
    lambda d: d,
    lambda d: datetime.combine(d, time(0)),
    lambda d: serial_1900(d),
    lambda d: float(serial_1900(d)),
]


@given(plausible_dates, st.sampled_from(DATE_SPELLINGS))
def test_date_round_trip(d, spelling):
    assert ok(RUN_DATE, spelling(d)) == d


@given(plausible_dates)
def test_date_1904_system(d):
    assert ok(RUN_DATE, serial_1904(d), date1904=True) == d
    assert ok(RUN_DATE, serial_1900(d), date1904=False) == d


@given(plausible_dates.filter(lambda d: d.day > 12))
def test_day_first_or_month_first_when_unambiguous(d):
    assert ok(RUN_DATE, f"{d.day}/{d.month}/{d.year}") == d
    assert ok(RUN_DATE, f"{d.day:02d}.{d.month:02d}.{d.year}") == d
    assert ok(RUN_DATE, f"{d.month}/{d.day}/{d.year}") == d


@given(st.integers(1, 12), st.integers(1, 12), st.integers(1950, 2199), st.sampled_from("/-."),
       st.booleans(), st.sampled_from(["", " 10:00", " 23:59:59"]))
def test_ambiguous_day_month_is_always_an_error(a, b, year, sep, pad, clock):
    if a == b:
        return
    text = f"{a:02d}{sep}{b:02d}{sep}{year}" if pad else f"{a}{sep}{b}{sep}{year}"
    assert rule(RUN_DATE, text + clock) == "ambiguous_date"
    assert rule(START, text + (clock or " 09:30")) == "ambiguous_date"
    assert rule(RUN_DATE, (text + clock).translate(FULLWIDTH)) == "ambiguous_date"


@pytest.mark.parametrize("value, code", [
    ("2026-02-30", "bad_date"), ("2026-13-01", "bad_date"), ("31/02/2026", "bad_date"), ("13/13/2026", "bad_date"),
    ("26/11/26", "ambiguous_date"), ("11月26日", "not_a_date"), ("明天", "not_a_date"), ("2026-11", "not_a_date"),
    (5, "implausible_date"), (60, "bad_date"), (0, "not_a_date"), (-3, "not_a_date"), ("0026-11-26", "implausible_date"),
    (True, "not_a_date"), (time(9, 0), "not_a_date"), ("2026-11-26/27", "not_a_date"), (10**12, "not_a_date"),
])
def test_date_refusals(value, code):
    assert rule(RUN_DATE, value) == code


def test_excel_serials_match_openpyxl():
    for serial in [1, 59, 61, 366, 25569, 46352, 2958465]:
        assert excel_serial(Decimal(serial)) == from_excel(serial)
    for serial in [1, 1000, 44000]:
        assert excel_serial(Decimal(serial), date1904=True) == from_excel(serial, epoch=CALENDAR_MAC_1904)
    assert excel_serial(Decimal(60)) is None  # Excel's 1900-02-29
    assert excel_serial(Decimal(0)) is None
    assert excel_serial(Decimal(2958466)) is None


@given(st.integers(61, 2958465))
def test_excel_serial_days_match_openpyxl(serial):
    assert excel_serial(Decimal(serial)) == from_excel(serial)


# --------------------------------------------------------------------------- datetimes
moments = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2199, 12, 31, 23, 59)).map(
    lambda m: m.replace(second=0, microsecond=0))


@given(moments, st.sampled_from([
    lambda m: m.strftime("%Y-%m-%d %H:%M"),
    lambda m: m.strftime("%Y-%m-%dT%H:%M:%S"),
    lambda m: f"{m.year}/{m.month}/{m.day} {m.hour}:{m.minute:02d}",
    lambda m: f"{m.year}年{m.month}月{m.day}日 {m.hour:02d}:{m.minute:02d}",
    lambda m: f"{m.year}年{m.month}月{m.day}日 {m.hour}点{m.minute}分",
    lambda m: f"{m.year}年{m.month}月{m.day}日{m.hour}时{m.minute}分",  # written as one word, as usual in Chinese
    lambda m: f"{m.year}年{m.month}月{m.day}日{m.hour:02d}:{m.minute:02d}",
    lambda m: m.strftime("%Y-%m-%d %H:%M").translate(FULLWIDTH),
    lambda m: m,
    lambda m: m.replace(tzinfo=TZ),
    lambda m: float(Decimal(serial_1900(m.date())) + Decimal(m.hour * 60 + m.minute) / 1440),
]))
def test_datetime_round_trip(m, spelling):
    got = ok(START, spelling(m))
    assert got == m and got.tzinfo is None


def test_datetime_is_local_wall_time_of_the_configured_zone():
    got = ok(START, "2026-11-26 14:30")
    assert got == datetime(2026, 11, 26, 14, 30) and got.tzinfo is None
    utc = datetime(2026, 11, 26, 6, 30, tzinfo=ZoneUTC())  # an aware value is converted to Asia/Shanghai
    assert ok(START, utc) == got


class ZoneUTC(__import__("datetime").tzinfo):
    def utcoffset(self, dt):
        return timedelta(0)

    def dst(self, dt):
        return timedelta(0)


@pytest.mark.parametrize("value, code", [
    ("2026-11-26", "missing_time"), ("2026-11-26 25:00", "not_a_datetime"), ("2026-11-26 14:61", "not_a_datetime"),
    ("下午两点", "not_a_datetime"), (time(14, 30), "not_a_datetime"), ("2026-02-30 10:00", "bad_date"),
    ("03/04/2026 10:00", "ambiguous_date"), (True, "not_a_datetime"),
])
def test_datetime_refusals(value, code):
    assert rule(START, value) == code


def test_a_date_cell_in_a_datetime_field_is_midnight():
    assert ok(START, date(2026, 11, 26)) == datetime(2026, 11, 26)


# --------------------------------------------------------------------------- months
@given(plausible_dates, st.sampled_from([
    lambda d: d.strftime("%Y-%m"), lambda d: f"{d.year}/{d.month}", lambda d: f"{d.year}年{d.month}月",
    lambda d: f"{d.month:02d}/{d.year}", lambda d: d.strftime("%Y-%m").translate(FULLWIDTH),
    lambda d: d, lambda d: datetime.combine(d, time(0)), lambda d: serial_1900(d), lambda d: d.isoformat(),
]))
def test_month_round_trip(d, spelling):
    assert ok(MONTH, spelling(d)) == d.strftime("%Y-%m")


@pytest.mark.parametrize("value", ["2026-13", "2026-00", "11月", "November", 2026.11, True, "26-11"])
def test_month_refusals(value):
    assert rule(MONTH, value) in ("not_a_month", "implausible_date")


# --------------------------------------------------------------------------- Y/N
YES = ["Y", "yes", "true", "是", "✓", "✔", "√", "1", "是 Yes", "Y 是", "TRUE"]
NO = ["N", "no", "false", "否", "×", "0", "否 No", "N/否", "FALSE"]


@given(st.sampled_from([(w, True) for w in YES] + [(w, False) for w in NO]), st.booleans(), st.sampled_from(["", " ", "\u3000", "\n"]))
def test_yes_no_words(word_value, upper, pad):
    word, value = word_value
    text = pad + (word.upper() if upper else word.lower()) + pad
    assert ok(RUSH, text) is value


def test_yes_no_from_cells_and_refusals():
    assert ok(RUSH, True) is True and ok(RUSH, False) is False
    assert ok(RUSH, 1) is True and ok(RUSH, 0.0) is False
    for bad in ["maybe", "Y/N", "是否", "x", 2, "ok", date(2026, 1, 1)]:
        assert rule(RUSH, bad) == "not_yes_no"


# --------------------------------------------------------------------------- enums
ENUM_CASES = [
    (form.form_id, f.key, c)
    for form in FORMS.values() for f in form.fields if f.type == "enum" for c in f.choices_for(CFG)
]


@settings(max_examples=200)
@given(st.sampled_from(ENUM_CASES), st.integers(0, 4), st.booleans(), st.sampled_from(["", " ", "\n", "  \u3000"]))
def test_enum_by_key_zh_en_or_label(case, which, upper, space):
    form_id, key, choice = case
    fld = FORMS[form_id].field(key)
    text = [choice.key, choice.zh, choice.en, choice.label, f"{choice.zh}\n{choice.en}"][which]
    text = space + (text.upper() if upper else text.lower()).replace(" ", space or " ") + space
    assert ok(fld, text) == choice.key


def test_enum_refusal_lists_the_values():
    fld = FORMS["work_order"].field("order_type")
    r = p(fld, "紧急")
    assert r.error[0] == "not_a_choice"
    assert "新工作" in r.error[1] and "new (New work)" in r.error[2]


def test_enum_values_come_from_config():
    cfg = config_from_dict({"turnaround": {"poster": 4}}, base_dir=Path("."))
    fld = FORMS["work_order"].field("deliverable")
    assert parse_value(fld, "poster", cfg).value == "poster"
    assert rule(fld, "poster") == "not_a_choice"


# --------------------------------------------------------------------------- text
@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_numbers_typed_into_text_fields_keep_their_text(n):
    assert ok(INVOICE_NO, n) == str(n)
    assert ok(INVOICE_NO, float(n)) == str(n)


def test_text_is_trimmed_and_exact():
    assert ok(INVOICE_NO, "  INV-0007 \u3000\u200b") == "INV-0007"
    assert ok(INVOICE_NO, 12.5) == "12.5"
    assert ok(INVOICE_NO, date(2026, 11, 26)) == "2026-11-26"
    assert ok(INVOICE_NO, "a\nb") == "a\nb"


def test_job_no_pattern_from_config():
    assert ok(JOB_NO, "HRFR-2026-001") == "HRFR-2026-001"
    assert ok(JOB_NO, "ＨＲＦＲ－２０２６－００１") == "HRFR-2026-001"
    assert rule(JOB_NO, "hrfr-2026-001") == "pattern"
    assert rule(JOB_NO, 1001) == "pattern"
    cfg = config_from_dict({"forms": {"job_no_pattern": r"^\d{4}$"}}, base_dir=Path("."))
    assert parse_value(JOB_NO, 1001.0, cfg).value == "1001"


# --------------------------------------------------------------------------- blanks, totality
@pytest.mark.parametrize("value", [None, "", "   ", "\u3000", "\u200b", float("nan")])
def test_blank_is_none_without_error(value):
    assert is_blank(value)
    for _, fld in ALL_FIELDS:
        assert p(fld, value) == Parsed(None)


anything = st.one_of(
    st.none(), st.text(), st.text(alphabet="0123456789０１２３４５６７８９.,-+%¥￥元年月日号/: 时点T"),
    st.integers(), st.floats(), st.decimals(), st.booleans(), st.dates(), st.datetimes(), st.times(),
    st.timedeltas(), st.binary(), st.lists(st.integers(), max_size=2),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from([f for _, f in ALL_FIELDS]), anything, st.booleans())
@example(START, "2026-11-26 14:30", True)
def test_parse_value_never_raises(fld, value, date1904):
    r = parse_value(fld, value, CFG, date1904=date1904)
    assert isinstance(r, Parsed)
    assert (r.error is None) or (r.value is None)
    if r.error is not None:
        code, zh, en = r.error
        assert code != "unreadable", r.error  # "unreadable" means a parser bug was caught
        assert zh and en


NUMERIC_TEXT = st.text(alphabet="0123456789.,-%", max_size=12)


@given(st.sampled_from([GROSS, DISCOUNT, HOURS, QUANTITY, RUN_DATE, START, MONTH]), NUMERIC_TEXT,
       st.sampled_from(["", "/", "年", " 10:30"]))
def test_full_width_is_the_same_as_half_width(fld, text, extra):
    half = text + extra
    a, b = p(fld, half), p(fld, half.translate(FULLWIDTH))
    assert a.value == b.value
    assert (a.error is None) == (b.error is None)
    if a.error:
        assert a.error[0] == b.error[0]


def test_fold_ignores_case_space_and_width():
    assert fold(" Media\nSchedule ") == fold("media schedule") == "mediaschedule"
    assert fold("媒体排期表（全国）") == fold("媒体排期表(全国)")


@pytest.mark.parametrize("form_id", list(FORMS))
def test_every_dropdown_value_of_the_template_parses(form_id):
    import io

    from openpyxl import load_workbook

    from adtools.forms.template import build_template

    form = FORMS[form_id]
    lists = load_workbook(io.BytesIO(build_template(form, CFG)))["_lists"]
    columns = list(lists.iter_cols(values_only=True))
    seen = set()
    for key, *values in columns:
        fld = form.field(key)
        offered = [v for v in values if v is not None]
        parsed = [ok(fld, v) for v in offered]
        if fld.type == "enum":
            assert parsed == [c.key for c in fld.choices_for(CFG)]
        else:
            assert fld.type == "bool" and sorted(parsed) == [False, True]
        seen.add(key)
    assert seen == {f.key for f in form.fields if f.type in ("enum", "bool")}


def test_a_pattern_message_leads_with_an_example_and_says_when_only_the_case_is_wrong():
    _rule, zh, en = p(JOB_NO, "hrfr-2026-001").error
    assert "HRFR-2026-001" in zh and "大写" in zh
    assert "HRFR-2026-001" in en and "capital" in en
    _rule, zh, en = p(JOB_NO, "HRFR-2026-01").error
    assert zh.index("HRFR-2026-001") < zh.index("^[A-Z]")  # the example first, the rule for the curious
    assert "大写" not in zh and "capital" not in en


@pytest.mark.parametrize("value", ["1949-12", "2200-01", "1949年12月"])
def test_month_outside_the_plausible_years(value):
    """The month field shares the date fields' window (parse.YEAR_MIN..YEAR_MAX), which the templates check too."""
    assert rule(MONTH, value) == "implausible_date"
