"""`adtools validate`: the JSON shape, the table a person reads, exit codes, folders and --feedback."""
from __future__ import annotations

import json
import shutil
import types

import openpyxl
from pathlib import Path

import pytest
from click.testing import CliRunner

from adtools.cli import main
from tests.raw_forms import clean, column_address, header_address, write_xlsx

REPO = Path(__file__).resolve().parents[1]
FILE_KEYS = ["path", "form_id", "document_key", "ok", "rows", "findings"]
FINDING_KEYS = ["severity", "sheet", "cell", "field", "value", "rule", "message_zh", "message_en"]


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A folder with the documented config.toml, and a way to add workbooks written with openpyxl."""
    shutil.copy(REPO / "config.toml", tmp_path / "config.toml")

    def add(name: str, form_id: str, header: dict, rows: list[dict]) -> Path:
        return write_xlsx(tmp_path / name, form_id, header, rows)

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ADTOOLS_CONFIG", raising=False)
    return types.SimpleNamespace(root=tmp_path, add=add)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def bad_timesheet(ws) -> Path:
    header, rows = clean("timesheet")
    header["staff"] = "王五 [[people]]"
    rows[0]["hours"] = "7.3"
    rows[1]["date"] = "03/04/2026"
    return ws.add("工时表-王五.xlsx", "timesheet", header, rows)


def test_json_shape_and_exit_code(workspace):
    good = workspace.add("排期.xlsx", "media_schedule", *clean("media_schedule"))
    bad = bad_timesheet(workspace)
    result = invoke("validate", "--json", str(good), str(bad))
    assert result.exit_code == 1
    data = json.loads(result.stdout)  # nothing but JSON on stdout
    assert list(data) == ["files"]
    first, second = data["files"]
    assert list(first) == FILE_KEYS and list(second) == FILE_KEYS
    assert first == {"path": str(good), "form_id": "media_schedule", "document_key": "双十一|第一波|1",
                     "ok": True, "rows": 3, "findings": []}
    assert (second["form_id"], second["document_key"], second["ok"], second["rows"]) == (
        "timesheet", "王五 [[people]]|2026-11-02", False, 3)
    assert all(list(f) == FINDING_KEYS for f in second["findings"])
    assert all(isinstance(v, str) for f in second["findings"] for v in f.values())
    got = {(f["rule"], f["sheet"], f["cell"], f["field"], f["value"], f["severity"]) for f in second["findings"]}
    assert got == {
        ("unknown_staff", "工时表", header_address("timesheet", "staff"), "staff", "王五 [[people]]", "error"),
        ("not_multiple", "工时表", column_address("timesheet", "hours", 0), "hours", "7.3", "error"),
        ("ambiguous_date", "工时表", column_address("timesheet", "date", 1), "date", "03/04/2026", "error"),
    }


def test_clean_files_exit_zero_and_warnings_do_not_fail(workspace):
    good = workspace.add("a.xlsx", "payments", *clean("payments"))
    header, rows = clean("media_schedule")
    rows[0]["media"] = "南方都市报"  # not a monitored title: a warning
    warned = workspace.add("b.xlsx", "media_schedule", header, rows)
    result = invoke("validate", "--json", str(good), str(warned))
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)["files"]
    assert [f["ok"] for f in files] == [True, True]
    assert [x["severity"] for x in files[1]["findings"]] == ["warning"]


def test_table_for_people(workspace, monkeypatch):
    from adtools.cli._common import out_console

    monkeypatch.setattr(out_console, "width", 250)  # a wide terminal: no message is wrapped
    bad = bad_timesheet(workspace)
    result = invoke("validate", str(bad))
    assert result.exit_code == 1
    out = result.stdout
    assert "✗ 3 错误 error(s)" in out
    where = f"工时表!{column_address('timesheet', 'hours', 0)}"
    assert where in out
    assert "小时 Hours" in out  # the field, in both languages
    assert "“7.3” 必须以 0.25 为单位，如 7.25 或 7.5" in out and "'7.3' must be in steps of 0.25, e.g. 7.25 or 7.5" in out
    assert "[[people]]" in out  # user text and rule text are never taken as markup


def test_table_for_a_clean_file(workspace):
    good = workspace.add("a.xlsx", "flight_notes", *clean("flight_notes"))
    result = invoke("validate", str(good))
    assert result.exit_code == 0
    assert "✓ 通过 OK" in result.stdout and "flight_notes [双十一|第一波]" in result.stdout
    assert "Findings" not in result.stdout


def test_folders_are_searched_and_lock_files_left_out(workspace):
    workspace.add("inbox/team/a.xlsx", "payments", *clean("payments"))
    workspace.add("inbox/b.xlsm", "archive", *clean("archive"))
    (workspace.root / "inbox" / "~$a.xlsx").write_bytes(b"lock")
    (workspace.root / "inbox" / "notes.txt").write_text("x")
    result = invoke("validate", "--json", "inbox")
    assert result.exit_code == 0, result.output
    assert sorted(Path(f["path"]).name for f in json.loads(result.stdout)["files"]) == ["a.xlsx", "b.xlsm"]


def test_a_refused_file_is_a_finding_not_a_traceback(workspace):
    (workspace.root / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (workspace.root / "notes.xlsx").write_text("not a workbook", encoding="utf-8")
    result = invoke("validate", "--json", "old.xls", "notes.xlsx")
    assert result.exit_code == 1
    files = json.loads(result.stdout)["files"]
    for f in files:
        assert (f["form_id"], f["document_key"], f["ok"], f["rows"]) == (None, None, False, 0)
        assert [x["severity"] for x in f["findings"]] == ["error"]
        assert f["findings"][0]["message_zh"] and f["findings"][0]["message_en"]
    assert ".xlsx" in files[0]["findings"][0]["message_en"]  # the fix: save it as .xlsx


def test_feedback_is_written_for_files_with_findings(workspace):
    from openpyxl import load_workbook

    from adtools.forms.feedback import ERRORS_SHEET, feedback_filename

    good = workspace.add("a.xlsx", "payments", *clean("payments"))
    bad = bad_timesheet(workspace)
    result = invoke("validate", str(good), str(bad), "--feedback", "fb")
    assert result.exit_code == 1
    written = sorted((workspace.root / "fb").iterdir())
    assert [p.name for p in written] == [feedback_filename(bad)]
    assert feedback_filename(bad) in result.stdout
    wb = load_workbook(written[0])
    assert wb.sheetnames[0] == ERRORS_SHEET
    marked = wb["工时表"][column_address("timesheet", "hours", 0)]
    assert marked.value == "7.3" and "0.25" in marked.comment.text


def test_missing_file_is_a_usage_error(workspace):
    result = invoke("validate", "nope.xlsx")
    assert result.exit_code == 2 and "nope.xlsx" in result.output


def test_without_config_the_fix_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ADTOOLS_CONFIG", raising=False)
    (tmp_path / "a.xlsx").write_bytes(b"PK")
    result = invoke("validate", "a.xlsx")
    assert result.exit_code == 1 and "adtools init" in result.output


def test_validate_checks_job_numbers_against_the_ledger(tmp_path, demo_workspace):
    """Once the ledger holds work orders, a job number it does not know is a warning; no ledger is created."""
    root = demo_workspace.root
    cfg_path = root / "config.toml"
    ts = next((root / "inbox").rglob("工时表_*.xlsx"))
    wb = openpyxl.load_workbook(ts)
    ws = wb.worksheets[0]
    cell = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("HRFR-"))
    cell.value = "HRFR-2099-999"
    changed = tmp_path / "changed.xlsx"
    wb.save(changed)
    out = CliRunner().invoke(main, ["--config", str(cfg_path), "validate", str(changed), "--json"])
    assert out.exit_code == 0, out.output
    findings = json.loads(out.stdout)["files"][0]["findings"]
    assert [(f["rule"], f["cell"]) for f in findings] == [("unknown_job", cell.coordinate)]

    empty = tmp_path / "empty" / "config.toml"
    empty.parent.mkdir()
    empty.write_text((root / "config.toml").read_text(encoding="utf-8").replace('ledger = "var/ledger.sqlite"', 'ledger = "none/ledger.sqlite"'), encoding="utf-8")
    out = CliRunner().invoke(main, ["--config", str(empty), "validate", str(changed), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["files"][0]["findings"] == []  # no ledger: no job list to check against
    assert not (empty.parent / "none").exists()
