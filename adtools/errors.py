"""One exception tree for adtools, and Finding: a validation result kept as a value.

Exceptions are for things the program cannot go on with (a bad config, an
unreadable ledger, a mail server refusing us).  Bad data in a staff workbook is
never an exception: it becomes a Finding, collected and reported.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "AdtoolsError",
    "ConfigError",
    "InputError",
    "SchemaError",
    "FileError",
    "FileBusyError",
    "LedgerError",
    "LockedError",
    "MailError",
    "Finding",
    "ERROR",
    "WARNING",
]


class AdtoolsError(Exception):
    """Base of every error adtools raises on purpose."""


class ConfigError(AdtoolsError):
    """config.toml (or a value in it) cannot be used; the message names file, key and fix."""


class InputError(AdtoolsError):
    """An argument given on the command line or to a library call is not usable."""


class SchemaError(AdtoolsError):
    """A form's declaration contradicts itself (a bug in adtools' catalog); the message names form, rule and key."""


class FileError(AdtoolsError):
    """A file or folder cannot be read or written."""


class FileBusyError(FileError):
    """A file another program holds open (Excel on Windows locks the workbook it shows): write it next time."""


class LedgerError(AdtoolsError):
    """The ledger database cannot be opened, migrated or written."""


class LockedError(LedgerError):
    """Another process holds the ledger's write lock."""


class MailError(AdtoolsError):
    """A message could not be queued or delivered."""


ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    """One problem found in a workbook, named down to its cell, in Chinese and English."""

    severity: str  # ERROR or WARNING
    rule: str  # a short stable code, e.g. "required", "not_a_date"
    message_zh: str
    message_en: str
    file: str = ""
    sheet: str = ""
    cell: str = ""  # "D7"; empty when the finding is about the whole file or sheet
    field: str = ""  # the form field key
    value: Any = None  # what was found, as text

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def where(self) -> str:
        """`工时表!D7`, `工时表`, or the file name: the place a person looks."""
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or self.file

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["value"] = "" if self.value is None else str(self.value)
        return d
