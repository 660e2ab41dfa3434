"""The reader on the real templates (workbooks/templates, built by adtools.forms.template), filled in with openpyxl."""
from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from adtools.forms.catalog import FORMS
from adtools.forms.engines import normalise
from adtools.forms.reader import read_workbook
from reader_kit import fill_template, sample_header, sample_rows

TEMPLATES = Path(__file__).resolve().parents[1] / "workbooks" / "templates"


def template(form_id: str) -> Path:
    path = TEMPLATES / f"{form_id}.xlsx"
    if not path.is_file():
        pytest.skip(f"{path} not built yet (adtools templates build)")
    return path


def _values(raw):
    head = {k: (c.value, c.address, c.error) for k, c in raw.header.items()}
    rows = [(r, {k: (c.value, c.address, c.error) for k, c in cells.items()}) for r, cells in raw.rows]
    return head, rows


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_empty_template_is_its_form_with_no_rows(cfg, form_id):
    a, b = (read_workbook(template(form_id), cfg, engine=e) for e in ("calamine", "openpyxl"))
    assert a.form_id == b.form_id == form_id
    assert a.rows == b.rows == [] and a.findings == b.findings == []
    assert set(a.header) == {f.key for f in FORMS[form_id].header}
    assert all(c.value is None for c in a.header.values())
    assert _values(a) == _values(b)


@pytest.mark.parametrize("form_id", sorted(FORMS))
def test_filled_template_reads_the_same_with_both_engines(tmp_path, cfg, form_id):
    form = FORMS[form_id]
    rows = sample_rows(form, cfg, 4)
    path = tmp_path / f"{form_id}.xlsx"
    where = fill_template(template(form_id), form, cfg, path, rows=rows)
    a, b = (read_workbook(path, cfg, engine=e) for e in ("calamine", "openpyxl"))
    assert _values(a) == _values(b) and a.findings == b.findings == []
    assert a.form_id == form_id and a.author == "李娜"
    header = sample_header(form, cfg)
    assert {k: c.address for k, c in a.header.items()} == where["header"]
    assert {k: c.value for k, c in a.header.items()} == {k: normalise(v) for k, v in header.items()}
    assert [r for r, _ in a.rows] == where["rows"]
    for (_r, cells), written in zip(a.rows, rows):
        assert {k: c.value for k, c in cells.items()} == {k: normalise(v) for k, v in written.items()}


def test_rows_typed_past_the_templates_table(tmp_path, cfg):
    form = FORMS["timesheet"]
    path = tmp_path / "t.xlsx"
    probe = fill_template(template("timesheet"), form, cfg, path, rows=[])
    n = probe["table_last_row"] - probe["header_row"] + 5  # five rows more than the table holds
    where = fill_template(template("timesheet"), form, cfg, path, rows=sample_rows(form, cfg, n))
    raw = read_workbook(path, cfg)
    assert len(raw.rows) == n and raw.rows[-1][0] == where["rows"][-1] > probe["table_last_row"]
    wb = openpyxl.load_workbook(path)
    assert wb[form.sheet_name].tables[form.table_name].ref.endswith(str(probe["table_last_row"]))


@pytest.mark.parametrize("form_id", ["work_order", "minutes", "media_schedule", "quote"])
def test_filled_template_without_defined_names_reads_by_labels(tmp_path, cfg, form_id):
    """A copy that lost its names (pasted into a new workbook): the cells beside the labels, with warnings."""
    form = FORMS[form_id]
    header = sample_header(form, cfg)
    header[form.header[-1].key] = None  # an empty input must not take the next label's value
    path = tmp_path / f"{form_id}.xlsx"
    where = fill_template(template(form_id), form, cfg, path, header=header)
    wb = openpyxl.load_workbook(path)
    for name in list(wb.defined_names):
        if name.startswith("f_"):
            del wb.defined_names[name]
    wb.save(path)
    a, b = (read_workbook(path, cfg, engine=e) for e in ("calamine", "openpyxl"))
    assert _values(a) == _values(b) and a.findings == b.findings
    assert {k: c.address for k, c in a.header.items()} == where["header"]
    assert {k: c.value for k, c in a.header.items()} == {k: normalise(v) for k, v in header.items()}
    assert [f.rule for f in a.findings] == ["field_by_label"] * len(form.header)
