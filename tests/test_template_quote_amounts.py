"""The quote template's line amounts and total: formulas of ours beside the table, priced as price_quote prices.

The formulas are a preview (the template keeps the rates of the config it was built
with); these tests hold them to `adtools.fees.price_quote` line by line after
LibreOffice recalculates a filled quote, and check the reader never reads them.
"""
from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal as D

import openpyxl
import pytest

from adtools.config import config_from_dict
from adtools.errors import SchemaError
from adtools.fees import film_price, price_quote
from adtools.forms.catalog import FORMS
from adtools.forms.fill import fill_workbook
from adtools.forms.schema import Choice, Field, Form, Price, Rate, Tally
from adtools.forms.template import RATES_SHEET, build_template
from adtools.forms.validate import validate_file

QUOTE = FORMS["quote"]
CARD_DAY = date(2026, 11, 1)
HEADER = {"job_no": "HRFR-2026-001", "quote_type": "production", "version": 1, "prepared_by": "李娜"}
# every kind of line, spelled as staff may type the kind; awkward sizes and amounts for the rounding
ROWS = [
    {"line_type": "hours", "category": "print_creative", "hours": D("10.5")},
    {"line_type": "hours", "category": "pop_artwork", "hours": D("0.25")},
    {"line_type": "hours", "category": "tv_radio_creative", "hours": D("37.75")},
    {"line_type": "film", "category": "colour_proof", "width_cm": D("21"), "height_cm": D("29.7"), "quantity": 4},
    {"line_type": "film", "category": "bw", "width_cm": D("42"), "height_cm": D("29.7"), "quantity": 2},
    {"line_type": "film", "category": "bw", "width_cm": D("35.3"), "height_cm": D("24.1")},  # quantity blank: 1
    {"line_type": "film", "category": "colour_proof", "width_cm": D("13.7"), "height_cm": D("9.9"), "quantity": 7},
    {"line_type": "cost", "category": "photography", "amount": D("18000.00")},
    {"line_type": "cost", "category": "retouching", "amount": D("0.10")},  # 0.115 after the markup: half up
    {"line_type": "cost", "category": "retouching", "amount": D("12.30")},  # 14.145
    {"line_type": "postage", "amount": D("260.00")},
    {"line_type": "postage", "amount": D("0.05")},
]


def _cfg(tmp_path):
    return config_from_dict({
        "people": [{"name": "李娜", "email": "li.na@agency.example", "department": "production"}],
        "rate_cards": [{"effective_from": CARD_DAY, "print_creative": 850, "pop_artwork": D("262.5")}],
        "fees": {"oop_markup": D("0.15"), "tax_rate": D("0.06")},
    }, base_dir=tmp_path)


@pytest.fixture
def cfg(tmp_path):
    return _cfg(tmp_path)


def _fill(cfg, tmp_path, quote_date: date, rows=ROWS, name="报价单.xlsx"):
    return fill_workbook(QUOTE, cfg, {**HEADER, "quote_date": quote_date}, rows, tmp_path / name)


def test_the_amounts_are_locked_formulas_right_of_the_table(cfg, tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(build_template(QUOTE, cfg))
    wb = openpyxl.load_workbook(path)
    ws = wb["报价单"]
    (table,) = ws.tables.values()
    assert table.ref == "A9:H59"  # the amounts are outside the table: not input
    assert (ws["I9"].value, ws["J9"].value) == ("金额预览\nAmount preview", "含税合计预览\nTotal incl. tax preview")
    assert all(ws.cell(r, 9).data_type == "f" for r in range(10, 60)) and ws["I60"].value is None
    assert ws["J10"].value == "=SUM($I$10:$I$59)+ROUND(SUM($I$10:$I$59)*0.06,2)" and ws["J11"].value is None
    assert all(ws.cell(r, c).protection.locked for r in (10, 59) for c in (9, 10)) and ws.protection.sheet
    assert "预览，以正式报价为准" in ws["A3"].value and "preview; the priced quote is binding" in ws["A3"].value
    tips = [dv for dv in ws.data_validations.dataValidation if "I10" in str(dv.sqref)]
    assert tips and tips[0].prompt == "预览，以正式报价为准。\npreview; the priced quote is binding."
    rates = wb[RATES_SHEET]
    assert rates.sheet_state == "hidden" and rates.protection.sheet
    # the rate card of [[rate_cards]] from its day on, [rates] before it: the config's numbers, not constants
    cells = [[c.value for c in row] for row in rates.iter_rows(min_row=2, max_row=4, max_col=6)]
    assert cells[0] == ["生效日 From", *cfg.hourly_categories]
    assert cells[2][0].date() == CARD_DAY and cells[2][1:] == [float(cfg.rates_on(CARD_DAY)[k]) for k in cfg.hourly_categories]


def test_forms_without_priced_tallies_get_no_rates_sheet(cfg, tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_bytes(build_template(FORMS["timesheet"], cfg))
    assert RATES_SHEET not in openpyxl.load_workbook(path).sheetnames


def test_the_reader_never_reads_the_amounts_and_the_quote_prices_as_before(cfg, tmp_path):
    path = _fill(cfg, tmp_path, date(2026, 11, 20))
    result = validate_file(path, cfg)
    assert not [f for f in result.findings if f.is_error or f.rule == "unknown_column"], result.findings
    assert all(set(r.values) == {f.key for f in QUOTE.columns} for r in result.rows)
    priced = price_quote(result.header.values, [r.values for r in result.rows], cfg)
    assert priced.lines[0].amount == D("8925.00") and priced.lines[8].amount == D("0.12")  # 10.5 x 850; 0.115 half up


def test_a_file_that_lost_its_table_still_skips_the_amounts(cfg, tmp_path):
    path = _fill(cfg, tmp_path, date(2026, 11, 20))
    wb = openpyxl.load_workbook(path)
    del wb["报价单"].tables["t_quote"]
    wb.save(path)
    result = validate_file(path, cfg)
    assert not [f for f in result.findings if f.rule == "unknown_column"], result.findings
    assert len(result.rows) == len(ROWS)


def _recalculated(paths, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui")
    out = tmp_path / "out"
    subprocess.run([soffice, "--headless", "--calc", "--convert-to", "xlsx", "--outdir", str(out), *map(str, paths)],
                   check=True, capture_output=True, timeout=300)
    return [openpyxl.load_workbook(out / p.name, data_only=True)["报价单"] for p in paths]


@pytest.mark.libreoffice
def test_libreoffice_shows_each_line_priced_as_price_quote_prices_it(cfg, tmp_path):
    before, after = _fill(cfg, tmp_path, date(2026, 10, 30), name="before.xlsx"), _fill(cfg, tmp_path, CARD_DAY, name="after.xlsx")
    # kinds as typed by hand: key, Chinese, English; an unknown category and a missing size show nothing
    odd = [{"line_type": "hours", "category": "print_artwork", "hours": D("3")},
           {"line_type": "film", "category": "bw", "width_cm": D("10"), "height_cm": D("10")},
           {"line_type": "hours", "category": "print_creative", "hours": D("2")},
           {"line_type": "hours", "category": "no_such_rate", "hours": D("2")},
           {"line_type": "film", "category": "bw", "width_cm": D("10")}]
    typed = _fill(cfg, tmp_path, CARD_DAY, rows=odd, name="typed.xlsx")
    wb = openpyxl.load_workbook(typed)
    ws = wb["报价单"]
    ws["A10"], ws["A11"], ws["A12"] = "hours", "软片", " Hours "
    wb.save(typed)
    sheets = _recalculated([before, after, typed], tmp_path)
    for path, ws in zip((before, after), sheets):
        result = validate_file(path, cfg)
        priced = price_quote(result.header.values, [r.values for r in result.rows], cfg)
        shown = [ws.cell(r, 9).value for r in range(10, 10 + len(ROWS))]
        assert [D(str(v)).quantize(D("0.01")) for v in shown] == [ln.amount for ln in priced.lines], path.name
        assert D(str(ws["J10"].value)).quantize(D("0.01")) == priced.total
        assert ws.cell(10 + len(ROWS), 9).value is None  # an empty line shows nothing
    assert sheets[0]["I10"].value != sheets[1]["I10"].value  # the card in force on the quote date
    typed_ws = sheets[2]
    film = float(film_price(cfg, "bw", D(10), D(10)))  # 19.24: 120 x 100 / 623.7
    assert [typed_ws.cell(r, 9).value for r in range(10, 15)] == [900, film, 1700, None, None]  # 3 x 300; 2 x 850


def _form(*tallies):
    kind = Field("kind", "类型", "Kind", "enum", choices=(Choice("a", "甲", "A"),))
    return Form("x", "表", "X", header=(Field("k", "键", "Key"), Field("day", "日期", "Day", "date")),
                columns=(kind, Field("n", "数", "N", "decimal"), Field("note", "备注", "Note")), key=("k",), tallies=tallies)


def test_a_priced_tally_must_price_by_fields_the_table_has():
    rate = Rate("率", "rate", lambda cfg, day: {"a": D(1)}, key="note", at="day", changes=lambda cfg: ())
    _form(Tally("amt", "额", "Amt", case="kind", prices=(Price("a", ("n", rate)),)),
          Tally("sum", "总", "Sum", of="amt"))  # declared rightly
    wrong = [
        (Tally("amt", "额", "Amt", case="n", prices=(Price("a", ("n",)),)), "prices rows by 'n', which is no enum"),
        (Tally("amt", "额", "Amt", case="kind", prices=(Price("b", ("n",)),)), "prices 'b' rows, which is no choice"),
        (Tally("amt", "额", "Amt", case="kind", prices=(Price("a", ("note",)),)), "multiplies by 'note', which is no number"),
        (Tally("amt", "额", "Amt", of="n", case="kind", prices=(Price("a", ("n",)),)), "either `of`"),
        (Tally("amt", "额", "Amt", case="kind", prices=(Price("a", ("n", Rate("率", "rate", lambda c, d: D(1), at="k",
                                                                            changes=lambda c: ()))),)),
         "takes 'rate' on 'k', which is no date"),
    ]
    for tally, message in wrong:
        with pytest.raises(SchemaError, match=message):
            _form(tally)
    with pytest.raises(SchemaError, match="sums the tally 'total'"):
        _form(Tally("total", "总", "Total", of="n"), Tally("again", "再", "Again", of="total"))
