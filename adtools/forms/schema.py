"""The schema language: a Form is fields + rules, declared once, read by every part.

The template builder, the reader, the validator, the ledger's tables and the
sample data all walk these objects; nothing else knows a form's fields.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, Sequence

from ..errors import ERROR, WARNING, Finding, SchemaError

if TYPE_CHECKING:
    from ..config import Config

__all__ = [
    "TYPES",
    "Choice",
    "Field",
    "RowRule",
    "TableRule",
    "Tally",
    "Rate",
    "Price",
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
    # a text field whose cells offer a dropdown from config.toml ("people": the [[people]] names);
    # the list guides, other text is still read (an alias, say) and the rules decide
    suggest_from: str | None = None
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
    example: str = ""  # the example a date/month field's tip shows, when the generic one would be wrong
    width: int = 14  # template column width, in characters

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise SchemaError(f"field {self.key!r}: unknown type {self.type!r}; use one of {', '.join(TYPES)}")
        if self.type == "enum" and not (self.choices or self.choices_from):
            raise SchemaError(f"field {self.key!r}: an enum needs choices or choices_from")

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
    which row's cell to mark.  `fields` names every field its Violations mark, so
    the form can check them when it is declared.
    """

    code: str
    check: TableCheck
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Rate:
    """A number of config.toml that a tally's formula uses (an hourly rate, a film price, a tax rate).

    `value(cfg, day)` gives one number, or a table {key: number} from which the row's
    `key` field picks the entry.  With `at` (a header date field) the numbers are those
    in force on that date: `changes(cfg)` lists the dates on which they change (the rate
    cards), and `value(cfg, day)` is asked for each; without `at`, `day` is None.  The
    template writes a table to its hidden `_rates` sheet and looks it up by formula.
    """

    zh: str
    en: str
    value: Callable[["Config", "date | None"], "Decimal | Mapping[str, Decimal]"]
    key: str | None = None  # the table field whose text picks the number (a rate category)
    at: str | None = None  # the header date field that picks the numbers in force
    changes: Callable[["Config"], Sequence[date]] | None = None


@dataclass(frozen=True)
class Price:
    """How a tally prices a row whose `Tally.case` field is `when`: ROUND(product of `times` / `per`, 2).

    `times` names table fields (a blank one leaves the amount blank, unless the field
    has a default, which is used as the reader would) and Rates; `per` divides (a
    film's base area).
    """

    when: str
    times: tuple["str | Rate", ...]
    per: Rate | None = None


@dataclass(frozen=True)
class Tally:
    """A figure the template shows beside its table while staff type: a formula of ours, never input.

    It sits in a locked column right of the table `t_<form>` (outside it, so the
    reader never reads it and the ledger never stores it; where a file lost its
    table, the reader skips a column headed with its label).

    A sum: `of` is the table field (or an earlier tally) summed; `by` the field rows
    are grouped by (the day: shown on each day's first row), or None for the whole
    table (shown once, on the first row); `tax` adds ROUND(sum x rate, 2).
    A row amount: `case` is the enum field whose value picks one of `prices`; rows
    of another kind, or not filled in enough to be priced, show nothing.
    `warn_from` names a `[sla]` setting that colours it amber at or above, `stop_at`
    a config-free limit (a day has 24 hours) that colours it red above.  `note`
    (zh, en) is the tip its cells show and a line of the sheet's note (a preview).
    """

    key: str
    zh: str
    en: str
    of: str | None = None
    by: str | None = None
    width: int = 12
    warn_from: str | None = None  # e.g. "daily_hours_warning": amber at or above [sla] daily_hours_warning
    stop_at: int | None = None  # red above this (a day has 24 hours)
    case: str | None = None  # a row amount: the enum field that says how the row is priced
    prices: tuple[Price, ...] = ()
    tax: Rate | None = None  # a sum plus tax on it: ROUND(sum x rate, 2)
    note: tuple[str, str] | None = None  # e.g. ("预览，以正式报价为准", "preview; the priced quote is binding")

    @property
    def label(self) -> str:
        """The column's header: `当日合计\nDay total`."""
        return f"{self.zh}\n{self.en}"

    @property
    def rates(self) -> tuple[Rate, ...]:
        """Every Rate the tally's formula uses, in order."""
        out = [x for p in self.prices for x in (*p.times, p.per) if isinstance(x, Rate)]
        return (*out, self.tax) if self.tax is not None else tuple(out)


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
    tallies: tuple[Tally, ...] = ()  # totals the template shows beside the table (never read)

    def __post_init__(self) -> None:
        problems = _contradictions(self)
        if problems:
            raise SchemaError(f"form {self.form_id!r} ({self.zh}) is declared wrongly: " + "; ".join(problems))

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


_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def _contradictions(form: Form) -> list[str]:
    """Everything a form's declaration says that cannot hold, each naming the rule or field and the key."""
    from .parse import fold  # late: the parser imports this module

    problems: list[str] = []
    header = {f.key for f in form.header}
    columns = {f.key for f in form.columns}
    known = header | columns
    for key, n in Counter(f.key for f in form.fields).items():
        if n > 1:
            where = " and ".join(w for w, keys in (("the header", header), ("the table", columns)) if key in keys)
            problems.append(f"{n} fields have the key {key!r} (in {where}); give each its own key")
    for attr in ("zh", "en"):
        for block, fields in (("header", form.header), ("table", form.columns)):
            for label, n in Counter(fold(getattr(f, attr)) for f in fields).items():
                if n > 1:
                    problems.append(f"{n} {block} fields are labelled {label!r} ({attr}); readers could not tell them apart")
    if len(form.sheet_name) > 31 or _SHEET_NAME_BAD.search(form.sheet_name):
        problems.append(f"the sheet name {form.sheet_name!r} is not one Excel allows (at most 31 characters, none of []:*?/\\)")
    if not form.key:
        problems.append("the document key names no field; name the header fields that identify a document")
    problems += _tally_contradictions(form)
    for k in form.key:
        if k not in header:
            problems.append(f"the document key names {k!r}, which is not a header field")
    for rule in form.rules:
        what = f"rule {rule.code!r}"
        if rule.scope not in ("row", "header"):
            problems.append(f"{what} has scope {rule.scope!r}; use 'row' or 'header'")
            continue
        # a header rule sees the header only; a row rule marks a cell of its row and may read the header too
        marks, reads, place = (header, header, "header") if rule.scope == "header" else (columns, known, "table")
        if rule.field not in marks:
            problems.append(f"{what} marks field {rule.field!r}, which the {place} lacks")
        for k in rule.needs:
            if k not in reads:
                problems.append(f"{what} needs field {k!r}, which the {'header' if reads is header else 'form'} lacks")
        if rule.severity not in (ERROR, WARNING):
            problems.append(f"{what} has severity {rule.severity!r}; use {ERROR!r} or {WARNING!r}")
    for rule in form.table_rules:
        if not rule.fields:
            problems.append(f"table rule {rule.code!r} names no field its findings mark")
        for k in rule.fields:
            if k not in known:
                problems.append(f"table rule {rule.code!r} marks field {k!r}, which the form lacks")
    codes = [r.code for r in (*form.rules, *form.table_rules)] + [f"unique_{f.key}" for f in form.columns if f.unique]
    for code, n in Counter(codes).items():
        if n > 1:
            problems.append(f"{n} rules have the code {code!r}; a finding's rule must say which one it was")
    for f in form.fields:
        problems += [f"field {f.key!r}: {p}" for p in _field_contradictions(f, in_header=f.key in header, columns=columns)]
    return problems


def _tally_contradictions(form: Form) -> list[str]:
    """What the form's tallies declare that cannot hold: each sums, groups or prices by fields the table has."""
    from .parse import fold  # late: the parser imports this module

    problems: list[str] = []
    columns = {f.key: f for f in form.columns}
    header = {f.key: f for f in form.header}
    earlier: set[str] = set()
    priced = {t.key for t in form.tallies if t.prices}
    for t in form.tallies:
        what = f"tally {t.key!r}"
        if (t.of is None) == (not t.prices):
            problems.append(f"{what} needs either `of` (a sum) or `prices` (a row amount), not both or neither")
        if t.of is not None and t.of not in columns and t.of not in earlier:
            problems.append(f"{what} sums {t.of!r}, which the table lacks")
        if t.by is not None and t.by not in columns:
            problems.append(f"{what} groups by {t.by!r}, which the table lacks")
        if t.of in earlier and (t.by is not None or t.of not in priced):
            problems.append(f"{what} sums the tally {t.of!r}; only a row amount's whole column is summed")
        if t.prices:
            case = columns.get(t.case or "")
            if case is None or case.type != "enum" or not case.choices:
                problems.append(f"{what} prices rows by {t.case!r}, which is no enum of the table with its own choices")
            kinds = {c.key for c in case.choices} if case is not None else set()
            for p in t.prices:
                if p.when not in kinds:
                    problems.append(f"{what} prices {p.when!r} rows, which is no choice of {t.case!r}")
                for x in p.times:
                    if isinstance(x, str) and (x not in columns or columns[x].type not in ("int", "decimal", "money")):
                        problems.append(f"{what} multiplies by {x!r}, which is no number column of the table")
        for r in t.rates:
            if r.key is not None and r.key not in columns:
                problems.append(f"{what} looks {r.en!r} up by {r.key!r}, which the table lacks")
            if r.at is not None and (r.at not in header or header[r.at].type != "date"):
                problems.append(f"{what} takes {r.en!r} on {r.at!r}, which is no date of the header")
            if (r.at is None) != (r.changes is None):
                problems.append(f"{what}: {r.en!r} needs both `at` and `changes`, or neither")
        if fold(t.zh) in {fold(f.zh) for f in form.fields} or fold(t.en) in {fold(f.en) for f in form.fields}:
            problems.append(f"{what} is labelled like a field; the reader could take it for input")
        earlier.add(t.key)
    return problems


def _field_contradictions(f: Field, *, in_header: bool, columns: set[str]) -> list[str]:
    """What one field's declaration says that cannot hold (a computed column reads its own row only)."""
    from .parse import fold  # late: the parser imports this module

    problems: list[str] = []
    if (f.compute is None) != (not f.computed_from):
        problems.append("a computed field needs both compute and computed_from")
    if f.compute is not None and in_header:
        problems.append("only table columns are computed; this header field never would be")
    for k in f.computed_from:
        if k == f.key:
            problems.append("it is computed from itself")
        elif k not in columns:
            problems.append(f"it is computed from {k!r}, which the table lacks")
    if f.unique and in_header:
        problems.append("unique applies to table columns; a header field has one value")
    if f.type != "enum" and (f.choices or f.choices_from):
        problems.append(f"choices are for enums; the field is {f.type!r}")
    if f.choices and f.choices_from:
        problems.append("give choices or choices_from, not both")
    for attr in ("key", "zh", "en"):
        for value, n in Counter(fold(getattr(c, attr)) for c in f.choices).items():
            if n > 1:
                problems.append(f"{n} choices share the {attr} {value!r}; a typed value must name one choice")
    if f.pattern is not None and f.pattern != "job_no":
        try:
            re.compile(f.pattern)
        except re.error as exc:
            problems.append(f"the pattern {f.pattern!r} is no regular expression ({exc})")
    if f.min is not None and f.max is not None and f.min > f.max:
        problems.append(f"min {f.min} is above max {f.max}")
    return problems


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
