"""Hostile and wrong files: each is refused with a finding that says what it is and how to fix it."""
from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path

import pytest

from adtools.errors import ERROR
from adtools.forms.catalog import FORMS
from adtools.forms.engines import EngineFailed, open_engine
from adtools.forms.reader import read_workbook
from reader_kit import build_workbook, cfb_file, rewrite_zip, to_strict

ENGINES = ("auto", "calamine", "openpyxl")


def refused(path, cfg, rule, *, engines=ENGINES):
    """Read with every engine: no exception, no form, exactly one error finding with `rule`."""
    for engine in engines:
        raw = read_workbook(path, cfg, engine=engine)
        assert raw.form_id is None, engine
        assert raw.rows == [] and raw.header == {}
        assert [(f.severity, f.rule) for f in raw.findings] == [(ERROR, rule)], (engine, raw.findings)
        f = raw.findings[0]
        assert f.file == Path(path).name
        assert f.message_zh and f.message_en and f.message_zh != f.message_en
    return raw.findings[0]


@pytest.fixture
def good(tmp_path, cfg) -> Path:
    path = tmp_path / "good.xlsx"
    build_workbook(FORMS["timesheet"], cfg, path)
    return path


def test_missing_file(tmp_path, cfg):
    f = refused(tmp_path / "nowhere.xlsx", cfg, "file_missing")
    assert "cannot be found" in f.message_en


def test_a_folder(tmp_path, cfg):
    (tmp_path / "d.xlsx").mkdir()
    refused(tmp_path / "d.xlsx", cfg, "not_a_workbook")


def test_office_lock_file(tmp_path, cfg):
    path = tmp_path / "~$工时表.xlsx"
    path.write_bytes(b"\x05zhang" + b" " * 50 + b"\x00" * 100)  # what Excel writes: the owner's name
    f = refused(path, cfg, "lock_file")
    assert "~$" in f.message_en and "close Excel" in f.message_en


def test_larger_than_max_file_mb(tmp_path, cfg, good):
    small = cfg.with_overrides(intake=dataclasses.replace(cfg.intake, max_file_mb=1))
    path = tmp_path / "big.xlsx"
    path.write_bytes(good.read_bytes() + b"\x00" * (1024 * 1024))
    f = refused(path, small, "too_large")
    assert "administrator" in f.message_en and "1 MB" in f.message_en and "[intake]" not in f.message_en  # staff read it


def test_empty_file(tmp_path, cfg):
    path = tmp_path / "e.xlsx"
    path.write_bytes(b"")
    refused(path, cfg, "corrupt")


def test_random_bytes(tmp_path, cfg):
    path = tmp_path / "r.xlsx"
    path.write_bytes(bytes(range(256)) * 8)
    f = refused(path, cfg, "not_a_workbook")
    assert "save" in f.message_en


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_copy(tmp_path, cfg, good, cut):
    data = good.read_bytes()
    path = tmp_path / "half.xlsx"
    path.write_bytes(data[: int(len(data) * cut)])
    f = refused(path, cfg, "corrupt")
    assert "copy it again" in f.message_en


def test_damaged_part_crc(tmp_path, cfg, good):
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    # flip a byte inside the compressed sheet data
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    path = tmp_path / "crc.xlsx"
    path.write_bytes(bytes(data))
    refused(path, cfg, "corrupt")


def test_zip_version_too_new(tmp_path, cfg, good):
    """A damaged byte in the directory can claim a zip version Python cannot read: corrupt, not our crash."""
    data = bytearray(good.read_bytes())
    at = data.index(b"PK\x01\x02")  # the first central directory entry; +6: version needed to extract
    data[at + 6] = 115
    path = tmp_path / "version.xlsx"
    path.write_bytes(bytes(data))
    refused(path, cfg, "corrupt")


def test_encrypted_workbook(tmp_path, cfg):
    path = tmp_path / "secret.xlsx"
    path.write_bytes(cfb_file(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"]))
    f = refused(path, cfg, "encrypted")
    assert "remove the password" in f.message_en and "删除密码" in f.message_zh


def test_old_xls(tmp_path, cfg):
    path = tmp_path / "old.xls"
    bof = bytes.fromhex("0908 1000 0006 0500") + b"\x00" * 12
    path.write_bytes(cfb_file(["Workbook", "\x05SummaryInformation"], {"Workbook": bof}))
    f = refused(path, cfg, "xls_format")
    assert "Excel Workbook (.xlsx)" in f.message_en


def test_old_xls_with_a_password(tmp_path, cfg):
    path = tmp_path / "old.xls"
    bof = bytes.fromhex("0908 1000 0006 0500") + b"\x00" * 12
    filepass = bytes.fromhex("2F00 0600 0100 0100 0100")
    path.write_bytes(cfb_file(["Workbook"], {"Workbook": bof + filepass}))
    refused(path, cfg, "encrypted")


def test_other_office_compound_file(tmp_path, cfg):
    path = tmp_path / "letter.xlsx"
    path.write_bytes(cfb_file(["WordDocument", "1Table"]))
    refused(path, cfg, "not_a_workbook")


def test_unreadable_compound_directory_falls_back_to_names(tmp_path, cfg):
    data = bytearray(cfb_file(["EncryptionInfo", "EncryptedPackage"]))
    data[0x30:0x34] = b"\xff\xff\xff\x7f"  # directory sector out of range
    path = tmp_path / "s.xlsx"
    path.write_bytes(bytes(data))
    refused(path, cfg, "encrypted")


def test_ods(tmp_path, cfg):
    path = tmp_path / "t.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    f = refused(path, cfg, "ods_format")
    assert "(.ods)" in f.message_en


def test_xlsb(tmp_path, cfg):
    path = tmp_path / "t.xlsb"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("_rels/.rels", '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   'officeDocument" Target="xl/workbook.bin"/></Relationships>')
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
    refused(path, cfg, "xlsb_format")


def test_docx_and_plain_zip(tmp_path, cfg):
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert "Word" in refused(path, cfg, "not_a_workbook").message_en
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("photo.jpg", b"\xff\xd8")
    refused(path, cfg, "not_a_workbook")


@pytest.mark.parametrize("name,text", [
    ("t.csv", "日期,工作编号,小时\n2026-11-02,HRFR-2026-001,7.5\n"),
    ("t.xlsx", "date\tjob\thours\n2026-11-02\tHRFR-2026-001\t7.5\n"),
    ("t.csv", "\ufeffdate;hours\n2026-11-02;7,5\n"),
])
def test_csv(tmp_path, cfg, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    f = refused(path, cfg, "csv_format")
    assert "CSV" in f.message_en


def test_csv_in_gbk(tmp_path, cfg):
    path = tmp_path / "t.csv"
    path.write_bytes("日期,小时\n2026-11-02,7.5\n".encode("gbk"))
    refused(path, cfg, "csv_format")


def test_html_saved_as_xls(tmp_path, cfg):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>", encoding="utf-8")
    assert "web-page" in refused(path, cfg, "xls_format").message_en


def test_zip_bomb_is_refused_before_an_engine_inflates_it(tmp_path, cfg, good):
    tiny = cfg.with_overrides(intake=dataclasses.replace(cfg.intake, max_unzipped_mb=1))
    big = b"<si><t>" + b"A" * (3 * 1024 * 1024) + b"</t></si>"

    def inflate(name, data):
        if name == "xl/worksheets/sheet1.xml":
            return data.replace(b"</worksheet>", b"<!--" + big + b"--></worksheet>")
        return data

    rewrite_zip(good, inflate)
    assert good.stat().st_size < 100_000
    f = refused(good, tiny, "unzipped_too_large")
    assert "administrator" in f.message_en and "[intake]" not in f.message_en


def test_declared_sizes_over_the_budget(tmp_path, cfg, good):
    tiny = cfg.with_overrides(intake=dataclasses.replace(cfg.intake, max_unzipped_mb=1))
    with zipfile.ZipFile(good, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/image1.png", b"\x00" * (2 * 1024 * 1024))
    refused(good, tiny, "unzipped_too_large")


def test_entity_bomb_is_refused(tmp_path, cfg, good):
    bomb = (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
            b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>')

    def add(name, data):
        return bomb if name == "xl/sharedStrings.xml" else data

    rewrite_zip(good, add)
    with zipfile.ZipFile(good) as z:
        if "xl/sharedStrings.xml" not in z.namelist():
            with zipfile.ZipFile(good, "a") as za:
                za.writestr("xl/sharedStrings.xml", bomb)
    f = refused(good, cfg, "unsafe_file")
    assert "DTD" in f.message_en


def test_duplicate_part_names(tmp_path, cfg, good):
    with zipfile.ZipFile(good) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    with zipfile.ZipFile(good, "a") as z:
        z.writestr("XL/Worksheets/Sheet1.xml", sheet)  # Office matches part names without case
    refused(good, cfg, "corrupt")


def test_workbook_listing_no_sheet(tmp_path, cfg, good):
    def empty(name, data):
        if name == "xl/workbook.xml":
            start, end = data.index(b"<sheets>"), data.index(b"</sheets>") + len(b"</sheets>")
            return data[:start] + b"<sheets/>" + data[end:]
        return data

    rewrite_zip(good, empty)
    f = refused(good, cfg, "no_sheets")
    assert "no worksheet" in f.message_en


def test_strict_open_xml_read_by_calamine_refused_by_openpyxl(tmp_path, cfg, good):
    """openpyxl silently returns no sheet for Strict files: that must be an error, never an empty form."""
    to_strict(good)
    for engine in ("auto", "calamine"):
        raw = read_workbook(good, cfg, engine=engine)
        assert raw.form_id == "timesheet" and len(raw.rows) == 3 and raw.findings == [], engine
        assert raw.engine == "calamine"
    f = refused(good, cfg, "no_sheets", engines=("openpyxl",))
    assert "Strict Open XML" in f.message_en


def test_backslash_part_names_are_read(tmp_path, cfg, good):
    """Some writers store `xl\\worksheets\\sheet1.xml`: Office reads them, so do we (calamine)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename.replace("/", "\\") if info.filename.startswith("xl/") else info.filename,
                          zin.read(info))
    good.write_bytes(buf.getvalue())
    raw = read_workbook(good, cfg)
    assert raw.form_id == "timesheet" and len(raw.rows) == 3


def _cut_sheet(name: str, data: bytes) -> bytes:
    return data[: len(data) // 2] if name == "xl/worksheets/sheet1.xml" else data


@pytest.mark.parametrize("name", ENGINES[1:])
def test_a_sheet_cut_short_is_refused_and_its_engine_closes_once_and_quietly(tmp_path, cfg, good, name):
    """The package is whole, the input sheet's XML stops half-way: the engine opens it, fails on
    the rows, and is closed on the way out (a second close does nothing) before the refusal."""
    rewrite_zip(good, _cut_sheet)
    engine = open_engine(name, good)
    with pytest.raises(EngineFailed, match=f"^{name}: "):
        engine.grid(FORMS["timesheet"].sheet_name, 100, 20)
    engine.close()
    engine.close()
    f = refused(good, cfg, "corrupt")
    assert "open it in Excel and save it again" in f.message_en and "重新保存" in f.message_zh


def test_an_engine_that_cannot_close_the_file_is_told_not_swallowed(tmp_path, cfg, good, monkeypatch):
    """Closing reads nothing of the file; if the system still fails to close it, the file is held back
    with the internal-error refusal (and the log has the traceback), never a silent pass."""
    import openpyxl.workbook.workbook as openpyxl_workbook

    def fail(self):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(openpyxl_workbook.Workbook, "close", fail)
    f = refused(good, cfg, "reader_failed", engines=("openpyxl",))
    assert "OSError" in f.message_en and "pass the file to IT" in f.message_en
