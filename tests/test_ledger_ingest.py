"""`ingest` on real workbooks written as staff write them: the issue's "done when", one behaviour per test."""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from adtools.cli import main
from adtools.forms import validate as validate_mod
from adtools.ledger import frames
from adtools.ledger.ingest import ingest, skip_reason
from adtools.ledger.store import Ledger

from tests._ledger_support import (
    make_config, write_config_file, write_media_schedule, write_timesheet, write_work_order,
)

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 9, 9, 0, tzinfo=SH)


@pytest.fixture()
def cfg(tmp_path):
    return make_config(tmp_path)


class _Opened:
    """The workbooks the validator opened, in whichever process (the ingest reads in worker processes)."""

    def __init__(self, log: Path):
        self.log = log

    def _load(self) -> list[Path]:
        text = self.log.read_text(encoding="utf-8") if self.log.exists() else ""
        return [Path(line) for line in text.splitlines() if line]

    def __iter__(self):
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __eq__(self, other) -> bool:
        return self._load() == list(other)

    def clear(self) -> None:
        self.log.unlink(missing_ok=True)


@pytest.fixture()
def spy(monkeypatch, tmp_path):
    """Counts the workbooks the validator opens (it is the only way ingest parses a workbook).

    The workers are forked from the test process, so they run this patched validator and
    append to a file the test reads back.
    """
    calls = _Opened(tmp_path / "opened.log")
    real = validate_mod.validate_file

    def counting(path, *a, **kw):
        with calls.log.open("a", encoding="utf-8") as fh:
            fh.write(f"{path}\n")
        return real(path, *a, **kw)

    monkeypatch.setattr(validate_mod, "validate_file", counting)
    return calls


def by_name(summary) -> dict[str, str]:
    return {Path(f.path).name: f.status for f in summary.files}


def consistent(summary) -> None:
    s = summary
    assert s.scanned == s.ingested + s.unchanged + s.duplicate + s.rejected + s.skipped


def three_files(cfg):
    write_timesheet(cfg, "creative/李娜.xlsx", staff="李娜", hours=["8", "6.5"])
    write_timesheet(cfg, "account/张伟.xlsx", staff="张伟", hours=["7.5", "8", "4.25"])
    write_work_order(cfg, "orders/WO-2026-001.xlsx")


def test_second_ingest_reads_nothing_and_reports_every_file_unchanged(cfg, spy):
    three_files(cfg)
    first = ingest(cfg, now=NOW)
    assert (first.ingested, first.rejected, first.scanned) == (3, 0, 3), first.to_json()
    assert len(spy) == 3
    spy.clear()
    again = ingest(cfg, now=NOW + timedelta(minutes=10))
    assert set(by_name(again).values()) == {"unchanged"} and again.unchanged == 3
    assert spy == [], "an unchanged file must not be parsed"
    # saved again without a change (new modified time, same bytes): hashed, still not parsed
    p = cfg.watch_dirs[0] / "account/张伟.xlsx"
    os.utime(p, (p.stat().st_atime, p.stat().st_mtime + 3600))
    third = ingest(cfg, now=NOW + timedelta(minutes=20))
    assert third.unchanged == 3 and spy == []
    consistent(third)


def test_summary_json_shape(cfg):
    three_files(cfg)
    data = ingest(cfg, now=NOW).to_json()
    assert list(data) == ["scanned", "ingested", "unchanged", "duplicate", "rejected", "superseded", "skipped", "missing", "archive_missing", "files"]
    f = next(f for f in data["files"] if f["path"].endswith("张伟.xlsx"))
    assert f == {"path": str(cfg.watch_dirs[0] / "account" / "张伟.xlsx"), "status": "ingested", "form_id": "timesheet",
                 "document_key": "张伟|2026-11-02", "rows": 3, "errors": 0, "warnings": 0, "reason": None}
    json.dumps(data, ensure_ascii=False)


def test_editing_one_workbook_supersedes_only_that_one(cfg, spy):
    three_files(cfg)
    ingest(cfg, now=NOW)
    spy.clear()
    write_timesheet(cfg, "account/张伟.xlsx", staff="张伟", hours=["7.5", "8", "4.25", "2"])
    later = NOW + timedelta(days=1)
    s = ingest(cfg, now=later)
    assert by_name(s) == {"李娜.xlsx": "unchanged", "张伟.xlsx": "ingested", "WO-2026-001.xlsx": "unchanged"}
    assert s.superseded == 1 and [p.name for p in spy] == ["张伟.xlsx"]
    with Ledger.open(cfg) as led:
        hist = led.history("张伟|2026-11-02", "timesheet")
        assert [(v.version, v.status, v.rows) for v in hist] == [(1, "superseded", 3), (2, "current", 4)]
        assert hist[0].superseded_by == hist[1].id
        now_rows = frames.rows(led, "timesheet")
        assert sorted(now_rows.loc[now_rows.staff == "张伟", "hours"]) == [Decimal("2"), Decimal("4.25"), Decimal("7.5"), Decimal("8")]
        before = frames.rows(led, "timesheet", as_of=NOW.date())
        assert len(before[before.staff == "张伟"]) == 3
        assert led.verify() == []


def test_the_supersede_note_names_the_version_it_replaced_not_a_rejected_attempt(cfg):
    write_timesheet(cfg, "account/张伟.xlsx", hours=["8"])
    ingest(cfg, now=NOW)  # v1, current
    write_timesheet(cfg, "account/张伟 草稿.xlsx", hours=["30"])  # same key, an error: v2, rejected
    assert ingest(cfg, now=NOW + timedelta(hours=1)).rejected == 1
    write_timesheet(cfg, "account/张伟.xlsx", hours=["7"])  # v3 replaces v1
    s = ingest(cfg, now=NOW + timedelta(hours=2))
    done = next(f for f in s.files if f.status == "ingested")
    assert "v1" in done.reason and "第 1 版" in done.reason and "v3" in done.reason, done.reason
    assert "第 2 版" not in done.reason


def test_a_copy_under_another_name_adds_nothing(cfg, spy):
    three_files(cfg)
    ingest(cfg, now=NOW)
    with Ledger.open(cfg) as led:
        before = frames.rows(led, "timesheet")
    inbox = cfg.watch_dirs[0]
    shutil.copy2(inbox / "account/张伟.xlsx", inbox / "备份 张伟 (2).xlsx")
    spy.clear()
    s = ingest(cfg, now=NOW + timedelta(hours=1))
    assert s.duplicate == 1 and s.ingested == 0 and spy == []
    dup = next(f for f in s.files if f.status == "duplicate")
    assert "account/张伟.xlsx" in dup.reason and dup.document_key == "张伟|2026-11-02"
    with Ledger.open(cfg) as led:
        after = frames.rows(led, "timesheet")
        assert after.equals(before)
    assert ingest(cfg, now=NOW + timedelta(hours=2)).duplicate == 0  # and next time it is simply unchanged


def test_broken_file_rejected_with_feedback_while_others_are_ingested(cfg, spy):
    three_files(cfg)
    ingest(cfg, now=NOW)
    # 张伟's timesheet is saved again with 30 hours on one day: an error
    write_timesheet(cfg, "account/张伟.xlsx", staff="张伟", hours=["30", "8", "4.25"])
    write_timesheet(cfg, "creative/李娜-week2.xlsx", staff="李娜", week=date(2026, 11, 9), hours=["5"])
    s = ingest(cfg, now=NOW + timedelta(days=1))
    st = by_name(s)
    assert st["张伟.xlsx"] == "rejected" and st["李娜-week2.xlsx"] == "ingested"
    bad = next(f for f in s.files if f.status == "rejected")
    assert bad.errors >= 1 and bad.form_id == "timesheet" and bad.document_key == "张伟|2026-11-02"
    assert "工时表!" in bad.reason
    with Ledger.open(cfg) as led:
        hist = led.history("张伟|2026-11-02")
        assert [(v.version, v.status) for v in hist] == [(1, "current"), (2, "rejected")]
        zw = frames.rows(led, "timesheet").query("staff == '张伟'")
        assert Decimal("30") not in set(zw["hours"]), "the previous good version stays current"
        assert [f.field for f in led.findings_of(hist[1].id) if f.is_error][:1] == ["hours"]
        fb = hist[1].feedback_path
        assert fb and Path(fb).is_file() and Path(fb).is_relative_to(cfg.feedback_dir / "account")
        assert hist[1].submitter == "张伟"
        assert led.verify() == []
    assert ingest(cfg, now=NOW + timedelta(days=2)).rejected == 0  # rejected once per file version


def test_conflict_both_rejected_each_naming_the_other_then_resolved(cfg):
    write_timesheet(cfg, "a/张伟.xlsx", hours=["8"])
    write_timesheet(cfg, "b/张伟 改.xlsx", hours=["6"])
    s = ingest(cfg, now=NOW)
    assert s.rejected == 2 and s.ingested == 0
    reasons = {Path(f.path).name: f.reason for f in s.files}
    assert "b/张伟 改.xlsx" in reasons["张伟.xlsx"] and "a/张伟.xlsx" in reasons["张伟 改.xlsx"]
    with Ledger.open(cfg) as led:
        assert frames.rows(led, "timesheet").empty
        docs = led.history("张伟|2026-11-02")
        assert {d.status for d in docs} == {"rejected"}
        assert all(any(f.rule == "conflict" for f in led.findings_of(d.id)) for d in docs)
    assert ingest(cfg, now=NOW + timedelta(minutes=10)).rejected == 2  # still a conflict, still nothing entered
    (cfg.watch_dirs[0] / "b/张伟 改.xlsx").unlink()
    s3 = ingest(cfg, now=NOW + timedelta(minutes=20))
    assert by_name(s3) == {"张伟.xlsx": "ingested", "张伟 改.xlsx": "missing"}
    with Ledger.open(cfg) as led:
        assert list(frames.rows(led, "timesheet")["hours"]) == [Decimal("8")]
        assert len(led.history("张伟|2026-11-02")) == 3  # two rejected attempts kept in the history


def test_a_file_that_disappears_keeps_its_data_and_is_listed_missing_once(cfg):
    three_files(cfg)
    ingest(cfg, now=NOW)
    (cfg.watch_dirs[0] / "creative/李娜.xlsx").unlink()
    s = ingest(cfg, now=NOW + timedelta(hours=1))
    assert s.missing == 1 and by_name(s)["李娜.xlsx"] == "missing" and s.scanned == 2
    with Ledger.open(cfg) as led:
        assert "李娜" in set(frames.rows(led, "timesheet")["staff"])
    assert ingest(cfg, now=NOW + timedelta(hours=2)).missing == 0
    write_timesheet(cfg, "creative/李娜.xlsx", staff="李娜", hours=["8", "6.5"])  # put back as it was
    back = ingest(cfg, now=NOW + timedelta(hours=3))
    assert by_name(back)["李娜.xlsx"] == "unchanged"


def test_lock_temp_hidden_and_settling_files_are_skipped_saying_why(cfg, spy):
    inbox = cfg.watch_dirs[0]
    write_timesheet(cfg, "张伟.xlsx")
    (inbox / "~$张伟.xlsx").write_bytes(b"lock")
    (inbox / ".~lock.张伟.xlsx#").write_bytes(b"lock")
    (inbox / "~WRL0001.tmp").write_bytes(b"tmp")
    (inbox / ".hidden.xlsx").write_bytes(b"x")
    (inbox / "scan.pdf").write_bytes(b"%PDF")  # not a spreadsheet: not even listed
    settled = make_config(cfg.base_dir, intake={"settle_seconds": 60})
    mtime = datetime.fromtimestamp((inbox / "张伟.xlsx").stat().st_mtime, tz=timezone.utc)
    s = ingest(settled, now=mtime + timedelta(seconds=10))
    reasons = {Path(f.path).name: f.reason for f in s.files}
    assert set(reasons) == {"张伟.xlsx", "~$张伟.xlsx", ".~lock.张伟.xlsx#", "~WRL0001.tmp", ".hidden.xlsx"}
    assert {f.status for f in s.files} == {"skipped"} and spy == []
    assert "lock file" in reasons["~$张伟.xlsx"] and "LibreOffice" in reasons[".~lock.张伟.xlsx#"]
    assert "temporary" in reasons["~WRL0001.tmp"] and "hidden" in reasons[".hidden.xlsx"]
    assert "settle_seconds = 60" in reasons["张伟.xlsx"]
    later = ingest(settled, now=mtime + timedelta(seconds=61))
    assert by_name(later)["张伟.xlsx"] == "ingested"
    assert skip_reason("张伟.xlsx") is None


def test_staff_files_untouched_and_archive_copy_is_immutable(cfg):
    three_files(cfg)
    inbox = cfg.watch_dirs[0]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in inbox.rglob("*.xlsx")}
    ingest(cfg, now=NOW)
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in inbox.rglob("*.xlsx")} == before
    with Ledger.open(cfg) as led:
        v = led.history("张伟|2026-11-02")[0]
    copy = cfg.archive_dir / v.archive_path
    assert v.archive_path == f"{v.sha256[:2]}/{v.sha256}.xlsx"
    assert copy.read_bytes() == (inbox / "account/张伟.xlsx").read_bytes()
    assert not copy.stat().st_mode & stat.S_IWUSR


def test_money_from_a_workbook_is_exact(cfg):
    grosses = ["12345.67", "0.10", "99999.99", "1000.05"]
    write_media_schedule(cfg, "媒介/排期.xlsx", grosses)
    s = ingest(cfg, now=NOW)
    assert s.ingested == 1, s.to_json()
    with Ledger.open(cfg) as led:
        df = frames.rows(led, "media_schedule")
    assert [str(g) for g in df["gross"]] == grosses
    assert sum(df["gross"], Decimal(0)) == Decimal("113345.81")
    assert all(type(v) is Decimal for v in df["gross"])
    assert frames.source(df.iloc[0], "gross").startswith("[媒介/排期.xlsx]媒体排期表!")


def test_work_order_jobs_known_to_the_rest_of_the_same_scan(cfg):
    # a timesheet naming a job whose work order arrives in the same scan gets no unknown-job warning
    write_work_order(cfg, "WO-7.xlsx", order_no="WO-2026-007", job_no="HRFR-2026-007")
    write_timesheet(cfg, "ts.xlsx", job_no="HRFR-2026-007")
    write_work_order(cfg, "WO-1.xlsx", order_no="WO-2026-001", job_no="HRFR-2026-001")
    s = ingest(cfg, now=NOW)
    assert s.ingested == 3
    ts = next(f for f in s.files if f.path.endswith("ts.xlsx"))
    assert ts.warnings == 0
    write_timesheet(cfg, "ts2.xlsx", staff="李娜", job_no="HRFR-2026-999")
    s2 = ingest(cfg, now=NOW + timedelta(hours=1))
    assert next(f for f in s2.files if f.path.endswith("ts2.xlsx")).warnings >= 1  # a job no work order names


def test_cli_ingest_history_and_show(tmp_path):
    cfg_path = write_config_file(tmp_path)
    from adtools.config import load_config

    cfg = load_config(cfg_path)
    three_files(cfg)
    r = CliRunner().invoke(main, ["--config", str(cfg_path), "ingest", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["ingested"] == 3
    r = CliRunner().invoke(main, ["--config", str(cfg_path), "ingest"])
    assert r.exit_code == 0 and re.search(r"未变 unchanged\s*│\s*3\s*│", r.stdout), r.stdout
    r = CliRunner().invoke(main, ["--config", str(cfg_path), "ledger", "history", "张伟|2026-11-02", "--json"])
    assert r.exit_code == 0, r.output
    h = json.loads(r.stdout)
    assert [(v["version"], v["status"], v["rel_path"], v["rows"]) for v in h["versions"]] == [(1, "current", "account/张伟.xlsx", 3)]
    assert h["versions"][0]["ingested_at"].endswith("+08:00")
    r = CliRunner().invoke(main, ["--config", str(cfg_path), "ledger", "history", "张"])
    assert r.exit_code == 1 and "张伟|2026-11-02" in r.output and "No document with key" in r.output
    r = CliRunner().invoke(main, ["--config", str(cfg_path), "ledger", "show", "timesheet", "--json"])
    assert r.exit_code == 0, r.output
    show = json.loads(r.stdout)
    assert show["count"] == 5
    rec = next(x for x in show["records"] if x["staff"] == "张伟" and x["_row"] == min(
        y["_row"] for y in show["records"] if y["staff"] == "张伟"))
    assert rec["hours"] == "7.50" and rec["week_start"] == "2026-11-02" and rec["_file"] == "account/张伟.xlsx"
    r = CliRunner().invoke(main, ["--config", str(cfg_path), "ledger", "show", "timesheet", "--limit", "2"])
    assert r.exit_code == 0 and "3 more" in r.stdout
    r = CliRunner().invoke(main, ["--config", str(cfg_path), "ledger", "show", "nope"])
    assert r.exit_code == 1 and "There is no form 'nope'" in r.output
    r = CliRunner().invoke(main, ["--config", str(cfg_path), "ledger", "show", "timesheet", "--as-of", "30/11/2026"])
    assert r.exit_code == 1 and "YYYY-MM-DD" in r.output


def test_rejection_mail_to_the_author_with_the_feedback_workbook_once(cfg):
    import email
    from email import policy

    from adtools.mail import list_messages, message_bytes
    from adtools.tasks import ingest  # ingest, then the rejection mails: composed in the task layer

    write_timesheet(cfg, "creative/李娜.xlsx", staff="李娜", hours=["30"], author="李娜")
    write_timesheet(cfg, "unknown.xlsx", staff="王芳", hours=["25"], author="Administrator")
    s = ingest(cfg, now=NOW)
    assert s.rejected == 2 and s.notices_queued == 2
    with Ledger.open(cfg) as led:
        outbox = {m.recipients: m for m in list_messages(cfg, led.engine)}
        assert set(outbox) == {("li.na@agency.example",), ("zhang.wei@agency.example", "wang.fang@agency.example")}
        msg = email.message_from_bytes(message_bytes(led.engine, outbox[("li.na@agency.example",)].id), policy=policy.default)
    names = [part.get_filename() for part in msg.iter_attachments()]
    assert names == ["李娜.反馈 feedback.xlsx"]
    assert "工时表!" in msg.get_body(("plain",)).get_content()
    again = ingest(cfg, now=NOW + timedelta(hours=1))
    assert again.notices_queued == 0
    with Ledger.open(cfg) as led:
        assert len(list_messages(cfg, led.engine)) == 2


def test_a_reader_crash_on_one_file_rejects_that_file_and_the_scan_goes_on(tmp_path, monkeypatch):
    """A bug of ours on one workbook must not stop the others (the finding asks to send it to the admin)."""
    import adtools.forms.reader as reader

    cfg = make_config(tmp_path)
    good = write_timesheet(cfg, "good.xlsx")
    bad = write_timesheet(cfg, "bad.xlsx", staff="李娜")
    real = reader.read_workbook

    def flaky(path, *args, **kwargs):
        if Path(path).name == "bad.xlsx":
            raise RuntimeError("engine exploded")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(reader, "read_workbook", flaky)
    summary = ingest(cfg, now=NOW)
    status = {Path(f.path).name: f.status for f in summary.files}
    assert status == {good.name: "ingested", bad.name: "rejected"}


def test_cli_ingest_lists_every_problem_but_only_the_first_good_files(tmp_path, monkeypatch):
    from adtools.cli import ledger as cli_ledger
    from adtools.config import load_config

    monkeypatch.setattr(cli_ledger, "_LISTED_INGESTED", 2)  # 30 in use
    cfg_path = write_config_file(tmp_path)
    cfg = load_config(cfg_path)
    three_files(cfg)
    (cfg.watch_dirs[0] / "broken.xlsx").write_bytes(b"not a workbook")
    r = CliRunner().invoke(main, ["--config", str(cfg_path), "ingest"])
    assert r.exit_code == 0, r.output
    assert "broken.xlsx" in r.stdout, "a problem is always listed"
    flat = " ".join(r.stdout.split())
    assert r.stdout.count("已读入") == 2 + 1 and "另有 1 个文件已读入" in flat and "and 1 more files ingested" in flat
    r = CliRunner().invoke(main, ["--config", str(cfg_path), "ingest", "--all"])
    assert r.stdout.count("未变") >= 3 and "more files ingested" not in r.stdout
