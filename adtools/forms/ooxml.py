"""A light, bounded reader of an .xlsx package: what the cell engines do not expose.

python-calamine gives cell values fast but no defined names, no error cells, no
formulas and no author; openpyxl in read-only mode has no tables.  This module
reads those few parts straight from the zip (workbook.xml, the relationship
parts, the table parts, docProps/core.xml) and scans a worksheet's XML for
formula and error cells.  Both engines share it, so they locate the same cells.

It also guards the engines: part names are matched the way Office does (case
and backslashes ignored), duplicated parts and DTDs are refused, and every byte
decompressed is charged to a budget (`[intake] max_unzipped_mb`), so a zip bomb
is refused before an engine inflates it.  Strict Open XML is read too: elements
are matched by local name, relationships by the end of their type.
"""
from __future__ import annotations

import functools
import logging
import posixpath
import re
import struct
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .intake import Refused

__all__ = [
    "Package",
    "SheetInfo",
    "TableInfo",
    "NameRef",
    "SheetScan",
    "col_index",
    "col_letter",
    "cell_address",
    "parse_address",
    "parse_range",
]

log = logging.getLogger("adtools.forms.ooxml")

_CHUNK = 1 << 20
_WHOLE_FILE_MAX = 16 << 20  # files up to this size are read whole, and their small parts inflated in one call
_MAX_ENTRIES = 20_000
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"


# ----------------------------------------------------------------------------- A1 references
def col_index(letters: str) -> int:
    """`"D"` -> 4."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def col_letter(index: int) -> str:
    """4 -> `"D"`."""
    out = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_address(row: int, col: int) -> str:
    """(7, 4) -> `"D7"`."""
    return f"{col_letter(col)}{row}"


_ADDR = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")


def parse_address(text: str) -> tuple[int, int] | None:
    """`"$D$7"` -> (7, 4); None when it is not a single-cell A1 reference."""
    m = _ADDR.match(text.strip())
    if not m:
        return None
    row, col = int(m.group(2)), col_index(m.group(1))
    if not (1 <= row <= 1_048_576 and 1 <= col <= 16_384):
        return None
    return row, col


def parse_range(text: str) -> tuple[int, int, int, int] | None:
    """`"A3:C5"` -> (min_row, min_col, max_row, max_col); a single cell is a 1x1 range."""
    parts = text.strip().split(":")
    if len(parts) == 1:
        a = parse_address(parts[0])
        return None if a is None else (a[0], a[1], a[0], a[1])
    if len(parts) != 2:
        return None
    a, b = parse_address(parts[0]), parse_address(parts[1])
    if a is None or b is None:
        return None
    return min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])


# ----------------------------------------------------------------------------- values
@dataclass(frozen=True)
class SheetInfo:
    """A sheet as workbook.xml lists it."""

    name: str
    index: int  # position in the workbook, from 0
    part: str | None  # normalised zip name of its XML part
    state: str = "visible"  # visible | hidden | veryHidden
    kind: str = "worksheet"  # worksheet | chartsheet | dialogsheet | macrosheet | unknown

    @property
    def visible(self) -> bool:
        return self.state == "visible"


@dataclass(frozen=True)
class TableInfo:
    """An Excel table (ListObject) on a sheet."""

    name: str  # displayName, what Excel shows
    ref: tuple[int, int, int, int]  # min_row, min_col, max_row, max_col
    header_rows: int = 1
    totals_rows: int = 0


@dataclass(frozen=True)
class NameRef:
    """A defined name that points at one cell (the top-left one of a range)."""

    name: str
    sheet: str
    row: int
    col: int
    local_to: str | None = None  # the sheet a sheet-level name belongs to


@dataclass
class SheetScan:
    """What the XML of a worksheet says beyond the values: formula and error cells,
    merged ranges and the extent of its data."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> "#N/A"
    formulas: dict[tuple[int, int], bool] = field(default_factory=dict)  # (row, col) -> has a cached value
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    max_row: int = 0
    max_col: int = 0


# ----------------------------------------------------------------------------- XML helpers
def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(el: ET.Element, local: str) -> str | None:
    """An attribute by local name, in any namespace (r:id is `{...}id`)."""
    for k, v in el.attrib.items():
        if k == local or k.endswith("}" + local):
            return v
    return None


_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)


def _refuse_dtd(data: bytes, part: str) -> None:
    """OOXML parts never carry a DTD; one is how entity bombs are built."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise Refused("corrupt", detail=f"{part}: bad UTF-16") from None
    pos = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    while True:
        m = _PROLOG.match(data, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    rest = data[pos: pos + 64].lstrip()
    if rest.startswith(b"<!DOCTYPE") or rest.startswith(b"<!ENTITY"):
        raise Refused("unsafe_file", detail_zh=f"{part} 含有 DTD/实体定义", detail_en=f"{part} carries a DTD / entity declarations")


def _parse(data: bytes, part: str) -> ET.Element:
    """A small part's XML (DTDs refused).  The tree is only read, never changed, so a part whose
    bytes were parsed before (the relationships and workbook.xml of a template repeat from file
    to file) is the tree parsed then."""
    cached = len(data) <= _PARSED_MAX_BYTES
    if cached:
        root = _parsed.get(data)
        if root is not None:
            return root
    _refuse_dtd(data, part)
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise Refused("corrupt", detail=f"{part}: {exc}") from None
    if cached:
        if len(_parsed) >= _PARSED_ENTRIES:
            _parsed.clear()
        _parsed[data] = root
    return root


_PARSED_MAX_BYTES = 16 << 10  # parts up to this size are remembered by their bytes ...
_PARSED_ENTRIES = 512  # ... this many at most (8 MiB)
_parsed: dict[bytes, ET.Element] = {}


# ----------------------------------------------------------------------------- the package
_ROOT = re.compile(rb"<([\w.-]+:)?worksheet[\s>]")
_ATTR_R = re.compile(rb"""\br\s*=\s*["']([A-Za-z]{1,3}[0-9]{1,7})["']""")
_ATTR_T = re.compile(rb"""\bt\s*=\s*["']([A-Za-z]+)["']""")
_F = re.compile(rb"<(?:[\w.-]+:)?f[\s/>]")
_V = re.compile(rb"<(?:[\w.-]+:)?v\b[^>]*>(.*?)</(?:[\w.-]+:)?v\s*>", re.S)
_IS = re.compile(rb"<(?:[\w.-]+:)?is[\s>]")
_REF_FAST = re.compile(rb' r="([A-Za-z]+)([0-9]+)"')
# ` r =` or ` r= `: looked for from the `r` (a literal the regex engine finds fast), the space before it checked apart
_REF_SPACED = re.compile(rb"""r(?:\s+=|=\s)""")
_REF_ANY = re.compile(rb"""(?<![\w:.-])r\s*=\s*["']([A-Za-z]+)([0-9]+)["']""")
_ROW_NUM = re.compile(rb"""<(?:[\w.-]+:)?row\b[^>]*?\sr\s*=\s*["']([0-9]+)["']""")
_MERGE = re.compile(rb"""<(?:[\w.-]+:)?mergeCell\b[^>]*?\bref\s*=\s*["']([^"']+)["']""")
# An attribute written other than ` name="value"` (a space before `=`, a quote other than `"`), or
# an `=` in text: the sheet is then read by the general patterns, which cost more.
_ODD = re.compile(rb'=(?:(?<=\s=)|[^"])')
_REF_ROW = re.compile(rb' r="[A-Za-z]+([0-9]+)"')
_REF_COL = re.compile(rb' r="([A-Za-z]+)[0-9]+"')
_BARE_CELL = re.compile(rb"<c[>/]")
# `t="e"` in any spelling, looked for from the `t`; the space before it is checked apart (`_after_space`)
_ERROR_ANY = re.compile(rb"""t\s*=\s*["']e["']""")
_SPACE = frozenset(b" \t\n\r\f\v")  # what `\s` matches in a bytes pattern
# A formula cell as Excel, openpyxl, XlsxWriter and LibreOffice write it: `<c r="B5" ...><f>...</f>`
# then its cached value, an inline string or the cell's end.  When every formula of a sheet
# matches, the formula cells come from this one pass; else each is looked at on its own.
_F_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([1-9][0-9]{0,6})"[^<>]*>'
    rb'<f(?:[ \t\r\n][^<>]*)?(?:/>|>[^<]*</f>)'
    rb'(?:<v>([^<]*)</v>|(<is>)|</c>)'
)
_F_ANY = re.compile(rb"<f[\s/>]")


def _norm_part(name: str) -> str:
    """A part name as Office matches it: no leading slash, `/` for `\\`, normalised, lower case."""
    if len(name) > 120:  # the names of real parts are short and repeat from file to file: those are cached
        return _norm_uncached(name)
    return _norm_cached(name)


def _norm_uncached(name: str) -> str:
    return posixpath.normpath(name.replace("\\", "/").lstrip("/")).lower() if name.strip("/\\") else ""


_norm_cached = functools.lru_cache(maxsize=2048)(_norm_uncached)


class Package:
    """An opened .xlsx/.xlsm package: sheets, names, tables, 1904 flag, author."""

    def __init__(self, path: Path, *, budget_mb: int):
        self.path = path
        self._budget = budget_mb * 1024 * 1024  # bytes still allowed to be decompressed
        self._budget_mb = budget_mb
        self._scans: dict[str, SheetScan] = {}
        self._tables: dict[str, list[TableInfo]] = {}
        self._raw: bytes | None = None  # the file's bytes, read at the first part (see _read_whole)
        try:
            self._zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise Refused("corrupt", detail=f"zip: {exc}") from None  # NotImplementedError: "zip file version 11.5"
        try:
            self._index()
            self._open_workbook()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._zf.close()

    # -- zip entries
    def _index(self) -> None:
        infos = self._zf.infolist()
        if len(infos) > _MAX_ENTRIES:
            raise Refused("unsafe_file", detail_zh=f"{len(infos)} 个压缩项", detail_en=f"{len(infos)} zip entries")
        self._entries: dict[str, zipfile.ZipInfo] = {}
        declared = 0
        for info in infos:
            key = self._norm(info.filename)
            if info.is_dir() or not key:
                continue
            if key in self._entries:
                raise Refused("corrupt", detail_zh=f"压缩包中 {key} 出现两次", detail_en=f"the part {key} appears twice in the zip")
            if info.flag_bits & 0x1:
                raise Refused("not_a_workbook", detail_zh="是加密的 zip 压缩包", detail_en="it is an encrypted zip archive")
            self._entries[key] = info
            declared += info.file_size
        if declared > self._budget:
            raise Refused("unzipped_too_large", limit_mb=self._budget_mb)
        if "mimetype" in self._entries:
            mime = self.read("mimetype", limit=256).strip()
            if b"opendocument.spreadsheet" in mime:
                raise Refused("ods_format")
            raise Refused("not_a_workbook", detail_zh="是 OpenDocument 文档", detail_en="it is an OpenDocument file")

    @staticmethod
    def _norm(name: str) -> str:
        return _norm_part(name)

    def has(self, part: str) -> bool:
        return self._norm(part) in self._entries

    def read(self, part: str, *, limit: int | None = None, keep: bool = True) -> bytes:
        """The part's bytes, decompressed and charged to the budget.

        Refused when the budget (or `limit`, for parts that are small in any real
        file) is exceeded.  With keep=False the bytes are only counted and the
        first 64 KiB returned: for parts an engine will read itself.
        """
        info = self._entries.get(self._norm(part))
        if info is None:
            raise KeyError(part)
        data = self._read_whole(info)
        if data is not None:  # the part in one piece, as the loop below would have read it
            total = len(data)
            if limit is not None and total > limit:
                raise Refused("unsafe_file", detail_zh=f"{info.filename} 异常地大",
                              detail_en=f"{info.filename} is abnormally large")
            if total > self._budget:
                raise Refused("unzipped_too_large", limit_mb=self._budget_mb)
            self._budget -= total
            return data if keep else data[:65536]
        chunks, total = [], 0
        try:
            with self._zf.open(info) as fh:
                while True:
                    chunk = fh.read(_CHUNK)
                    if not chunk:
                        break
                    total += len(chunk)
                    if limit is not None and total > limit:
                        raise Refused("unsafe_file", detail_zh=f"{info.filename} 异常地大",
                                      detail_en=f"{info.filename} is abnormally large")
                    if total > self._budget:
                        raise Refused("unzipped_too_large", limit_mb=self._budget_mb)
                    if keep or not chunks:
                        chunks.append(chunk if keep else chunk[:65536])
        except Refused:
            raise
        except Exception as exc:  # BadZipFile (CRC), zlib.error, EOFError, NotImplementedError (method) ...
            raise Refused("corrupt", detail=f"{info.filename}: {type(exc).__name__}: {exc}") from None
        self._budget -= total
        return b"".join(chunks)

    def _read_whole(self, info: zipfile.ZipInfo) -> bytes | None:
        """A small, well-formed part's bytes straight from the file's bytes; None when `read` must use zipfile.

        zipfile costs about 30 µs a part in Python (a file object, a decompressor, a CRC
        object, several reads) and a form reads eight to ten small parts.  Here a part
        that is stored or deflated, whose local header names it as the directory does,
        and that inflates to exactly its declared size (at most one read's chunk) with its
        declared CRC is inflated in one call: those are the bytes zipfile would give.
        Anything else (an encrypted or damaged part, a bomb, a large part) goes through
        zipfile, which raises what it always raised.
        """
        raw = self._raw
        if raw is None:
            raw = b""
            try:
                if self.path.stat().st_size <= _WHOLE_FILE_MAX:
                    raw = self.path.read_bytes()
            except (OSError, ValueError, TypeError, AttributeError):
                pass
            self._raw = raw
        if (not raw or info.file_size > _CHUNK or info.flag_bits & 0x61
                or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)):
            return None
        off = info.header_offset
        header = raw[off: off + 30]
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            return None
        flags, = struct.unpack_from("<H", header, 6)
        n_name, n_extra = struct.unpack_from("<HH", header, 26)
        name = raw[off + 30: off + 30 + n_name]
        try:
            if name.decode("utf-8" if flags & 0x800 else "cp437") != info.orig_filename:
                return None
        except UnicodeDecodeError:
            return None
        start = off + 30 + n_name + n_extra
        packed = raw[start: start + info.compress_size]
        if len(packed) != info.compress_size:
            return None
        if info.compress_type == zipfile.ZIP_STORED:
            data = packed
        else:
            inflate = zlib.decompressobj(-15)
            try:
                data = inflate.decompress(packed, _CHUNK + 1)
            except zlib.error:
                return None
            if not inflate.eof or inflate.unconsumed_tail or inflate.unused_data:
                return None
        if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
            return None
        return data

    def charge(self, part: str) -> None:
        """Inflate a part an engine will read (sharedStrings, styles) only to count it
        against the budget and look for a DTD, before the engine inflates it unguarded."""
        if self.has(part):
            _refuse_dtd(self.read(part, keep=False), part)

    def _rels(self, part: str) -> list[tuple[str, str, str | None]]:
        """(Id, type suffix, normalised target or None when external) of a part's relationships."""
        d, base = posixpath.split(self._norm(part))
        rels_part = posixpath.join(d, "_rels", base + ".rels")
        if not self.has(rels_part):
            return []
        root = _parse(self.read(rels_part), rels_part)
        out = []
        for rel in root:
            if _local(rel.tag) != "Relationship":
                continue
            rid, typ, target = rel.get("Id", ""), rel.get("Type", ""), rel.get("Target", "")
            if rel.get("TargetMode", "").lower() == "external":
                out.append((rid, typ.rsplit("/", 1)[-1], None))
                continue
            target = target.replace("\\", "/")
            full = target.lstrip("/") if target.startswith("/") else posixpath.join(d, target)
            full = posixpath.normpath(full)
            out.append((rid, typ.rsplit("/", 1)[-1], None if full.startswith("..") else full.lower()))
        return out

    # -- workbook.xml
    def _open_workbook(self) -> None:
        wb_part = None
        core_part = None
        try:
            root_rels = self._rels("")  # _rels/.rels
        except Refused as r:
            if r.rule != "corrupt":
                raise
            log.info("%s: _rels/.rels unreadable (%s); using the usual part names", self.path, r.fields)
            root_rels = []
        for _rid, typ, target in root_rels:
            if typ == "officeDocument" and target and self.has(target):
                wb_part = target
            elif typ == "core-properties" and target and self.has(target):
                core_part = target
        if wb_part is None and self.has("xl/workbook.xml"):
            wb_part = "xl/workbook.xml"
        if wb_part is None:
            if self.has("xl/workbook.bin") or any(k.endswith(".bin") and k.startswith("xl/workbook") for k in self._entries):
                raise Refused("xlsb_format")
            if self.has("word/document.xml") or self.has("ppt/presentation.xml"):
                raise Refused("not_a_workbook", detail_zh="是 Word/PowerPoint 文件", detail_en="it is a Word/PowerPoint file")
            if self.has("[content_types].xml") or any(k.startswith("xl/") for k in self._entries):
                raise Refused("corrupt", detail_zh="缺少 xl/workbook.xml", detail_en="xl/workbook.xml is missing")
            raise Refused("not_a_workbook", detail_zh="是普通 zip 压缩包", detail_en="it is a plain zip archive")
        if wb_part.endswith(".bin"):
            raise Refused("xlsb_format")
        self.workbook_part = wb_part
        root = _parse(self.read(wb_part), wb_part)
        if _local(root.tag) != "workbook":
            raise Refused("not_a_workbook")
        self.strict = root.tag.startswith("{" + STRICT_MAIN + "}") or root.get("conformance") == "strict"
        self.date1904 = False
        rels = {rid: (typ, target) for rid, typ, target in self._rels(wb_part)}
        self.sheets: list[SheetInfo] = []
        raw_names: list[tuple[str, str | None, str]] = []
        for el in root:
            tag = _local(el.tag)
            if tag == "workbookPr":
                self.date1904 = (el.get("date1904") or "").strip().lower() in ("1", "true")
            elif tag == "sheets":
                for s in el:
                    if _local(s.tag) != "sheet":
                        continue
                    typ, target = rels.get(_attr(s, "id") or "", ("", None))
                    kind = {"worksheet": "worksheet", "chartsheet": "chartsheet", "dialogsheet": "dialogsheet",
                            "xlMacrosheet": "macrosheet", "xlIntlMacrosheet": "macrosheet"}.get(typ, "unknown")
                    part = target if target and self.has(target) else None
                    self.sheets.append(SheetInfo(name=s.get("name", ""), index=len(self.sheets), part=part,
                                                 state=s.get("state", "visible") or "visible", kind=kind))
            elif tag == "definedNames":
                for dn in el:
                    if _local(dn.tag) == "definedName":
                        raw_names.append((dn.get("name", ""), dn.get("localSheetId"), (dn.text or "").strip()))
        self.names = self._names(raw_names)
        self.author = self._author(core_part or ("docprops/core.xml" if self.has("docProps/core.xml") else None))

    def _names(self, raw: list[tuple[str, str | None, str]]) -> list[NameRef]:
        out = []
        for name, local, text in raw:
            target = _name_target(text)
            if target is None:
                continue
            sheet, row, col = target
            local_to = None
            if local is not None and local.isdigit() and int(local) < len(self.sheets):
                local_to = self.sheets[int(local)].name
            out.append(NameRef(name=name, sheet=sheet, row=row, col=col, local_to=local_to))
        return out

    def _author(self, part: str | None) -> str | None:
        if not part:
            return None
        try:
            root = _parse(self.read(part, limit=1 << 20), part)
        except Refused as r:
            if r.rule in ("unsafe_file", "unzipped_too_large"):
                raise
            log.info("%s: core properties unreadable (%s)", self.path, r.fields)
            return None
        found = {}
        for el in root:
            found[_local(el.tag)] = (el.text or "").strip()
        return found.get("lastModifiedBy") or found.get("creator") or None

    # -- per sheet
    def sheet(self, name: str) -> SheetInfo | None:
        for s in self.sheets:
            if s.name == name:
                return s
        low = name.casefold()
        return next((s for s in self.sheets if s.name.casefold() == low), None)

    def tables(self, sheet: SheetInfo) -> list[TableInfo]:
        """The Excel tables on a worksheet (cached: their parts are read and charged once)."""
        if sheet.part is None:
            return []
        if sheet.part in self._tables:
            return self._tables[sheet.part]
        out = []
        for _rid, typ, target in self._rels(sheet.part):
            if typ != "table" or not target or not self.has(target):
                continue
            el = _parse(self.read(target, limit=1 << 20), target)
            ref = parse_range(el.get("ref", ""))
            if ref is None:
                continue
            out.append(TableInfo(
                name=el.get("displayName") or el.get("name") or "",
                ref=ref,
                header_rows=_int(el.get("headerRowCount"), 1),
                totals_rows=_int(el.get("totalsRowCount"), 0),
            ))
        self._tables[sheet.part] = out
        return out

    def scan(self, sheet: SheetInfo) -> SheetScan:
        """Formula and error cells, merged ranges and extent of a worksheet (cached)."""
        if sheet.part is None:
            return SheetScan()
        if sheet.part not in self._scans:
            data = self.read(sheet.part)
            _refuse_dtd(data[:65536], sheet.part)
            try:
                self._scans[sheet.part] = _scan_sheet(data)
            except ET.ParseError as exc:  # only the slow path parses XML
                raise Refused("corrupt", detail=f"{sheet.part}: {exc}") from None
        return self._scans[sheet.part]


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


_NAME_TARGET = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Za-z]{1,3}\$?[0-9]{1,7})(?::\$?[A-Za-z]{1,3}\$?[0-9]{1,7})?$")


def _name_target(text: str) -> tuple[str, int, int] | None:
    """`'工时表'!$B$4` (or a range: its top-left cell) -> (sheet, row, col); None for anything else."""
    m = _NAME_TARGET.match(text.lstrip("="))
    if not m:
        return None
    sheet = m.group(1).replace("''", "'") if m.group(1) is not None else m.group(2)
    addr = parse_address(m.group(3))
    if addr is None:
        return None
    return sheet, addr[0], addr[1]


# ----------------------------------------------------------------------------- sheet XML scan
def _scan_sheet(data: bytes) -> SheetScan:
    scan = SheetScan()
    first = data.find(b"mergeCell")
    if first >= 0:  # the pattern tried from the tag holding the first mention, not at every `<` before it
        for m in _MERGE.finditer(data, max(0, data.rfind(b"<", 0, first))):
            rng = parse_range(m.group(1).decode("ascii", "replace"))
            if rng:
                scan.merged.append(rng)
    root = _ROOT.search(data, 0, 8192)
    prefix = root.group(1) if root and root.group(1) else b""
    odd = _ODD.search(data) is not None
    scan.max_row, scan.max_col = _extent(data, prefix, odd)
    markers: list[int] = []
    if odd:
        markers.extend(_after_space(data, _ERROR_ANY))
    else:  # every attribute is ` name="value"`: only that spelling can mark an error cell
        pos = data.find(b' t="e"')
        while pos >= 0:
            markers.append(pos)
            pos = data.find(b' t="e"', pos + 1)
    formula = re.compile(b"<" + re.escape(prefix) + rb"f[\s/>]")
    if prefix:
        markers.extend(m.start() for m in formula.finditer(data))
    elif b"<f" in data and not _formula_cells(data, scan):
        markers.extend(m.start() for m in _F_ANY.finditer(data))
    if not markers:
        return scan
    markers.sort()
    cell_open = b"<" + prefix + b"c "
    close_tag = b"</" + prefix + b"c>"
    v_open, v_close = b"<" + prefix + b"v>", b"</" + prefix + b"v>"
    done_until = -1
    for pos in markers:
        if pos < done_until:  # inside the cell handled last
            continue
        start = data.rfind(cell_open, max(0, pos - 65536), pos)
        tag_end = data.find(b">", start) if start >= 0 else -1
        if tag_end < 0:
            return _scan_positional(data, scan)
        attrs = data[start + len(cell_open) - 1: tag_end]
        if attrs.endswith(b"/"):
            body, end = b"", tag_end + 1
        else:
            close = data.find(close_tag, tag_end)
            if close < 0:
                return _scan_positional(data, scan)
            body, end = data[tag_end + 1: close], close + len(close_tag)
        r = _ATTR_R.search(attrs)
        if end <= pos or r is None:
            # no `r` on the cell, or a tag we did not expect: walk the sheet in order instead
            return _scan_positional(data, scan)
        done_until = end
        _mark(scan, parse_address(r.group(1).decode("ascii")), attrs, body, v_open, v_close)
    return scan


def _after_space(data: bytes, pattern: re.Pattern[bytes]) -> Iterator[int]:
    r"""Where `\s` + `pattern` matches: the position of that space.

    A pattern that opens with a literal is found by the regex engine's fast scan; one that
    opens with `\s` is tried at every space of the sheet.  The patterns used here consume no
    character their first one could start another match at, so none is missed; for a pattern
    that ends with no `\s` (`_ERROR_ANY`) these are exactly the matches `re.finditer` of
    `\s` + pattern gives, for one that may (`_REF_SPACED`) there is one exactly when it finds one.
    """
    for m in pattern.finditer(data, 1):
        start = m.start()
        if data[start - 1] in _SPACE:
            yield start - 1


def _formula_cells(data: bytes, scan: SheetScan) -> bool:
    """The formula cells of a sheet without a namespace prefix, in one pass; False (and none
    noted) unless every formula of the sheet is in a cell written as `_F_CELL` expects."""
    found = []
    for f in _F_ANY.finditer(data):  # each formula is matched from the tag of its cell, which ends just before it
        pos = f.start()
        start = data.rfind(b"<", 0, pos) if data[pos - 1: pos] == b">" else -1
        m = _F_CELL.match(data, start) if start >= 0 else None
        if m is None or m.end() <= pos:
            return False
        found.append(m.groups(b""))
    if not found:
        return False
    cols: dict[bytes, int] = {}
    for letters, digits, value, inline in found:
        col = cols.get(letters)
        if col is None:
            col = cols[letters] = col_index(letters.decode("ascii"))
        row = int(digits)
        if row > 1_048_576 or col > 16_384:  # as parse_address would refuse it
            scan.formulas.clear()
            return False
        scan.formulas[(row, col)] = bool(value.strip()) or bool(inline)
    return True


def _mark(scan: SheetScan, where: tuple[int, int] | None, attrs: bytes, body: bytes,
          v_open: bytes, v_close: bytes) -> None:
    if where is None:
        return
    t = _ATTR_T.search(attrs)
    kind = t.group(1) if t else b"n"
    i = body.find(v_open)
    if i >= 0:
        j = body.find(v_close, i)
        vtext = body[i + len(v_open): j if j >= 0 else len(body)].strip()
    else:
        m = _V.search(body) if b"v " in body else None  # <v xml:space="preserve">
        vtext = m.group(1).strip() if m else b""
    if kind == b"e":
        scan.errors[where] = vtext.decode("utf-8", "replace") or "#N/A"
    if _F.search(body, 0, 256):
        scan.formulas[where] = bool(vtext) or bool(_IS.search(body))


def _extent(data: bytes, prefix: bytes, odd: bool = True) -> tuple[int, int]:
    """Upper bounds (row, column) of the cells of a sheet, from its XML.

    For the engines' memory guard: python-calamine holds the rectangle between a
    sheet's extreme cells, so two cells far apart (or one cell carrying two `r`
    attributes) cost gigabytes, and the process dies instead of raising.  Every
    reference counts, values or not, in whatever order; a sheet whose cells do
    not all carry a reference is bounded by its row numbers and the widest sheet.
    `odd`: the sheet may spell an attribute other than ` r="B5"` (see `_ODD`).
    """
    if odd and (data.find(b"r='") >= 0 or next(_after_space(data, _REF_SPACED), None) is not None):
        # quotes or spaces the fast patterns do not cover
        refs = _REF_ANY.findall(data)
        n_refs = len(refs)
        rows = {r for _c, r in refs}
        cols = {c for c, _r in refs}
    else:  # only ` r="B5"`: the distinct rows and columns, each found in one pass
        rows = set(_REF_ROW.findall(data))
        col_refs = _REF_COL.findall(data)
        n_refs = len(col_refs)
        cols = set(col_refs)
    max_row = max((int(r[:12]) for r in rows), default=0)
    max_col = max((col_index(c.decode("ascii")) if len(c) <= 4 else 10**9 for c in {c.upper() for c in cols}), default=0)
    cells = data.count(b"<" + prefix + b"c ")
    if prefix or _BARE_CELL.search(data) is not None:
        cells += data.count(b"<" + prefix + b"c>") + data.count(b"<" + prefix + b"c/>")
    if cells > n_refs:  # some cells carry no (usable) reference: calamine counts them on from the last one
        rows_seen = [int(r[:12]) for r in _ROW_NUM.findall(data)]
        max_row = max([max_row, *rows_seen]) + data.count(b"<" + prefix + b"row")
        max_col = max_col + cells
    return max_row, max_col


def _scan_positional(data: bytes, scan: SheetScan) -> SheetScan:
    """The slow path for sheets whose cells carry no `r`: count rows and cells in order."""
    scan.errors.clear()
    scan.formulas.clear()
    parser = ET.XMLPullParser(events=("start", "end"))
    row = 0
    col = 0
    cell_attrs: dict[str, str] = {}
    has_f = False
    vtext = ""
    has_is = False
    for i in range(0, len(data), _CHUNK):
        parser.feed(data[i: i + _CHUNK])
        for event, el in parser.read_events():
            tag = _local(el.tag)
            if event == "start":
                if tag == "row":
                    r = el.get("r")
                    row = int(r) if r and r.isdigit() else row + 1
                    col = 0
                elif tag == "c":
                    ref = el.get("r")
                    addr = parse_address(ref) if ref else None
                    col = addr[1] if addr else col + 1
                    cell_attrs = dict(el.attrib)
                    has_f, vtext, has_is = False, "", False
                elif tag == "f":
                    has_f = True
                elif tag == "is":
                    has_is = True
            else:
                if tag == "v":
                    vtext = (el.text or "").strip()
                elif tag == "c":
                    where = (row, col)
                    if cell_attrs.get("t") == "e":
                        scan.errors[where] = vtext or "#N/A"
                    if has_f:
                        scan.formulas[where] = bool(vtext) or has_is
                    el.clear()
                elif tag == "row":
                    el.clear()
    return scan
