"""The schema language: a Form is fields + rules, declared once, read by every part.

The template builder, the reader, the validator, the ledger's tables and the
sample data all walk these objects; nothing else knows a form's fields.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from ..errors import ERROR, WARNING, Finding

if TYPE_CHECKING:
    from ..config import Config

__all__ = [
    "TYPES",
    "Choice",
    "Field",
    "RowRule",
    "TableRule",
    "Violation",
    "Form",
    "Record",
    "FormResult",
    "RawCell",
    "RawWorkbook",
    "key_text",
]

# text, int, decimal (hours, sizes), money (RMB, 2 decimals), date, datetime,
# bool (Y/N), enum (choice keys), month ("YYYY-MM")
TYPES = ("text", "int", "decimal", "money", "date", "datetime", "bool", "enum", "month")


@dataclass(frozen=True)
class Choice:
    """One value of an enum: stored by key, shown as `中文 English`."""

    key: str
    zh: str
    en: str

    @property
    def label(self) -> str:
        return f"{self.zh} {self.en}"


@dataclass(frozen=True)
class Field:
    """One input: a header cell (defined name f_<key>) or a table column (header `中文\\nEnglish`)."""

    key: str
    zh: str
    en: str
    type: str = "text"
    required: bool = False
    default: Any = None
    choices: tuple[Choice, ...] = ()
    # enum values that come from config.toml: "turnaround" (deliverables),
    # "rate_categories", "timesheet_categories" (+ non_billable)
    choices_from: str | None = None
    min: Decimal | None = None
    min_exclusive: bool = False
    max: Decimal | None = None
    max_exclusive: bool = False
    multiple_of: Decimal | None = None
    percent: bool = False  # a decimal that may be typed as a percent ("15%")
    pattern: str | None = None  # "job_no" means [forms] job_no_pattern; else a regex
    unique: bool = False  # unique among the table's rows
    # a computed column: filled from `computed_from` by `compute(row)` when left blank
    # (a typed value is kept and checked by the form's rules instead)
    compute: Callable[[Mapping[str, Any]], Any] | None = None
    computed_from: tuple[str, ...] = ()
    # the value as the ledger keeps it, from the parsed value (e.g. a person's alias -> the [[people]] name)
    canonical: Callable[[Any, "Config"], Any] | None = None
    help_zh: str = ""
    help_en: str = ""
    width: int = 14  # template column width, in characters

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"field {self.key}: unknown type {self.type!r}")
        if self.type == "enum" and not (self.choices or self.choices_from):
            raise ValueError(f"field {self.key}: an enum needs choices or choices_from")

    @property
    def label(self) -> str:
        """The header text of a table column: `中文\\nEnglish`."""
        return f"{self.zh}\n{self.en}"

    def choices_for(self, cfg: "Config") -> tuple[Choice, ...]:
        """The enum's values, resolving config-driven lists."""
        if self.choices_from is None:
            return self.choices
        from .catalog import config_choices  # late: the catalog imports this module

        return config_choices(self.choices_from, cfg)


@dataclass(frozen=True)
class Violation:
    """What a rule found: which field's cell to mark, and the message."""

    field: str
    zh: str
    en: str
    severity: str = ERROR
    row_index: int | None = None  # for table rules: index into the rows list


RowCheck = Callable[[Mapping[str, Any], Mapping[str, Any], "Config"], bool]
RowExplain = Callable[[Mapping[str, Any], Mapping[str, Any], "Config"], "tuple[str, str] | None"]


@dataclass(frozen=True)
class RowRule:
    """A cross-field rule on one table row (or, with scope "header", on the header fields).

    `test(row, header, cfg)` returns True when the row is fine.  It runs only when
    every field in `needs` parsed without error (missing optional values are None).
    `explain(row, header, cfg)`, when given, words the broken rule for this row, naming
    what the value was compared with (the week's dates, the issue time) or what would
    be right (the Monday, the net amount); else zh / en.
    """

    code: str
    field: str  # the cell that gets marked
    zh: str
    en: str
    test: RowCheck
    needs: tuple[str, ...] = ()
    scope: str = "row"  # "row" or "header"
    severity: str = ERROR
    explain: RowExplain | None = None


TableCheck = Callable[[list[Mapping[str, Any]], Mapping[str, Any], "Config"], Iterable[Violation]]


@dataclass(frozen=True)
class TableRule:
    """A rule over all rows together (a day's total hours, a version entered twice).

    `check(rows, header, cfg)` gets each row's values with its Excel row number
    under `_row`, to name other rows in messages; a Violation's `row_index` says
    which row's cell to mark.
    """

    code: str
    check: TableCheck


@dataclass(frozen=True)
class Form:
    """A standard form: id, names, header fields, table columns, document key and rules."""

    form_id: str
    zh: str
    en: str
    header: tuple[Field, ...]
    columns: tuple[Field, ...]
    key: tuple[str, ...]  # header field keys that identify the document
    rules: tuple[RowRule, ...] = ()
    table_rules: tuple[TableRule, ...] = ()
    version: int = 1  # form_version in _meta; bump when a field is added

    @property
    def sheet_name(self) -> str:
        """The input sheet's name: the Chinese title (findings read `工时表!D7`)."""
        return self.zh

    @property
    def table_name(self) -> str:
        return f"t_{self.form_id}"

    @property
    def fields(self) -> tuple[Field, ...]:
        return self.header + self.columns

    def field(self, key: str) -> Field:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(f"form {self.form_id} has no field {key!r}")

    def header_field(self, key: str) -> Field | None:
        return next((f for f in self.header if f.key == key), None)


@dataclass
class Record:
    """Parsed values of one header block or one table row, with the cell each came from."""

    values: dict[str, Any]
    cells: dict[str, str]  # field key -> "D7"
    row: int | None = None  # Excel row number of a table row
    raw: dict[str, Any] = field(default_factory=dict)  # the value as read, before parsing


@dataclass(frozen=True)
class RawCell:
    """A cell as the reader found it, before parsing.

    `value` is what the engine gave: str, int, float, bool, date/datetime (when the
    cell is date-formatted), or None.  An Excel error cell (#N/A, #DIV/0!) has
    `error` set to its text and `value` None.
    """

    value: Any
    address: str  # "D7"
    error: str | None = None


@dataclass
class RawWorkbook:
    """What the reader hands the validator: cells located by the schema, with addresses.

    `rows` holds every non-blank row under the table header, also rows typed or
    pasted below the table's range: (Excel row number, {field key: RawCell}).
    `findings` are the reader's own (no _meta, a missing column, a refused file).
    """

    path: Path
    form_id: str | None = None
    sheet: str = ""
    header: dict[str, RawCell] = field(default_factory=dict)
    rows: list[tuple[int, dict[str, RawCell]]] = field(default_factory=list)
    author: str | None = None
    date1904: bool = False
    form_version: int | None = None
    engine: str = ""  # "calamine" or "openpyxl"
    findings: list[Finding] = field(default_factory=list)


def key_text(parts: Iterable[Any]) -> str:
    """A document key as one string: parts joined by `|` (dates ISO), e.g. `张伟|2026-11-02`."""
    out = []
    for p in parts:
        if isinstance(p, datetime):
            out.append(p.isoformat(timespec="minutes"))
        elif isinstance(p, date):
            out.append(p.isoformat())
        elif p is None:
            out.append("")
        else:
            out.append(str(p))
    return "|".join(out)


@dataclass
class FormResult:
    """One workbook read and checked: what it is, its records, and every finding."""

    path: Path
    form_id: str | None = None
    sheet: str = ""
    header: Record | None = None
    rows: list[Record] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    author: str | None = None  # the workbook's last-modified-by (else creator)
    form_version: int | None = None

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def document_key(self) -> str | None:
        """`key_text` of the key fields, or None when a key field is missing or bad."""
        if self.form_id is None or self.header is None:
            return None
        from .catalog import FORMS

        parts = [self.header.values.get(k) for k in FORMS[self.form_id].key]
        if any(p is None or p == "" for p in parts):
            return None
        return key_text(parts)
