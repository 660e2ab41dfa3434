"""Hostile files, one per class an attacker or a clumsy colleague makes, each with the outcome we promise.

`make_hostile(cfg, folder)` writes them into a watch folder and returns the `Hostile`
entries: the file's name as the ledger shows it (`display`), the status one ingest gives it
and a word its reason must contain.  The classes (issue #17):

- `formula_name`: `=1+1 rejected.xlsx`, not a workbook: refused; the feedback's A1 is text.
- `control_name`: a name with BEL (U+0007), not a workbook: refused; the feedback is written
  (openpyxl's IllegalCharacterError once stopped the whole ingest).
- `newline_name` / `line_separator_name`: a name with LF / U+2028: refused, and its author is
  told (the notice's subject once broke the mail header: every later notice waited).
- `non_utf8_name`: a valid timesheet whose name holds the byte 0xFF (POSIX): stored, shown as
  `\\xff` (UnicodeEncodeError once stopped 27 of 84 good files).
- `zip_bomb`: a workbook padded past `[intake] max_unzipped_mb` (the test sets a small limit),
  refused at once; the feedback is findings-only: the file is never loaded again.
- `fifo` and `device_link`: a named pipe and a link to /dev/zero named `*.xlsx` (POSIX):
  skipped as not regular files, never opened (ingest once hung on them).
"""
from __future__ import annotations

import os
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Hostile", "make_hostile", "ZIP_BOMB_LIMIT_MB", "deliver_all"]

_HEADER_BREAK = re.compile(r"[\x00-\x1f\u2028\u2029\x85]")

ZIP_BOMB_LIMIT_MB = 4  # the test config's [intake] max_unzipped_mb; the bomb unpacks to more


@dataclass(frozen=True)
class Hostile:
    """One hostile file: its class, its name as the ledger shows it, the promised status and a word of the reason."""

    kind: str
    display: str
    status: str  # ingested | rejected | skipped
    reason: str = ""  # a fragment the outcome's reason holds ("" for an ingested file)
    notify: bool = False  # its author gets a rejection mail


def _garbage(path: Path) -> None:
    """Text that is not a workbook, different for each file (the same bytes twice would be a duplicate)."""
    path.write_bytes(f"not a workbook at all, just text typed by someone: {path.name!r}\n".encode("utf-8", "surrogateescape"))


def _zip_bomb(source: Path, target: Path) -> None:
    """A real workbook with an extra part of zeros that unpacks past the limit (a few KB packed)."""
    shutil.copyfile(source, target)
    with zipfile.ZipFile(target, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("xl/media/pad.bin", "w") as fh:
            block = b"\0" * (1 << 20)
            for _ in range(ZIP_BOMB_LIMIT_MB + 2):
                fh.write(block)


def make_hostile(cfg, folder: Path, *, timesheet: Path, other_timesheet: Path) -> list[Hostile]:
    """Write one hostile file of each class into `folder`; `timesheet` (a valid workbook, removed here) is
    renamed to the non-UTF-8 name, `other_timesheet` (valid, kept) is the zip bomb's base."""
    folder.mkdir(parents=True, exist_ok=True)
    out: list[Hostile] = []

    _garbage(folder / "=1+1 rejected.xlsx")
    out.append(Hostile("formula_name", "=1+1 rejected.xlsx", "rejected", "text/CSV file", notify=True))
    _garbage(folder / "bell\x07name.xlsx")
    out.append(Hostile("control_name", "bell\x07name.xlsx", "rejected", "text/CSV file", notify=True))
    _garbage(folder / "line\u2028separator.xlsx")
    out.append(Hostile("line_separator_name", "line\u2028separator.xlsx", "rejected", "text/CSV file", notify=True))
    _zip_bomb(other_timesheet, folder / "zip bomb.xlsx")
    out.append(Hostile("zip_bomb", "zip bomb.xlsx", "rejected", f"exceeds {ZIP_BOMB_LIMIT_MB} MB", notify=True))

    if os.name == "posix":  # names with LF or undecodable bytes, pipes and devices: POSIX file systems only
        _garbage(folder / "new\nline.xlsx")
        out.append(Hostile("newline_name", "new\nline.xlsx", "rejected", "text/CSV file", notify=True))
        raw = os.fsencode(folder) + b"/\xff\xfe timesheet.xlsx"
        os.replace(timesheet, raw)
        out.append(Hostile("non_utf8_name", "\\xff\\xfe timesheet.xlsx", "ingested"))
        os.mkfifo(folder / "pipe.xlsx")
        out.append(Hostile("fifo", "pipe.xlsx", "skipped", "not a regular file"))
        if Path("/dev/zero").exists():
            os.symlink("/dev/zero", folder / "device.xlsx")
            out.append(Hostile("device_link", "device.xlsx", "skipped", "not a regular file"))
    return out


def deliver_all(cfg, now) -> list:
    """Flush the outbox (the file transport) and return every delivered e-mail, each checked to have
    a one-line subject and attachment names without a line break or control character."""
    from adtools.mail import flush, open_outbox
    from adtools.mail.message import parse_eml

    engine = open_outbox(cfg)
    try:
        result = flush(cfg, engine, now)
    finally:
        engine.dispose()
    assert result.ok, result
    out = []
    for eml in sorted(cfg.outbox_dir.rglob("*.eml")):
        msg = parse_eml(eml.read_bytes())
        assert not _HEADER_BREAK.search(str(msg["Subject"])), msg["Subject"]
        for part in msg.iter_attachments():
            name = part.get_filename()
            assert name and not _HEADER_BREAK.search(name), name
        out.append(msg)
    return out
