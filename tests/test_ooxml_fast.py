"""The package reader's shortcuts give what the plain ways give: the sheet scan's searches, parts read in one
call, parsed parts remembered by their bytes."""
from __future__ import annotations

import random
import re

import pytest

from adtools.forms import ooxml
from adtools.forms.ooxml import SheetScan, _after_space, _formula_cells

# pieces a worksheet's XML is made of, with the spellings the scan must not miss
_PIECES = [
    b'<row r="3">', b"</row>", b'<c r="B3" s="1">', b'<c r="C3" t="e">', b"<c r='D3' t = 'e'>", b"</c>",
    b"<v>#N/A</v>", b"<v>12</v>", b"<v></v>", b"<f>SUM(A1:A2)</f>", b"<f/>", b'<f t="shared" si="0"/>',
    b"<is><t>x</t></is>", b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"r", b"t", b"=", b'"', b"'", b"e",
    b" r =", b" r= ", b"r=\n", b" t=\"e\"", b"\tt = 'e'", b"\nt='e\"", b"&gt;=12", b">", b"<", b"<f", b"<c",
]


def _random_sheet(rng: random.Random) -> bytes:
    return b"".join(rng.choice(_PIECES) for _ in range(rng.randrange(0, 60)))


@pytest.mark.parametrize("seed", range(300))
def test_after_space_is_the_pattern_after_a_space(seed):
    rng = random.Random(seed)
    data = _random_sheet(rng)
    errors = re.compile(rb"\s" + ooxml._ERROR_ANY.pattern)  # ends with a quote: no match eats the next one's space
    assert list(_after_space(data, ooxml._ERROR_ANY)) == [m.start() for m in errors.finditer(data)]
    spaced = re.compile(rb"\s" + ooxml._REF_SPACED.pattern)  # only whether there is one counts
    assert (next(_after_space(data, ooxml._REF_SPACED), None) is None) == (spaced.search(data) is None)


def _formula_cells_by_findall(data: bytes) -> dict[tuple[int, int], bool] | None:
    """The one-pass reading as first written (every cell tried by `_F_CELL`), for comparison."""
    found = ooxml._F_CELL.findall(data)
    if not found or len(found) != len(ooxml._F_ANY.findall(data)):
        return None
    out: dict[tuple[int, int], bool] = {}
    for letters, digits, value, inline in found:
        row, col = int(digits), ooxml.col_index(letters.decode("ascii"))
        if row > 1_048_576 or col > 16_384:
            return None
        out[(row, col)] = bool(value.strip()) or bool(inline)
    return out


_CELLS = [
    b'<c r="B5" s="2"><f>A1+1</f><v>3</v></c>', b'<c r="C5"><f/></c>', b'<c r="D5" t="str"><f>"a"</f><is><t>a</t></is></c>',
    b'<c r="E5"><v>1</v></c>', b'<c r="F5" t="inlineStr"><is><t>=x</t></is></c>', b"<c r='G5'><f>1</f></c>",
    b'<c r="H5"><f t="shared" ref="H5:H9" si="0">A5</f><v> </v></c>', b'<c r="XFE5"><f>1</f></c>',
    b'<c r="I9999999"><f>1</f></c>', b'<c r="J5" a=">"><f>1</f></c>', b"<f>stray</f>", b'<c r="K5">', b"</c>",
    b'<row r="5">', b"</row>", b"<f", b">", b'<c r="L5"><f >1</f><v>2</v></c>',
]


@pytest.mark.parametrize("seed", range(300))
def test_formula_cells_match_the_whole_sheet_findall(seed):
    rng = random.Random(seed)
    data = b"<sheetData>" + b"".join(rng.choice(_CELLS) for _ in range(rng.randrange(0, 25))) + b"</sheetData>"
    scan = SheetScan()
    ok = _formula_cells(data, scan)
    expected = _formula_cells_by_findall(data)
    assert ok == (expected is not None)
    if ok:
        assert scan.formulas == expected
        assert list(scan.formulas) == list(expected)  # the same order too
    else:
        assert scan.formulas == {}  # none noted: the caller looks at each formula on its own


# ----------------------------------------------------------------------------- reading parts
def _outcome(path, *, through_zipfile: bool, monkeypatch) -> list:
    """What Package makes of every part of a file: its bytes, or the refusal (rule, fields)."""
    from adtools.forms.intake import Refused
    from adtools.forms.ooxml import Package

    with monkeypatch.context() as m:
        if through_zipfile:
            m.setattr(Package, "_read_whole", lambda self, info: None)
        try:
            pkg = Package(path, budget_mb=1)
        except Refused as r:
            return [("open", r.rule, r.fields)]
        out: list = [("open", [s.name for s in pkg.sheets], pkg.names, pkg.author)]
        try:
            for part in sorted(pkg._entries):
                for limit, keep in ((None, True), (4096, True), (None, False)):
                    try:
                        out.append((part, limit, keep, pkg.read(part, limit=limit, keep=keep)))
                    except Refused as r:
                        out.append((part, limit, keep, r.rule, r.fields))
        finally:
            pkg.close()
        return out


@pytest.mark.parametrize("seed", range(60))
def test_parts_read_in_one_call_as_zipfile_reads_them(tmp_path, cfg, seed, monkeypatch):
    """Damaged zips (bytes flipped in local headers, compressed data, directory): every part reads to
    the same bytes, or is refused with the same rule and detail, as through zipfile."""
    from adtools.forms.catalog import FORMS
    from reader_kit import build_workbook

    rng = random.Random(seed)
    path = tmp_path / "w.xlsx"
    build_workbook(FORMS["timesheet"], cfg, path)
    data = bytearray(path.read_bytes())
    if seed:  # seed 0: the file as written
        starts = [i for i in range(len(data) - 4) if data[i: i + 4] == b"PK\x03\x04"]
        for _ in range(rng.randint(1, 6)):
            near = rng.choice(starts) + rng.randrange(0, 80) if rng.random() < 0.6 else rng.randrange(len(data))
            data[min(near, len(data) - 1)] = rng.randrange(256)
    path.write_bytes(bytes(data))
    assert _outcome(path, through_zipfile=False, monkeypatch=monkeypatch) == \
        _outcome(path, through_zipfile=True, monkeypatch=monkeypatch)


def test_a_part_parsed_before_is_the_same_tree_and_a_dtd_is_refused_every_time(monkeypatch):
    from adtools.forms.intake import Refused

    monkeypatch.setattr(ooxml, "_parsed", {})
    rels = b'<Relationships xmlns="x"><Relationship Id="rId1" Type="t/worksheet" Target="a.xml"/></Relationships>'
    first = ooxml._parse(rels, "a.rels")
    assert ooxml._parse(bytes(bytearray(rels)), "b.rels") is first  # equal bytes, another object
    assert ooxml._parse(rels + b" ", "a.rels") is not first
    bomb = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>'
    for _ in range(2):
        with pytest.raises(Refused) as info:
            ooxml._parse(bomb, "xl/workbook.xml")
        assert info.value.rule == "unsafe_file"
    for _ in range(2):
        with pytest.raises(Refused) as info:
            ooxml._parse(b"<r><unclosed></r>", "xl/workbook.xml")
        assert info.value.rule == "corrupt"
    assert len(ooxml._parsed) == 2
    big = b"<r>" + b"x" * (ooxml._PARSED_MAX_BYTES + 1) + b"</r>"
    ooxml._parse(big, "docProps/core.xml")
    assert big not in ooxml._parsed
