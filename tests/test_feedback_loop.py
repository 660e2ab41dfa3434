"""The feedback loop as staff live it: a workbook with mistakes is rejected, the feedback copy attached to
the mail is fixed and saved into the folder, and it is accepted as the document's next version, with no trace
of the marks (the `错误 Errors` sheet, fills, comments) in the ledger."""
from __future__ import annotations

import email
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from adtools import tasks
from adtools.forms.feedback import ERRORS_SHEET, FEEDBACK_MARK
from adtools.ledger import frames
from adtools.ledger.store import Ledger
from adtools.mail import list_messages, message_bytes

from tests._ledger_support import make_config, write_timesheet, write_work_order

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 9, 9, 0, tzinfo=TZ)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _rejected(tmp_path: Path):
    """A timesheet with a 30-hour day (error) and an unknown job (warning), ingested: rejected, its mail queued."""
    cfg = make_config(tmp_path, mail={"transport": "file"})
    write_work_order(cfg, "account/工作单.xlsx")  # the ledger knows job HRFR-2026-001
    assert [f.status for f in tasks.ingest(cfg, now=T0 - timedelta(days=1)).files] == ["ingested"]
    original = write_timesheet(cfg, "account/张伟.xlsx", hours=("7.5", "30"), job_no="HRFR-2099-999")
    summary = tasks.ingest(cfg, now=T0)
    assert [f.status for f in summary.files if f.status != "unchanged"] == ["rejected"]
    with Ledger.open(cfg) as led:
        (msg,) = list_messages(cfg, led.engine)
        mail = email.message_from_bytes(message_bytes(led.engine, msg.id))
    return cfg, original, mail


def _attachment(mail, out: Path) -> Path:
    """Save the feedback workbook attached to the mail, as staff would from Outlook."""
    parts = [p for p in mail.walk() if p.get_filename()]
    assert len(parts) == 1, [p.get_filename() for p in parts]
    name = parts[0].get_filename()
    assert FEEDBACK_MARK in name and name.endswith(".xlsx")
    path = out / name
    path.write_bytes(parts[0].get_payload(decode=True))
    return path


def _body(mail) -> str:
    for p in mail.walk():
        if p.get_content_type() == "text/plain":
            return p.get_payload(decode=True).decode(p.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def _fix_red_cells(path: Path) -> None:
    """What staff do: type the right values over the marked cells and save (fills and comments stay)."""
    wb = openpyxl.load_workbook(path)
    errors = wb[ERRORS_SHEET]
    ws = wb["工时表"]
    fixed = 0
    for row in errors.iter_rows(min_row=4, values_only=True):
        sheet, cell = row[1], row[2]
        if sheet != "工时表" or not cell:
            continue
        if "30" == str(ws[cell].value):
            ws[cell] = 8
            fixed += 1
        elif str(ws[cell].value) == "HRFR-2099-999":
            ws[cell] = "HRFR-2026-001"
            fixed += 1
    assert fixed == 3  # the hours and the two job numbers
    wb.save(path)


def _no_trace(cfg) -> None:
    with Ledger.open(cfg) as led:
        (doc,) = [d for d in led.history("张伟|2026-11-02") if d.status == "current"]
        assert doc.version == 2 and FEEDBACK_MARK in doc.rel_path
        rows = frames.rows(led, "timesheet")
        findings = led.findings_of(doc.id)
    assert sorted(str(h) for h in rows["hours"]) == ["7.5", "8"]
    assert set(rows["_sheet"]) == {"工时表"}
    text = rows.astype(str).to_csv()
    for mark in (ERRORS_SHEET, "错误 Error", "不得超过", "adtools"):
        assert mark not in text
    # the marks are not data: neither the Errors sheet nor the fills/comments give a finding
    assert [f.rule for f in findings if f.rule not in ("unknown_job",)] == [], findings


def test_rejection_mail_lists_every_finding_attaches_the_copy_and_names_no_server_path(tmp_path):
    cfg, original, mail = _rejected(tmp_path)
    body = _body(mail)
    assert "30" in body and "HRFR-2099-999" in body  # the error and the warning
    assert "警告 Warning" in body and "错误 Error" in body
    assert str(tmp_path) not in body and "var/feedback" not in body and "feedback/" not in body
    html = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    assert str(tmp_path) not in html and "HRFR-2099-999" in html
    # the same instruction as the workbook's and the README's: fix the original, or the attached copy
    assert "附件" in body and "attached" in body
    _attachment(mail, tmp_path)


def test_fixed_feedback_copy_saved_with_openpyxl_is_the_next_version(tmp_path):
    cfg, original, mail = _rejected(tmp_path)
    copy = _attachment(mail, original.parent)  # saved into their folder, beside the original
    _fix_red_cells(copy)
    summary = tasks.ingest(cfg, now=T0 + timedelta(hours=1))
    by_name = {Path(f.path).name: f.status for f in summary.files}
    assert by_name[copy.name] == "ingested", summary.files
    _no_trace(cfg)


def test_fixing_the_original_where_it_is_also_works(tmp_path):
    cfg, original, mail = _rejected(tmp_path)
    wb = openpyxl.load_workbook(original)
    ws = wb["工时表"]
    for row in ws.iter_rows():
        for c in row:
            if c.value == 30:
                c.value = 8
            elif c.value == "HRFR-2099-999":
                c.value = "HRFR-2026-001"
    wb.save(original)
    summary = tasks.ingest(cfg, now=T0 + timedelta(hours=1))
    assert [f.status for f in summary.files if f.status != "unchanged"] == ["ingested"]


@pytest.mark.libreoffice
def test_fixed_feedback_copy_resaved_by_libreoffice_is_the_next_version(tmp_path):
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install -y libreoffice-calc-nogui")
    cfg, original, mail = _rejected(tmp_path)
    work = tmp_path / "desk"
    work.mkdir()
    copy = _attachment(mail, work)
    _fix_red_cells(copy)
    out = tmp_path / "lo"
    profile = tmp_path / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "xlsx", "--outdir", str(out), str(copy)], capture_output=True, timeout=180)
    resaved = out / copy.name
    assert resaved.is_file()
    shutil.copyfile(resaved, original.parent / copy.name)
    summary = tasks.ingest(cfg, now=T0 + timedelta(hours=1))
    by_name = {Path(f.path).name: (f.status, f.reason) for f in summary.files}
    assert by_name[copy.name][0] == "ingested", by_name
    _no_trace(cfg)


def test_feedback_workbook_golden(tmp_path):
    """The feedback copy staff receive, cell by cell (its Errors sheet, the marked input cells, the hidden marks)."""
    from golden_xlsx import check_golden

    cfg, original, mail = _rejected(tmp_path)
    check_golden(_attachment(mail, tmp_path), "feedback_timesheet")
