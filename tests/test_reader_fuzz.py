"""Mangled workbooks never make the reader raise, nor hit an internal error: they are read or refused."""
from __future__ import annotations

import random

import pytest

from adtools.errors import ERROR
from adtools.forms.catalog import FORMS
from adtools.forms.reader import read_workbook
from reader_kit import build_workbook, rewrite_zip

PARTS = ("xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml", "xl/tables/table1.xml",
         "xl/_rels/workbook.xml.rels", "xl/worksheets/_rels/sheet1.xml.rels", "docProps/core.xml", "xl/styles.xml")


def mangle(data: bytes, rnd: random.Random) -> bytes:
    """Cut, repeat, or overwrite a stretch of an XML part (the zip around it stays valid)."""
    if not data:
        return data
    i = rnd.randrange(len(data))
    j = min(len(data), i + rnd.randint(1, 40))
    kind = rnd.choice(("cut", "dup", "junk", "tag", "digits"))
    if kind == "cut":
        return data[:i] + data[j:]
    if kind == "dup":
        return data[:j] + data[i:j] * rnd.randint(2, 50) + data[j:]
    if kind == "junk":
        return data[:i] + bytes(rnd.randrange(256) for _ in range(j - i)) + data[j:]
    if kind == "tag":
        return data[:i] + rnd.choice((b"<", b">", b"</c>", b'"', b"&", b"<f>", b' t="e"', b' r="XFD1048576"')) + data[i:]
    return data[:i] + str(rnd.randint(0, 10**9)).encode() + data[j:]


def check(raw) -> None:
    assert "reader_failed" not in [f.rule for f in raw.findings], raw.findings
    if raw.form_id is None:
        assert any(f.severity == ERROR for f in raw.findings)


# seeds 746, 1626 and 2506 once made python-calamine allocate 60-550 GB and abort the process
# (a cell with two `r` attributes, row 956167686, column "AAAA...A"): the reader must not hand
# such a sheet to calamine
@pytest.mark.parametrize("seed", [*range(120), 746, 1626, 2506])
def test_mangled_xml_parts(tmp_path, cfg, seed):
    rnd = random.Random(seed)
    path = tmp_path / "m.xlsx"
    build_workbook(FORMS["media_schedule"], cfg, path)
    target = PARTS[seed % len(PARTS)]

    def edit(name, data):
        if name == target:
            for _ in range(rnd.randint(1, 4)):
                data = mangle(data, rnd)
        return data

    rewrite_zip(path, edit)
    for engine in ("auto", "calamine", "openpyxl"):
        check(read_workbook(path, cfg, engine=engine))


@pytest.mark.parametrize("seed", range(20))
def test_flipped_bytes_anywhere(tmp_path, cfg, seed):
    rnd = random.Random(1000 + seed)
    path = tmp_path / "f.xlsx"
    build_workbook(FORMS["timesheet"], cfg, path)
    data = bytearray(path.read_bytes())
    for _ in range(rnd.randint(1, 8)):
        data[rnd.randrange(len(data))] = rnd.randrange(256)
    path.write_bytes(bytes(data))
    for engine in ("auto", "openpyxl"):
        check(read_workbook(path, cfg, engine=engine))
