"""The ledger store and frames, on FormResults built by hand (no workbook parsing)."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from sqlalchemy import select

from adtools.errors import Finding, InputError, LockedError
from adtools.forms.catalog import FORMS
from adtools.ledger import frames
from adtools.ledger.store import Ledger
from adtools.ledger.tables import documents, form_table

from tests._ledger_support import archive, form_result, make_config, source_for, timesheet

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 3, 9, 0, tzinfo=SH)


@pytest.fixture()
def ledger(tmp_path):
    cfg = make_config(tmp_path)
    with Ledger.open(cfg) as led:
        yield led


def store(led, rel, result, now, content=b""):
    src = source_for(led.cfg, rel, content)
    return led.store_version(result, src, now=now, archive_path=archive(led.cfg, src))


def test_open_twice_migrates_once(tmp_path):
    cfg = make_config(tmp_path)
    Ledger.open(cfg).close()
    with Ledger.open(cfg) as led:
        with led.engine.connect() as conn:
            versions = conn.exec_driver_sql("select version from schema_version order by version").scalars().all()
    assert versions[:2] == [1, 2]
    assert len(versions) == len(set(versions))


def test_store_supersede_and_history(ledger):
    v1 = store(ledger, "ts/zhang.xlsx", timesheet(hours=["7.5", "8"]), T0, b"v1")
    assert (v1.version, v1.superseded_id) == (1, None)
    src2 = source_for(ledger.cfg, "ts/zhang-2.xlsx", b"v2")
    v2 = ledger.store_version(timesheet(hours=["4"]), src2, now=T0 + timedelta(days=1), archive_path=archive(ledger.cfg, src2))
    assert (v2.version, v2.superseded_id) == (2, v1.document_id)

    hist = ledger.history("张伟|2026-11-02")
    assert [(h.version, h.status) for h in hist] == [(1, "superseded"), (2, "current")]
    assert hist[0].superseded_by == v2.document_id
    assert hist[0].superseded_at == (T0 + timedelta(days=1)).astimezone(timezone.utc)
    assert hist[1].rel_path == "ts/zhang-2.xlsx"
    assert hist[1].submitter == "张伟"

    df = frames.rows(ledger, "timesheet")
    assert list(df["hours"]) == [Decimal("4")]
    assert list(df["_version"]) == [2]
    assert ledger.verify() == []


def test_frames_types_and_provenance(ledger):
    store(ledger, "a.xlsx", timesheet(hours=["7.25", "0.5"]), T0)
    df = frames.rows(ledger, "timesheet")
    assert len(df) == 2
    assert str(df["week_start"].dtype) == "datetime64[ns]"
    assert str(df["date"].dtype) == "datetime64[ns]"
    assert df["week_start"].iloc[0] == pd.Timestamp("2026-11-02")
    assert [type(v) for v in df["hours"]] == [Decimal, Decimal]
    assert list(df["hours"]) == [Decimal("7.25"), Decimal("0.5")]
    assert list(df["staff"]) == ["张伟", "张伟"]
    assert list(df["_row"]) == [8, 9]
    assert str(df["_row"].dtype) == "Int64"
    assert list(df["_file"]) == ["a.xlsx", "a.xlsx"]
    assert list(df["_sheet"]) == ["工时表", "工时表"]
    assert df["_cell_hours"].iloc[1] == "D9"
    assert frames.source(df.iloc[1], "hours") == "[a.xlsx]工时表!D9"
    assert frames.source(df.iloc[0], "staff") == "[a.xlsx]工时表!C3"
    assert frames.source(df.iloc[0], "nope") == "[a.xlsx]工时表"

    docs = frames.documents(ledger, "timesheet")
    header = [f.key for f in FORMS["timesheet"].header]  # staff, department, week_start, and any field added since
    assert list(docs.columns) == [
        *header, "_document_id", "_version", "_file", "_sheet", "_row", *(f"_cell_{k}" for k in header),
    ]
    assert len(docs) == 1 and pd.isna(docs["_row"].iloc[0])


def test_empty_frame_has_columns_and_types(ledger):
    df = frames.rows(ledger, "media_schedule")
    assert len(df) == 0
    assert "gross" in df.columns and "_cell_gross" in df.columns
    assert str(df["flight_start"].dtype) == "datetime64[ns]"
    assert str(df["version"].dtype) == "Int64"
    with pytest.raises(InputError, match="no form 'nope'"):
        frames.rows(ledger, "nope")


MONEY = ["0.01", "0.10", "123456789.99", "99999999999.99", "1234.50", "0.00", "7.05", "-0.07"]


def test_money_and_datetimes_round_trip_exactly(ledger):
    header = {"campaign": "春季冰箱", "flight": "W1", "flight_start": date(2026, 3, 1), "flight_end": date(2026, 3, 31),
              "scope": "national", "job_no": "HRFR-2026-001", "version": 1}
    rows = [
        {"media": "人民日报", "date": date(2026, 3, 2), "size": "整版", "colour": "colour", "gross": Decimal(m),
         "discount": Decimal("0.35"), "net": Decimal(m), "status": "planned"}
        for m in MONEY
    ]
    store(ledger, "ms.xlsx", form_result("media_schedule", header, rows), T0)
    df = frames.rows(ledger, "media_schedule")
    assert [str(v) for v in df["gross"]] == [str(Decimal(m)) for m in MONEY]
    assert all(type(v) is Decimal for v in df["gross"])
    assert set(df["discount"]) == {Decimal("0.35")}
    assert sum(df["gross"], Decimal(0)) == sum((Decimal(m) for m in MONEY), Decimal(0))

    # date-times: naive values are local (Asia/Shanghai) time; aware ones keep their instant
    start = datetime(2026, 11, 3, 14, 30)
    end = datetime(2026, 11, 3, 7, 0, tzinfo=timezone.utc)  # 15:00 in Shanghai
    store(ledger, "min.xlsx", form_result("minutes", {
        "title": "提案会", "meeting_start": start, "meeting_end": end, "important": True,
        "attendees": "张伟, 李娜", "prepared_by": "李娜"}, [{"item": "改稿", "status": "open"}]), T0, b"m")
    m = frames.rows(ledger, "minutes")
    assert str(m["meeting_start"].dtype) == "datetime64[ns, Asia/Shanghai]"
    assert m["meeting_start"].iloc[0] == pd.Timestamp("2026-11-03 14:30", tz="Asia/Shanghai")
    assert m["meeting_end"].iloc[0] == pd.Timestamp("2026-11-03 15:00", tz="Asia/Shanghai")
    assert m["sent_at"].isna().all()
    assert m["important"].dtype == bool and bool(m["important"].iloc[0]) is True
    with ledger.engine.connect() as conn:
        raw = conn.execute(select(form_table("media_schedule").c.gross).where(form_table("media_schedule").c._line == 1)).scalar()
    assert raw == Decimal("0.01")


def test_frames_as_of_end_of_day_in_shanghai(ledger):
    # v1 ingested 2026-11-03 09:00, v2 at 2026-11-05 23:30 Shanghai (15:30 UTC, still the 5th locally)
    store(ledger, "a.xlsx", timesheet(hours=["1"]), T0, b"1")
    v2_at = datetime(2026, 11, 5, 23, 30, tzinfo=SH)
    store(ledger, "a2.xlsx", timesheet(hours=["2"]), v2_at, b"2")
    assert frames.rows(ledger, "timesheet", as_of=date(2026, 11, 2)).empty
    assert list(frames.rows(ledger, "timesheet", as_of=date(2026, 11, 3))["hours"]) == [Decimal("1")]
    assert list(frames.rows(ledger, "timesheet", as_of=date(2026, 11, 4))["hours"]) == [Decimal("1")]
    assert list(frames.rows(ledger, "timesheet", as_of=date(2026, 11, 5))["hours"]) == [Decimal("2")]
    assert list(frames.rows(ledger, "timesheet", as_of="2026-11-30")["_version"]) == [2]
    assert list(frames.documents(ledger, "timesheet", as_of=date(2026, 11, 4))["_version"]) == [1]
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        frames.rows(ledger, "timesheet", as_of="30/11/2026")


def test_reject_keeps_previous_current_and_records_findings(ledger):
    store(ledger, "a.xlsx", timesheet(hours=["1"]), T0, b"good")
    bad = timesheet(hours=["30"])
    bad.findings.append(Finding("error", "max", "超过 24", "more than 24", file="b.xlsx", sheet="工时表", cell="D8", field="hours", value="30"))
    src = source_for(ledger.cfg, "b.xlsx", b"bad")
    doc_id = ledger.reject_version(bad, src, now=T0 + timedelta(hours=1), reason="1 error", notify_to=["zhang.wei@agency.example"])
    hist = ledger.history("张伟|2026-11-02")
    assert [(h.version, h.status) for h in hist] == [(1, "current"), (2, "rejected")]
    assert [f.cell for f in ledger.findings_of(doc_id)] == ["D8"]
    assert list(frames.rows(ledger, "timesheet")["hours"]) == [Decimal("1")]
    assert [d.id for d in ledger.pending_notices()] == [doc_id]
    ledger.mark_notified(doc_id, now=T0)
    assert ledger.pending_notices() == []
    # the same version rejected again (an open conflict) adds no second row
    assert ledger.reject_version(bad, src, now=T0 + timedelta(hours=2), reason="again") == doc_id
    assert ledger.verify() == []


def test_verify_finds_orphan_rows(ledger):
    store(ledger, "a.xlsx", timesheet(), T0)
    with ledger.engine.begin() as conn:
        conn.execute(documents.update().values(rows=5))
    assert any("expected 5" in p for p in ledger.verify())


def test_lock_refuses_a_second_writer(ledger, tmp_path):
    other = Ledger.open(ledger.cfg)
    with ledger.lock():
        with pytest.raises(LockedError) as exc:
            with other.lock():
                pass
    msg = str(exc.value)
    assert "另一个读入任务" in msg and "another ingest" in msg and "ledger.sqlite.lock" in msg
    with other.lock():  # free again once released
        pass
    other.close()


@pytest.mark.parametrize("what", ["ingest", "open"])
def test_an_unreachable_database_server_is_a_ledger_error_without_the_password(tmp_path, what):
    pytest.importorskip("psycopg", reason="the psycopg driver is not installed")
    import socket

    from adtools.errors import LedgerError
    from adtools.ledger.ingest import ingest

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    url = f"postgresql+psycopg://adtools:pw-Secret-123@127.0.0.1:{port}/ledger?connect_timeout=5"
    cfg = make_config(tmp_path, paths={"watch": ["inbox"], "ledger": url})
    with pytest.raises(LedgerError) as info:
        ingest(cfg) if what == "ingest" else Ledger.open(cfg)
    text = str(info.value)
    assert "[paths] ledger" in text and f"127.0.0.1:{port}" in text
    assert "pw-Secret-123" not in text
