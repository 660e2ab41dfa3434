"""Our workbooks in Gnumeric (`ssconvert`): every report of the demo opens, the templates' formulas evaluate.

Optional: skipped where Gnumeric is not installed (apt-get install -y gnumeric).
What Gnumeric 1.12 drops on import is known and allowed below (see
docs/CONTRACTS.md "Workbooks in other readers"); anything else it says is a finding.
"""
from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest

from adtools.config import load_config
from adtools.fees import price_quote
from adtools.forms.catalog import FORMS
from adtools.forms.fill import fill_workbook
from adtools.forms.validate import validate_file

pytestmark = pytest.mark.gnumeric

# what Gnumeric 1.12's xlsx import says about parts it does not read: Excel tables (their
# filters), data bars, and the even/first-page header and footer elements openpyxl writes
_KNOWN_NOTES = re.compile(
    r"^(\s*|\s*worksheet( -> \w+)*"
    r"|Unexpected element '(tableParts|cfvo|color|extLst|evenHeader|evenFooter|firstHeader|firstFooter)' in state : "
    r"|'[^']+'![A-Z]+\d+ : Ignoring unhandled conditional format of type 'dataBar')$")


def _ssconvert() -> str:
    found = shutil.which("ssconvert")
    if found is None:
        pytest.skip("Gnumeric (ssconvert) is not installed: apt-get install -y gnumeric")
    return found


def _convert(src: Path, dst: Path) -> list[str]:
    """Convert with ssconvert; the lines it printed that are not known import notes."""
    done = subprocess.run([_ssconvert(), str(src), str(dst)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0 and dst.is_file(), (src.name, done.stderr)
    return [line for line in (done.stdout + done.stderr).splitlines() if not _KNOWN_NOTES.match(line)]


def test_gnumeric_opens_every_report_workbook_of_the_demo(demo_built, tmp_path):
    reports = sorted(load_config(demo_built.root / "config.toml").reports_dir.rglob("*.xlsx"))
    assert len(reports) >= 10, reports  # fees, weekly (both), reconciliation, monitoring, quotes, dashboard …
    for i, path in enumerate(reports):
        out = tmp_path / f"{i}.gnumeric"
        assert _convert(path, out) == [], path.name
        sheets = re.findall(rb"<gnm:Sheet ", gzip.decompress(out.read_bytes()))
        assert len(sheets) == len(openpyxl.load_workbook(path, read_only=True).sheetnames), path.name


@pytest.mark.filterwarnings("ignore:Workbook contains no default style")  # openpyxl on Gnumeric's own xlsx
def test_gnumeric_evaluates_the_quote_amounts_and_the_timesheet_totals(tmp_path):
    cfg = load_config(Path(__file__).resolve().parents[1] / "config.toml")
    quote_rows = [
        {"line_type": "hours", "category": "print_creative", "hours": D("10.5")},
        {"line_type": "film", "category": "bw", "width_cm": D("35.3"), "height_cm": D("24.1"), "quantity": 3},
        {"line_type": "cost", "category": "photography", "amount": D("3000.05")},
        {"line_type": "postage", "amount": D("60")},
    ]
    quote = fill_workbook(FORMS["quote"], cfg, {"job_no": "HRFR-2026-001", "quote_type": "production", "version": 1,
                                               "prepared_by": "李娜", "quote_date": date(2026, 11, 20)},
                          quote_rows, tmp_path / "quote.xlsx")
    sheet = fill_workbook(FORMS["timesheet"], cfg, {"staff": "张伟", "department": "creative",
                                                    "week_start": date(2026, 11, 23)},
                          [{"date": date(2026, 11, 23), "category": "non_billable", "hours": D("8")},
                           {"date": date(2026, 11, 23), "category": "non_billable", "hours": D("5.5")},
                           {"date": date(2026, 11, 24), "category": "non_billable", "hours": D("7.25")}],
                          tmp_path / "timesheet.xlsx")
    assert _convert(quote, tmp_path / "quote_g.xlsx") == [] and _convert(sheet, tmp_path / "sheet_g.xlsx") == []

    result = validate_file(quote, cfg)
    priced = price_quote(result.header.values, [r.values for r in result.rows], cfg)
    ws = openpyxl.load_workbook(tmp_path / "quote_g.xlsx", data_only=True)["报价单"]
    shown = [ws.cell(r, 9).value for r in range(10, 14)]
    assert [D(str(v)).quantize(D("0.01")) for v in shown] == [ln.amount for ln in priced.lines]
    assert D(str(ws["J10"].value)).quantize(D("0.01")) == priced.total
    assert ws["I14"].value in (None, "")  # an empty line shows nothing

    ws = openpyxl.load_workbook(tmp_path / "sheet_g.xlsx", data_only=True)["工时表"]
    assert [ws.cell(r, 6).value or None for r in range(10, 13)] == [13.5, None, 7.25] and ws["G10"].value == 20.75
