"""Checks a submitted file before any engine opens it, and words every refusal.

A staff member's folder holds more than filled-in forms: lock files Excel leaves
behind, old `.xls` files, password-protected copies, CSV exports, half-copied
files.  Each is refused here with a finding that says what it is and how to fix
it, so the engines only ever see something that looks like an `.xlsx` package.
"""
from __future__ import annotations

import logging
import struct
from pathlib import Path
from typing import Any

from ..errors import ERROR, Finding

__all__ = ["Refused", "refusal", "finding", "sniff_file", "MESSAGES"]

log = logging.getLogger("adtools.forms.intake")

ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# rule -> (message_zh, message_en); `{...}` fields are filled from keyword arguments.
MESSAGES: dict[str, tuple[str, str]] = {
    "file_missing": (
        "找不到或无法读取文件{detail}；请检查文件是否仍在文件夹中、是否被其他程序占用。",
        "The file cannot be found or read{detail}; check it is still in the folder and not held open by another program.",
    ),
    "lock_file": (
        "这是 Excel/WPS 打开文件时留下的临时锁定文件（文件名以 ~$ 开头），不是工作簿；请关闭 Excel 后提交工作簿本身。",
        "This is a lock file Excel/WPS leaves while a workbook is open (name starting with ~$), not a workbook; close Excel and submit the workbook itself.",
    ),
    "too_large": (
        "文件大小 {size_mb} MB，超过上限 {limit_mb} MB（上限由管理员设置）；请删除多余的工作表、图片后重新保存，或把数据分成几个文件。",
        "The file is {size_mb} MB, over the {limit_mb} MB limit (set by the administrator); delete extra sheets and pictures and save again, or split the data into several files.",
    ),
    "unzipped_too_large": (
        "文件解压后超过 {limit_mb} MB（上限由管理员设置），可能是恶意压缩文件；请在 Excel 中打开并另存为新的 .xlsx。",
        "Unpacked, the file exceeds {limit_mb} MB (a limit set by the administrator), which may be a zip bomb; open it in Excel and save it as a new .xlsx.",
    ),
    "encrypted": (
        "工作簿设有打开密码，无法读取；请在 Excel 中删除密码（文件 → 信息 → 保护工作簿 → 用密码进行加密，清空密码并保存）后重新提交。",
        "The workbook is protected with a password and cannot be read; remove the password (File → Info → Protect Workbook → Encrypt with Password, clear it and save) and submit it again.",
    ),
    "xls_format": (
        "这是旧版 Excel 97-2003 格式（.xls）{detail}；请在 Excel 中“另存为” Excel 工作簿（.xlsx），最好直接在模板中填写。",
        "This is an old Excel 97-2003 file (.xls){detail}; use Save As → Excel Workbook (.xlsx), ideally filling in the template instead.",
    ),
    "ods_format": (
        "这是 OpenDocument 表格（.ods）；请“另存为” Excel 工作簿（.xlsx）。",
        "This is an OpenDocument spreadsheet (.ods); use Save As → Excel Workbook (.xlsx).",
    ),
    "xlsb_format": (
        "这是 Excel 二进制工作簿（.xlsb）；请“另存为” Excel 工作簿（.xlsx）。",
        "This is an Excel binary workbook (.xlsb); use Save As → Excel Workbook (.xlsx).",
    ),
    "csv_format": (
        "这是文本/CSV 文件，没有表单的结构；请把数据粘贴到模板中并保存为 .xlsx。",
        "This is a text/CSV file without the form's structure; paste the data into the template and save it as .xlsx.",
    ),
    "not_a_workbook": (
        "不是 Excel 工作簿（.xlsx/.xlsm）{detail}；请提交用模板填写并保存为 .xlsx 的文件。",
        "Not an Excel workbook (.xlsx/.xlsm){detail}; submit the template filled in and saved as .xlsx.",
    ),
    "corrupt": (
        "文件已损坏或不完整（可能复制时未传完）{detail}；请在 Excel 中打开并重新保存，或重新复制该文件。",
        "The file is damaged or incomplete (perhaps copied before it was finished){detail}; open it in Excel and save it again, or copy it again.",
    ),
    "unsafe_file": (
        "文件含有 Excel 不会写入的不安全内容{detail}，已拒绝读取；请在 Excel 中打开并另存为新的 .xlsx。",
        "The file holds unsafe content Excel never writes{detail} and was not read; open it in Excel and save it as a new .xlsx.",
    ),
    "no_sheets": (
        "读取器（{engine}）在工作簿中找不到任何工作表{detail}；请在 Excel 中“另存为” Excel 工作簿（.xlsx）（不要选“Strict Open XML 电子表格”）。",
        "The reader ({engine}) found no worksheet in the workbook{detail}; use Save As → Excel Workbook (.xlsx) (not 'Strict Open XML Spreadsheet').",
    ),
    "unknown_form": (
        "不是可识别的 adtools 表单{detail}；请使用 workbooks/templates 中的模板填写。",
        "Not a recognised adtools form{detail}; fill in a template from workbooks/templates.",
    ),
    "reader_failed": (
        "adtools 读取此文件时出现内部错误{detail}；请把文件转交 IT 处理。",
        "adtools hit an internal error reading this file{detail}; please pass the file to IT.",
    ),
}


class Refused(Exception):
    """Internal: a file is refused; carries the rule and the words for the finding."""

    def __init__(self, rule: str, **fields: Any):
        super().__init__(rule)
        self.rule = rule
        self.fields = fields


def finding(path: Path, rule: str, zh: str, en: str, *, severity: str = ERROR, sheet: str = "",
            cell: str = "", field: str = "", value: Any = None) -> Finding:
    """A reader finding about `path` (the file name only: folders differ between machines)."""
    return Finding(severity=severity, rule=rule, message_zh=zh, message_en=en, file=_name(path),
                   sheet=sheet, cell=cell, field=field, value=value)


def _name(path: Path | str) -> str:
    return path.name if isinstance(path, Path) else Path(path).name


def refusal(path: Path, rule: str, **fields: Any) -> Finding:
    """The error finding for a refused file, worded from MESSAGES[rule]."""
    zh, en = MESSAGES[rule]
    detail_zh = fields.pop("detail_zh", None)
    detail_en = fields.pop("detail_en", None)
    detail = fields.pop("detail", None)
    zh_fields = dict(fields, detail=_paren(detail_zh or detail, zh=True))
    en_fields = dict(fields, detail=_paren(detail_en or detail, zh=False))
    return finding(path, rule, zh.format(**zh_fields), en.format(**en_fields), severity=ERROR)


def _paren(detail: Any, *, zh: bool) -> str:
    if not detail:
        return ""
    return f"（{detail}）" if zh else f" ({detail})"


# ----------------------------------------------------------------------------- sniffing
def sniff_file(path: Path, max_file_mb: int) -> None:
    """Refuse (raise Refused) what is plainly not an .xlsx package; return if it may be one.

    Checks, in order: Office lock file name, existence, size limit, then the
    first bytes: a zip goes on to the package reader; an OLE compound file is an
    encrypted workbook or an old .xls; text is a CSV (or an HTML/XML "xls").
    """
    if path.name.startswith("~$"):
        raise Refused("lock_file")
    try:
        st = path.stat()
    except OSError as exc:
        raise Refused("file_missing", detail=type(exc).__name__) from None
    if not path.is_file():
        raise Refused("not_a_workbook", detail_zh="这是一个文件夹", detail_en="it is a folder")
    limit = max_file_mb * 1024 * 1024
    if st.st_size > limit:
        raise Refused("too_large", size_mb=f"{st.st_size / 1048576:.1f}", limit_mb=max_file_mb)
    if st.st_size == 0:
        raise Refused("corrupt", detail_zh="文件为空，0 字节", detail_en="the file is empty, 0 bytes")
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise Refused("file_missing", detail=type(exc).__name__) from None
    if head.startswith(ZIP_MAGICS):
        return
    if head.startswith(CFB_MAGIC):
        kind = _cfb_kind(path)
        if kind in ("encrypted", "xls_encrypted"):
            raise Refused("encrypted")
        if kind == "xls":
            raise Refused("xls_format")
        raise Refused("not_a_workbook", detail_zh="是其他 Office 文档", detail_en="it is another kind of Office document")
    _refuse_text_or_other(path, head)


def _refuse_text_or_other(path: Path, head: bytes) -> None:
    text = _as_text(head)
    if text is None:
        if head[:2] == b"PK":  # a zip signature, mangled
            raise Refused("corrupt")
        raise Refused("not_a_workbook")
    lower = text.lstrip("\ufeff \t\r\n").lower()
    if lower.startswith(("<?xml", "<html", "<!doctype html", "<table", "<meta")) or "<html" in lower[:512]:
        if "urn:schemas-microsoft-com:office:spreadsheet" in lower or "<html" in lower or "<table" in lower:
            raise Refused("xls_format", detail_zh="网页或 XML 格式的表格", detail_en="a web-page or XML spreadsheet")
        raise Refused("not_a_workbook")
    if path.suffix.lower() in (".csv", ".tsv", ".txt") or any(sep in text for sep in (",", "\t", ";")):
        raise Refused("csv_format")
    raise Refused("not_a_workbook")


def _as_text(head: bytes) -> str | None:
    """The head as text when it is text (UTF-8, UTF-16 with BOM, GB18030), else None."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return head.decode("utf-16", errors="strict") if len(head) % 2 == 0 else head[:-1].decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in head:
        return None
    for enc in ("utf-8", "gb18030"):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            # the 4 KiB cut may split a character: retry without the last 3 bytes
            try:
                text = head[:-3].decode(enc)
            except UnicodeDecodeError:
                continue
        if all(ch.isprintable() or ch in "\r\n\t\ufeff" for ch in text):
            return text
    return None


# ----------------------------------------------------------------------------- OLE compound files
_FREE, _END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE


def _cfb_kind(path: Path) -> str:
    """What an OLE compound file holds: "encrypted" (OOXML with a password), "xls",
    "xls_encrypted" (BIFF with FILEPASS), or "other" (a .doc, .msg ...)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise Refused("file_missing", detail=type(exc).__name__) from None
    try:
        names = _cfb_streams(data)
    except (ValueError, struct.error, IndexError) as exc:
        log.debug("%s: compound file directory unreadable (%s); guessing from bytes", path, exc)
        # fall back to the stream names' UTF-16 bytes
        found = {n for n in ("EncryptionInfo", "EncryptedPackage", "Workbook", "Book") if n.encode("utf-16-le") in data}
        names = {n: None for n in found}
    if "EncryptionInfo" in names or "EncryptedPackage" in names:
        return "encrypted"
    for stream in ("Workbook", "Book"):
        if stream in names:
            first = names[stream]
            if first is not None and _biff_has_filepass(first):
                return "xls_encrypted"
            return "xls"
    return "other"


def _cfb_streams(data: bytes) -> dict[str, bytes | None]:
    """Stream names of a compound file, each with the first bytes of its data (None when
    the stream lives in the mini stream).  Enough to tell .xls from encrypted .xlsx."""
    if len(data) < 512 or not data.startswith(CFB_MAGIC):
        raise ValueError("not a compound file")
    sector_shift = struct.unpack_from("<H", data, 0x1E)[0]
    if sector_shift not in (9, 12):
        raise ValueError("bad sector size")
    size = 1 << sector_shift
    n_fat, first_dir = struct.unpack_from("<II", data, 0x2C)[0], struct.unpack_from("<I", data, 0x30)[0]
    cutoff = struct.unpack_from("<I", data, 0x38)[0]
    first_difat, n_difat = struct.unpack_from("<II", data, 0x44)
    difat = list(struct.unpack_from("<109I", data, 0x4C))
    guard = 0
    while first_difat not in (_FREE, _END_OF_CHAIN) and n_difat > 0 and guard < 4096:
        off = (first_difat + 1) * size
        entries = struct.unpack_from(f"<{size // 4}I", data, off)
        difat.extend(entries[:-1])
        first_difat, n_difat, guard = entries[-1], n_difat - 1, guard + 1
    fat: list[int] = []
    for sect in difat[: max(n_fat, 0)]:
        if sect in (_FREE, _END_OF_CHAIN):
            continue
        fat.extend(struct.unpack_from(f"<{size // 4}I", data, (sect + 1) * size))

    def chain(start: int) -> list[int]:
        out, seen = [], set()
        while start < len(fat) and start not in seen and len(out) < 100_000:
            seen.add(start)
            out.append(start)
            start = fat[start]
        return out

    names: dict[str, bytes | None] = {}
    for sect in chain(first_dir):
        base = (sect + 1) * size
        for i in range(size // 128):
            entry = data[base + i * 128: base + (i + 1) * 128]
            if len(entry) < 128:
                break
            name_len = struct.unpack_from("<H", entry, 0x40)[0]
            kind = entry[0x42]
            if kind not in (1, 2, 5) or not 2 <= name_len <= 64:
                continue
            name = entry[: name_len - 2].decode("utf-16-le", errors="replace")
            start, length = struct.unpack_from("<II", entry, 0x74)
            first = None
            if kind == 2 and length >= cutoff:
                first = data[(start + 1) * size: (start + 2) * size]
            names[name] = first
    if not names:
        raise ValueError("empty directory")
    return names


def _biff_has_filepass(first: bytes) -> bool:
    """True when the first records of a BIFF Workbook stream include FILEPASS (a password)."""
    pos = 0
    for _ in range(40):
        if pos + 4 > len(first):
            return False
        rec, length = struct.unpack_from("<HH", first, pos)
        if rec == 0x002F:
            return True
        if rec == 0x000A:  # EOF of the globals
            return False
        pos += 4 + length
    return False
