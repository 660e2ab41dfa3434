"""Each file in its own guarded step: a crash on one file is that file's outcome, never the scan's."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from adtools.forms import feedback as feedback_mod
from adtools.ledger import ingest as ingest_mod
from adtools.ledger.store import Ledger
from adtools.tasks import ingest
from tests._ledger_support import make_config, write_timesheet, write_work_order

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 9, 9, 0, tzinfo=SH)


@pytest.fixture()
def cfg(tmp_path):
    return make_config(tmp_path)


def _bad(cfg, name: str) -> Path:
    p = cfg.watch_dirs[0] / name
    p.write_bytes(f"no workbook {name}".encode())
    return p


def _statuses(summary) -> dict[str, str]:
    return {Path(f.path).name: f.status for f in summary.files}


def test_a_feedback_writer_that_crashes_gets_a_findings_only_copy_and_good_files_are_stored(cfg, monkeypatch):
    write_timesheet(cfg, "张伟.xlsx")
    write_work_order(cfg, "WO.xlsx")
    _bad(cfg, "bad.xlsx")
    real = feedback_mod.write_feedback
    calls = []

    def crashing(result, out_dir, *, annotate=True):
        calls.append(annotate)
        if annotate:
            raise MemoryError("openpyxl ran out of memory")
        return real(result, out_dir, annotate=annotate)

    monkeypatch.setattr(feedback_mod, "write_feedback", crashing)
    s = ingest(cfg, now=NOW)
    assert _statuses(s) == {"张伟.xlsx": "ingested", "WO.xlsx": "ingested", "bad.xlsx": "rejected"}
    assert calls == [True, False]
    copy = next(cfg.feedback_dir.rglob("*.xlsx"))
    assert load_workbook(copy).sheetnames == ["错误 Errors"]
    assert s.notices_queued == 1


def test_a_crash_storing_or_rejecting_one_file_is_recorded_as_its_refusal_and_not_repeated(cfg, monkeypatch):
    write_timesheet(cfg, "张伟.xlsx")
    write_timesheet(cfg, "李娜.xlsx", staff="李娜")
    _bad(cfg, "bad.xlsx")
    from adtools.ledger.store import Ledger
    real_store, real_reject = Ledger.store_versions, ingest_mod._Scan._reject

    def store(self, items, **kw):  # the batch holding 李娜's file fails; so does her file on its own
        if any(it.source.path.name == "李娜.xlsx" for it in items):
            raise RuntimeError("boom in store")
        return real_store(self, items, **kw)

    def reject(self, p):
        raise KeyError("boom in reject")

    monkeypatch.setattr(Ledger, "store_versions", store)
    monkeypatch.setattr(ingest_mod._Scan, "_reject", reject)
    s = ingest(cfg, now=NOW)
    assert _statuses(s) == {"张伟.xlsx": "ingested", "李娜.xlsx": "rejected", "bad.xlsx": "rejected"}
    reasons = {Path(f.path).name: f.reason for f in s.files}
    assert "RuntimeError: boom in store" in reasons["李娜.xlsx"] and "internal error" in reasons["李娜.xlsx"]
    assert "KeyError" in reasons["bad.xlsx"]
    assert s.notices_queued == 2  # the authors are told their files were not entered

    monkeypatch.setattr(Ledger, "store_versions", real_store)
    monkeypatch.setattr(ingest_mod._Scan, "_reject", real_reject)
    again = ingest(cfg, now=NOW + timedelta(hours=1))
    assert set(_statuses(again).values()) == {"unchanged"} and again.notices_queued == 0


def test_a_validator_crash_is_a_finding(cfg, monkeypatch):
    write_timesheet(cfg, "张伟.xlsx")
    _bad(cfg, "bad.xlsx")
    from adtools.forms import validate as validate_mod
    real = validate_mod.validate_file

    def crashing(path, *a, **kw):
        if Path(path).name == "bad.xlsx":
            raise RecursionError("deep")
        return real(path, *a, **kw)

    monkeypatch.setattr(validate_mod, "validate_file", crashing)
    s = ingest(cfg, now=NOW)
    assert _statuses(s) == {"张伟.xlsx": "ingested", "bad.xlsx": "rejected"}
    assert "RecursionError" in next(f.reason for f in s.files if f.path.endswith("bad.xlsx"))


def test_a_notice_that_cannot_be_made_never_holds_back_the_others(cfg, monkeypatch):
    _bad(cfg, "a.xlsx")
    _bad(cfg, "b.xlsx")
    from adtools.reports import rejection
    real = rejection.rejection_notice

    def notice(cfg_, doc, findings, to):
        if doc.rel_path == "a.xlsx":
            raise ValueError("Header values may not contain linefeed or carriage return characters")
        return real(cfg_, doc, findings, to)

    monkeypatch.setattr(rejection, "rejection_notice", notice)
    s = ingest(cfg, now=NOW)
    assert (s.rejected, s.notices_queued, s.notices_pending) == (2, 1, 1)
    again = ingest(cfg, now=NOW + timedelta(hours=1))
    assert (again.notices_queued, again.notices_pending) == (0, 0)  # not retried forever
    with Ledger.open(cfg) as led:
        assert led.pending_notices() == []


def test_a_subject_or_attachment_name_with_a_line_break_is_one_header_line(tmp_path):
    from adtools.mail import Message
    p = tmp_path / "new\nline\u2028x.xlsx"
    p.write_bytes(b"x")
    m = Message(sender="a@agency.example", to=["b@agency.example"], subject="退回 Rejected: a\u2028b\x0bc.xlsx",
                html="<p>x</p>", text="x", attachments=[p])
    assert m.subject == "退回 Rejected: a b c.xlsx"
    msg = m.to_email(token="t", date=NOW)
    assert [a.get_filename() for a in msg.iter_attachments()] == ["new line x.xlsx"]
    assert msg.as_bytes()  # serialises
