"""`adtools quote price` on real workbooks: the quote template filled in with openpyxl, read and validated, priced."""
from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils.cell import range_boundaries

from adtools.cli import main
from adtools.config import load_config
from adtools.forms.catalog import FORMS
from adtools.forms.parse import fold
from adtools.forms.template import build_template
from adtools.reports.quote import price_quote_file

HEADER = {"job_no": "HRFR-2026-001", "quote_type": "制作报价", "version": 2, "prepared_by": "李娜",
          "quote_date": datetime(2026, 11, 20)}
ROWS = [
    {"line_type": "hours", "category": "print_creative", "description": "主视觉", "hours": 10.5},
    {"line_type": "软片", "category": "colour_proof", "width_cm": 21, "height_cm": 29.7, "quantity": 4},
    {"line_type": "cost", "category": "photography", "description": "棚拍", "amount": 3000.05},
    {"line_type": "postage", "amount": "¥60.00"},
]
EXPECTED = {
    "job_no": "HRFR-2026-001", "quote_type": "production", "version": 2,
    "lines": [{"line_type": "hours", "category": "print_creative", "amount": "8400.00"},   # 10.5 x 800
              {"line_type": "film", "category": "colour_proof", "amount": "1520.00"},     # 380 x 4 at the base size
              {"line_type": "cost", "category": "photography", "amount": "3000.05"},      # at cost (oop_markup 0)
              {"line_type": "postage", "category": None, "amount": "60.00"}],
    "subtotal": "12980.05", "tax": "778.80", "total": "13758.85",                          # 778.803
}


@pytest.fixture
def config(tmp_path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[paths]\nreports = "var/reports"\nledger = "var/ledger.sqlite"\n', encoding="utf-8")
    return path


def fill(cfg, form_id: str, header: dict[str, Any], rows: list[dict[str, Any]], path: Path) -> dict[str, str]:
    """Fill the built template as a person would: inputs by defined name, rows under the table's header."""
    form = FORMS[form_id]
    wb = openpyxl.load_workbook(io.BytesIO(build_template(form, cfg)))
    where = {}
    for f in form.header:
        sheet, ref = list(wb.defined_names[f"f_{f.key}"].destinations)[0]
        ref = ref.replace("$", "").split(":")[0]
        wb[sheet][ref] = header.get(f.key)
    ws = wb[form.sheet_name]
    min_col, top, max_col, _ = range_boundaries(ws.tables[form.table_name].ref)
    by_label = {fold(str(ws.cell(row=top, column=c).value)): c for c in range(min_col, max_col + 1)}
    for i, row in enumerate(rows):
        for key, value in row.items():
            cell = ws.cell(row=top + 1 + i, column=by_label[fold(form.field(key).label)])
            cell.value = value
            where[f"{key}@{i}"] = cell.coordinate
    wb.save(path)
    return where


def run(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)


def test_quote_price_json_and_default_path(config, tmp_path):
    cfg = load_config(config)
    fill(cfg, "quote", HEADER, ROWS, tmp_path / "报价单.xlsx")
    result = run(config, "quote", "price", str(tmp_path / "报价单.xlsx"), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == EXPECTED
    written = cfg.reports_dir / "quotes" / "报价单_quote_HRFR-2026-001_production_v2.xlsx"
    ws = openpyxl.load_workbook(written).active
    assert ws["A2"].value == "报价单 Quote"
    assert any(c.value == "客户签字及盖章 Client's signature and seal" for row in ws.iter_rows() for c in row)


def test_quote_price_table_and_out(config, tmp_path):
    cfg = load_config(config)
    fill(cfg, "quote", HEADER, ROWS, tmp_path / "in.xlsx")
    out = tmp_path / "给客户.xlsx"
    result = run(config, "quote", "price", str(tmp_path / "in.xlsx"), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "¥13,758.85" in result.stdout and "¥778.80" in result.stdout
    assert out.is_file()
    priced, path = price_quote_file(cfg, tmp_path / "in.xlsx", out=tmp_path / "again.xlsx")
    assert priced.to_json() == EXPECTED and path == tmp_path / "again.xlsx"


def test_a_quote_with_errors_lists_its_findings_and_exits_1(config, tmp_path):
    cfg = load_config(config)
    rows = [dict(ROWS[0], hours=7.3), ROWS[1], {"line_type": "cost", "category": "photography"}]
    where = fill(cfg, "quote", HEADER, rows, tmp_path / "bad.xlsx")
    result = run(config, "quote", "price", str(tmp_path / "bad.xlsx"))
    assert result.exit_code == 1
    assert f"报价单!{where['hours@0']}" in result.stdout  # the findings table names the cells
    assert "error(s) and was not priced" in result.stderr
    assert not (cfg.reports_dir / "quotes").exists()

    result = run(config, "quote", "price", str(tmp_path / "bad.xlsx"), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["priced"] is False
    cells = {(f["cell"], f["field"], f["severity"]) for f in data["findings"]}
    assert (where["hours@0"], "hours", "error") in cells
    assert any(f["field"] == "amount" and f["severity"] == "error" for f in data["findings"])  # cost line without amount


def test_a_workbook_that_is_not_a_quote(config, tmp_path):
    cfg = load_config(config)
    fill(cfg, "timesheet", {"staff": "张伟", "department": "account", "week_start": datetime(2026, 11, 2)},
         [{"date": datetime(2026, 11, 2), "job_no": "HRFR-2026-001", "category": "print_creative", "hours": 2}],
         tmp_path / "工时表.xlsx")
    result = run(config, "quote", "price", str(tmp_path / "工时表.xlsx"))
    assert result.exit_code == 1
    assert "is not a quote (found: timesheet)" in result.stderr
