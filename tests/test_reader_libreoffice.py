"""Workbooks re-saved by LibreOffice (headless) read the same as the originals, on both engines.

Needs `soffice` (Debian: apt-get install -y libreoffice-calc-nogui); skipped with a
reason when it is absent.  All files are converted in one soffice run with a
private profile, so parallel runs do not fight over ~/.config/libreoffice.
"""
from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from adtools.forms.catalog import FORMS
from adtools.forms.reader import read_workbook
from adtools.forms.validate import validate_file
from raw_forms import CFG as CLEAN_CFG, clean
from reader_kit import build_workbook, fill_template, sample_rows

pytestmark = pytest.mark.libreoffice

TEMPLATES = Path(__file__).resolve().parents[1] / "workbooks" / "templates"

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _values(raw):
    head = {k: (c.value, c.address, c.error) for k, c in raw.header.items()}
    rows = [(r, {k: (c.value, c.address, c.error) for k, c in cells.items()}) for r, cells in raw.rows]
    return head, rows


@pytest.fixture(scope="module")
def resaved(tmp_path_factory, request):
    """{name: (original path, LibreOffice-saved path)} for every form plus a few special files."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui")
    from adtools.config import default_config

    cfg = default_config(tmp_path_factory.mktemp("cfg"))
    src = tmp_path_factory.mktemp("lo-src")
    out = tmp_path_factory.mktemp("lo-out")
    originals: dict[str, Path] = {}
    for form_id, form in FORMS.items():
        path = src / f"{form_id}.xlsx"
        build_workbook(form, cfg, path, rows=sample_rows(form, cfg, 5), table_rows=3)
        originals[form_id] = path
        tpl = TEMPLATES / f"{form_id}.xlsx"
        if tpl.is_file():  # the real template, filled in
            filled = src / f"tpl_{form_id}.xlsx"
            fill_template(tpl, form, cfg, filled, rows=sample_rows(form, cfg, 4))
            originals[f"tpl_{form_id}"] = filled
            header, rows = clean(form_id)  # values that satisfy every rule of the form
            good = src / f"clean_{form_id}.xlsx"
            fill_template(tpl, form, cfg, good, header=header, rows=rows)
            originals[f"clean_{form_id}"] = good
    # the 1904 date system, error and formula cells
    special = src / "special1904.xlsx"
    where = build_workbook(FORMS["media_schedule"], cfg, special, date1904=True)
    wb = openpyxl.load_workbook(special)
    ws = wb.active
    r = where["rows"][0]
    col = {k: openpyxl.utils.get_column_letter(c) for k, c in where["columns"].items()}
    ws[f"{col['gross']}{r}"].value = "#DIV/0!"
    ws[f"{col['gross']}{r}"].data_type = "e"
    r2, r3 = where["rows"][1], where["rows"][2]
    ws[f"{col['net']}{r2}"] = f"=ROUND({col['gross']}{r2}*(1-{col['discount']}{r2}),2)"
    ws[f"{col['gross']}{r3}"] = "=1000+2.5"
    wb.save(special)
    originals["special1904"] = special
    profile = tmp_path_factory.mktemp("lo-profile")
    cmd = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           "--convert-to", "xlsx", "--outdir", str(out)] + [str(p) for p in originals.values()]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    missing = [n for n, p in originals.items() if not (out / p.name).is_file()]
    assert not missing, (missing, done.stdout, done.stderr)
    return cfg, {n: (p, out / p.name) for n, p in originals.items()}, where


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_libreoffice_resaved_form_reads_like_the_original(resaved, form_id):
    cfg, files, _ = resaved
    original, saved = files[form_id]
    before = read_workbook(original, cfg)
    after = {e: read_workbook(saved, cfg, engine=e) for e in ("calamine", "openpyxl")}
    for engine, raw in after.items():
        assert raw.form_id == form_id, engine
        assert raw.findings == [], (engine, raw.findings)
        assert _values(raw) == _values(before), engine
        assert len(raw.rows) == 5  # two of them pasted below the table's range


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_libreoffice_resaved_filled_template_reads_like_the_original(resaved, form_id):
    cfg, files, _ = resaved
    if f"tpl_{form_id}" not in files:
        pytest.skip("workbooks/templates not built yet")
    original, saved = files[f"tpl_{form_id}"]
    before = read_workbook(original, cfg)
    for engine in ("calamine", "openpyxl"):
        raw = read_workbook(saved, cfg, engine=engine)
        assert raw.form_id == form_id and raw.findings == [], (engine, raw.findings)
        assert _values(raw) == _values(before), engine
        assert len(raw.rows) == 4


def test_libreoffice_keeps_1904_errors_and_computes_formulas(resaved):
    cfg, files, where = resaved
    _, saved = files["special1904"]
    a, b = (read_workbook(saved, cfg, engine=e) for e in ("calamine", "openpyxl"))
    assert _values(a) == _values(b) and a.findings == b.findings
    assert a.date1904 and a.rows[0][1]["date"].value == date(2026, 11, 2)
    gross = a.rows[0][1]["gross"]
    assert gross.error == "#DIV/0!" and gross.value is None
    # an input holding a formula: LibreOffice computed and saved its result, read with a warning
    gross3 = a.rows[2][1]["gross"]
    assert gross3.value == 1002.5
    # a computed column's formula result is never trusted (the validator recomputes net), and no warning
    net = a.rows[1][1]["net"]
    assert net.value is None and net.error is None
    formula_cells = {f.cell for f in a.findings if f.rule == "formula_input"}
    assert gross3.address in formula_cells and net.address not in formula_cells


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_template_filled_then_resaved_by_libreoffice_validates_clean(resaved, form_id):
    """FORMS.md's promise for office suites: the template, filled in and saved by LibreOffice, is clean."""
    _, files, _ = resaved
    if f"clean_{form_id}" not in files:
        pytest.skip("workbooks/templates not built yet")
    original, saved = files[f"clean_{form_id}"]
    before = validate_file(original, CLEAN_CFG)
    assert before.findings == []
    results = {e: validate_file(saved, CLEAN_CFG, engine=e) for e in ("calamine", "openpyxl")}
    for engine, result in results.items():
        assert result.form_id == form_id and result.findings == [], (engine, result.findings)
        assert len(result.rows) == len(clean(form_id)[1])
    for result in results.values():
        assert result.document_key == before.document_key is not None
        assert result.header.values == before.header.values
        assert [r.values for r in result.rows] == [r.values for r in before.rows]
