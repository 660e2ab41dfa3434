"""Cells found by the reader -> typed records and findings: every check a workbook passes before the ledger.

Order of work for one workbook: parse each header cell and each table cell
(forms.parse) and keep its canonical value (Field.canonical), mark error cells (#N/A) and blank required cells, apply defaults,
recompute computed columns, then run the form's row rules and table rules.  A rule
runs only when the fields it needs (and the field it marks) parsed cleanly, so one
bad cell gives one finding, not a cascade.  Bad data never raises: it is a Finding.
A rule or computed column that fails on cleanly parsed values is a bug in the
catalog, not the user's to fix: it raises SchemaError, so a test catches it.
"""
from __future__ import annotations

import logging
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Collection, Iterable, Mapping

from ..errors import ERROR, WARNING, AdtoolsError, Finding, SchemaError
from .catalog import FORMS
from .parse import Parsed, is_blank, parse_value, shown
from .schema import Field, Form, FormResult, RawCell, RawWorkbook, Record, RowRule

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["validate_raw", "validate_file", "result_json", "DEFINES_JOBS"]

log = logging.getLogger("adtools.forms.validate")


# Forms that bring a job number into being: their job numbers are never "unknown".
DEFINES_JOBS = frozenset({"work_order"})

_COLUMN_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?\d+$")


class _Sheet:
    """Where findings of one workbook go, with its file and sheet filled in."""

    def __init__(self, raw: RawWorkbook, form: Form | None, findings: list[Finding]):
        self.file = Path(raw.path).name  # the name, as the reader's findings (folders differ between machines)
        self.sheet = raw.sheet or (form.sheet_name if form else "")
        self.findings = findings
        self.reported = {f.field for f in findings if f.field}  # fields the reader already complained about

    def add(self, severity: str, rule: str, zh: str, en: str, *, cell: str = "", field: str = "", value: Any = None) -> None:
        self.findings.append(Finding(
            severity=severity, rule=rule, message_zh=zh, message_en=en, file=self.file, sheet=self.sheet,
            cell=cell, field=field, value=None if value is None else shown(value),
        ))


class _Block:
    """One header block or one table row while it is being checked."""

    def __init__(self, row: int | None = None):
        self.values: dict[str, Any] = {}
        self.cells: dict[str, str] = {}
        self.raw: dict[str, Any] = {}
        self.bad: set[str] = set()
        self.row = row

    def record(self) -> Record:
        return Record(values=self.values, cells=self.cells, row=self.row, raw=self.raw)


# --------------------------------------------------------------------------- public API
def validate_raw(raw: RawWorkbook, cfg: "Config", *, known_jobs: Collection[str] | None = None) -> FormResult:
    """Check the cells the reader found; return the typed records and every finding.

    `known_jobs`, when given, is the set of job numbers the ledger knows; other job
    numbers are warnings (forms arrive in any order).  Never raises on bad data.
    """
    result = FormResult(
        path=Path(raw.path), form_id=raw.form_id, sheet=raw.sheet, author=raw.author,
        form_version=raw.form_version, findings=list(raw.findings),
    )
    try:
        _validate(raw, cfg, known_jobs, result)
    except SchemaError:  # a bug in the catalog: every file of the form would meet it; tests must see it
        raise
    except Exception:  # a bug must not stop an intake run; the file is held back with a finding
        log.exception("validation of %s failed", raw.path)
        result.findings.append(Finding(
            ERROR, "internal_error",
            "检查此文件时程序出错，文件暂不入账；请把文件转给系统管理员",
            "the toolkit failed while checking this file, so it was not taken in; send the file to the administrator",
            file=Path(raw.path).name, sheet=raw.sheet,
        ))
    return result


def validate_file(
    path: str | Path, cfg: "Config", *, known_jobs: Collection[str] | None = None, engine: str = "auto"
) -> FormResult:
    """Read a workbook (forms.reader) and validate it; a refused file is a result with a finding."""
    from .reader import read_workbook  # late: the reader pulls in the spreadsheet engines

    p = Path(path)
    try:
        raw = read_workbook(p, cfg, engine=engine)
    except AdtoolsError:
        raise
    except Exception as exc:  # the reader promises findings, not exceptions; keep that promise here too
        log.exception("reading %s failed", p)
        return FormResult(path=p, findings=[Finding(
            ERROR, "unreadable",
            f"无法读取此文件（{type(exc).__name__}）；请用 Excel 打开后另存为 .xlsx 再提交",
            f"the file could not be read ({type(exc).__name__}); open it in Excel, save it as .xlsx and resubmit",
            file=p.name,
        )])
    return validate_raw(raw, cfg, known_jobs=known_jobs)


# --------------------------------------------------------------------------- the work
def _validate(raw: RawWorkbook, cfg: "Config", known_jobs: Collection[str] | None, result: FormResult) -> None:
    form = FORMS.get(raw.form_id) if raw.form_id else None
    out = _Sheet(raw, form, result.findings)
    if form is None:
        if not any(f.severity == ERROR for f in result.findings):
            out.add(
                ERROR, "unknown_form",
                f"无法识别表格类型{f'“{raw.form_id}”' if raw.form_id else ''}；请使用 adtools 生成的标准模板"
                f"（{'、'.join(f.zh for f in FORMS.values())}）",
                f"cannot tell which form this is{f' ({raw.form_id!r})' if raw.form_id else ''}; "
                f"use a standard adtools template ({', '.join(f.en for f in FORMS.values())})",
            )
        result.form_id = None
        return
    result.sheet = out.sheet
    if raw.form_version is not None and raw.form_version > form.version:
        out.add(
            WARNING, "newer_form_version",
            f"此表格来自较新的模板（第 {raw.form_version} 版，本系统为第 {form.version} 版），新增的栏目不会被读取；请更新 adtools",
            f"this workbook comes from a newer template (version {raw.form_version}; this toolkit knows {form.version}); "
            f"fields added since are ignored. Update adtools",
        )

    parse = _Parser(cfg, raw.date1904)
    header = _check_header(form, raw, cfg, out, parse)
    result.header = header.record()
    rows = _check_rows(form, raw, cfg, out, header, parse)
    result.rows = [r.record() for r in rows]
    _table_rules(form, rows, header, cfg, out)
    if known_jobs is not None and form.form_id not in DEFINES_JOBS:
        _unknown_jobs(form, header, rows, known_jobs, out)
    if not rows:
        out.add(
            WARNING, "empty_table",
            f"{form.zh}的表格中没有填写任何行",
            f"the table of the {form.en} has no rows filled in",
        )


_MEMO_MAX = 50_000  # parsed values kept between workbooks (a worker reads many files with one config)
# the memo of the last (config, date system) parsed for, kept for the next workbook
_shared: tuple[Any, bool, dict[tuple[int, type, Any], tuple[Field, Parsed, Any]]] | None = None


class _Parser:
    """parse_value (and Field.canonical) for the cells of a workbook, memoised per (field, distinct value).

    A column holds few distinct values (five dates, a handful of job numbers and
    categories), and parsing is a pure function of (field, value, config, date
    system), so each distinct value is parsed once.  Only values whose
    equality is identity of meaning are memoised: None, str, int, date, a non-zero float
    (0.0 == -0.0), a naive datetime or time (aware ones compare across zones).
    The memo outlives the workbook: the next one read with the same config object and
    date system (the next file of an ingest worker: the same staff, weeks and job
    numbers) starts with it.  Each entry holds its field, so a field's id is never
    reused while the entry lives; the memo is emptied when it grows past `_MEMO_MAX`.
    """

    def __init__(self, cfg: "Config", date1904: bool):
        global _shared
        self.cfg = cfg
        self.date1904 = date1904
        if _shared is not None and _shared[0] is cfg and _shared[1] == date1904 and len(_shared[2]) < _MEMO_MAX:
            self.memo = _shared[2]
        else:
            self.memo = {}
            _shared = (cfg, date1904, self.memo)

    def __call__(self, fld: Field, value: Any) -> tuple[Parsed, Any]:
        """(parsed, the value to keep: canonical when the field has one) for one cell value."""
        cls = value.__class__
        if value is None or cls is str or cls is int or cls is date or (cls is float and value != 0.0) \
                or ((cls is datetime or cls is time) and value.tzinfo is None):
            key = (id(fld), cls, value)
            hit = self.memo.get(key)
            if hit is None or hit[0] is not fld:
                parsed, kept = self._parse(fld, value)
                self.memo[key] = (fld, parsed, kept)
                return parsed, kept
            return hit[1], hit[2]
        return self._parse(fld, value)

    def _parse(self, fld: Field, value: Any) -> tuple[Parsed, Any]:
        parsed = parse_value(fld, value, self.cfg, date1904=self.date1904)
        if parsed.error or parsed.value is None or fld.canonical is None:
            return parsed, parsed.value
        return parsed, fld.canonical(parsed.value, self.cfg)


def _cell(fld: Field, cell: RawCell, block: _Block, parse: _Parser, out: _Sheet) -> None:
    """Parse one cell into `block`: value, address, raw value; findings for error cells, bad values, blanks."""
    key = fld.key
    block.cells[key] = cell.address
    if cell.error:
        block.raw[key] = cell.error
        block.bad.add(key)
        block.values[key] = None
        out.add(
            ERROR, "error_cell",
            f"{fld.zh}：单元格显示错误值 {cell.error}，请改为实际的值（检查公式或重新输入）",
            f"{fld.en}: the cell shows the error {cell.error}; replace it with a real value (fix the formula or retype it)",
            cell=cell.address, field=key, value=cell.error,
        )
        return
    block.raw[key] = cell.value
    parsed, value = parse(fld, cell.value)
    _parsed(fld, cell, parsed, value, block, out)


def _parsed(fld: Field, cell: RawCell, parsed: Parsed, value: Any, block: _Block, out: _Sheet) -> None:
    """The rest of `_cell` once the cell is parsed: a finding for a bad value, the default or
    `required` for a blank one, else the value."""
    key = fld.key
    if parsed.error:
        rule, zh, en = parsed.error
        block.bad.add(key)
        block.values[key] = None
        out.add(ERROR, rule, zh, en, cell=cell.address, field=key, value=cell.value)
        return
    if parsed.value is None:
        _blank(fld, block, out, cell.address)
        return
    block.values[key] = value


def _blank(fld: Field, block: _Block, out: _Sheet, address: str | None) -> None:
    """A blank (or missing) cell: the default, or a `required` finding."""
    block.values[fld.key] = fld.default
    if not fld.required:
        return
    block.bad.add(fld.key)
    if address is None:  # the reader found no cell for it: it said so, or we do once
        return
    hint_zh = f"（{fld.help_zh}）" if fld.help_zh else ""
    hint_en = f" ({fld.help_en})" if fld.help_en else ""
    out.add(
        ERROR, "required",
        f"{fld.zh}（{fld.en}）为必填项，请填写{hint_zh}",
        f"{fld.en} is required; fill in this cell{hint_en}",
        cell=address, field=fld.key, value=None,
    )


def _check_header(form: Form, raw: RawWorkbook, cfg: "Config", out: _Sheet, parse: _Parser) -> _Block:
    block = _Block()
    for fld in form.header:
        cell = raw.header.get(fld.key)
        if cell is None:
            _blank(fld, block, out, None)
            if fld.required and fld.key not in out.reported:
                out.add(
                    ERROR, "missing_field",
                    f"找不到{fld.zh}（{fld.en}）的输入单元格（名称 f_{fld.key}）；请使用标准模板",
                    f"no input cell for {fld.en} (defined name f_{fld.key}); use the standard template",
                    field=fld.key,
                )
            continue
        _cell(fld, cell, block, parse, out)
    for rule in form.rules:
        if rule.scope == "header":
            _run_rule(rule, form, block, block.values, block.bad, cfg, out)
    return block


def _columns(raw: RawWorkbook) -> dict[str, str]:
    """Field key -> column letters, from the addresses the reader gave."""
    letters: dict[str, str] = {}
    for _row, cells in raw.rows:
        if letters.keys() >= cells.keys():  # every column of the row already has its letters
            continue
        for key, cell in cells.items():
            if key not in letters and cell is not None:
                m = _COLUMN_RE.match(cell.address or "")
                if m:
                    letters[key] = m.group(1).upper()
    return letters


def _check_rows(form: Form, raw: RawWorkbook, cfg: "Config", out: _Sheet, header: _Block,
                parse: _Parser) -> list[_Block]:
    letters = _columns(raw)
    located = set(letters)
    for _r, cells in raw.rows:
        located.update(cells)
    if raw.rows:
        for fld in form.columns:
            if fld.required and fld.key not in located and fld.key not in out.reported:
                out.add(
                    ERROR, "missing_column",
                    f"表格中找不到“{fld.zh}”列（{fld.en}）或该列全部为空；请使用标准模板并填写此列",
                    f"the table has no column {fld.en!r} ({fld.zh}), or it is empty; use the standard template and fill it in",
                    field=fld.key,
                )
    header_only_bad = header.bad - {f.key for f in form.columns}
    computed = [f for f in form.columns if f.compute is not None]
    row_rules = [(rule, frozenset((rule.field, *rule.needs))) for rule in form.rules if rule.scope != "header"]
    memo = parse.memo
    blocks: list[_Block] = []
    for row_number, cells in raw.rows:
        if all(c is None or (c.error is None and is_blank(c.value)) for c in cells.values()):
            continue  # a blank row is skipped
        block = _Block(row_number)
        values, addresses, raws = block.values, block.cells, block.raw
        for fld in form.columns:
            key = fld.key
            cell = cells.get(key)
            if cell is not None:
                if cell.error:
                    _cell(fld, cell, block, parse, out)
                    continue
                # `_cell` inline for the usual cell, which parses cleanly to a value (and the memo's
                # look-up for the usual values, which `parse` would make)
                addresses[key] = cell.address
                raws[key] = raw_value = cell.value
                cls = raw_value.__class__
                hit = memo.get((id(fld), cls, raw_value)) if cls is str or cls is int or cls is date else None
                if hit is not None and hit[0] is fld:
                    parsed, value = hit[1], hit[2]
                else:
                    parsed, value = parse(fld, raw_value)
                if parsed.error or parsed.value is None:
                    _parsed(fld, cell, parsed, value, block, out)
                elif value.__class__ is cls and (cls is str or cls is date or cls is int) and value == raw_value:
                    values[key] = raw_value  # the value as found: one object for both, sent once to the ingest
                else:
                    values[key] = value
            elif fld.key in letters:
                _blank(fld, block, out, f"{letters[fld.key]}{row_number}")
            else:
                _blank(fld, block, out, None)
        for fld in computed:
            needs = fld.computed_from
            if block.values.get(fld.key) is None and fld.key not in block.bad and not (set(needs) & block.bad) \
                    and all(block.values.get(n) is not None for n in needs):
                found = cells.get(fld.key)
                address = found.address if found is not None else (
                    f"{letters[fld.key]}{row_number}" if fld.key in letters else "")
                block.values[fld.key] = _compute(form, fld, block, address, out)
        bad = block.bad | header_only_bad
        for rule, wants in row_rules:
            if not wants & bad:  # else the cells it needs already have their own findings
                _run_rule(rule, form, block, header.values, bad, cfg, out)
        blocks.append(block)
    _unique_columns(form, blocks, out)
    return blocks


def _compute(form: Form, fld: Field, block: _Block, address: str, out: _Sheet) -> Any:
    """A computed column's value from its row; None and a `not_computed` finding when the row's own
    numbers give none (a division by zero, a result too large), which the person can fix."""
    try:
        return fld.compute(block.values)
    except ArithmeticError:
        block.bad.add(fld.key)  # rules comparing this value stay quiet: one finding, not a cascade
        inputs = [form.field(k) for k in fld.computed_from]
        out.add(
            ERROR, "not_computed",
            f"{fld.zh}：无法由{'、'.join(f.zh for f in inputs)}计算出结果；请核对这些单元格，或直接填写{fld.zh}",
            f"{fld.en}: cannot be computed from {', '.join(f.en for f in inputs)}; check those cells, "
            f"or type the {fld.en} yourself",
            cell=address, field=fld.key, value=None,
        )
        return None
    except Exception as exc:
        raise SchemaError(
            f"form {form.form_id!r}: computing {fld.key!r} from {', '.join(fld.computed_from)} failed on row "
            f"{block.row} ({type(exc).__name__}: {exc}); fix its compute in the catalog"
        ) from exc


def _run_rule(rule: RowRule, form: Form, block: _Block, header: Mapping[str, Any], bad: set[str],
              cfg: "Config", out: _Sheet) -> None:
    if ({rule.field, *rule.needs}) & bad:
        return  # the cells it needs already have their own findings
    try:
        fine = rule.test(block.values, header, cfg)
        said = None if fine or rule.explain is None else rule.explain(block.values, header, cfg)
    except Exception as exc:
        where = "the header" if block.row is None else f"row {block.row}"
        raise SchemaError(
            f"form {form.form_id!r}: rule {rule.code!r} failed on {where} ({type(exc).__name__}: {exc}); "
            f"fix the rule in the catalog"
        ) from exc
    if fine:
        return
    fld = form.field(rule.field)
    zh, en = said or (rule.zh, rule.en)
    found = block.raw.get(rule.field)
    if is_blank(found) and block.values.get(rule.field) is not None:
        found = block.values.get(rule.field)  # a computed value: show what was compared
    now_zh = f"（当前为“{shown(found)}”）" if not is_blank(found) else "（当前为空）"
    now_en = f" (found {shown(found)!r})" if not is_blank(found) else " (the cell is blank)"
    out.add(
        rule.severity, rule.code,
        f"{fld.zh}：{zh}{now_zh}",
        f"{fld.en}: {en}{now_en}",
        cell=block.cells.get(rule.field, ""), field=rule.field, value=block.raw.get(rule.field),
    )


def _unique_columns(form: Form, blocks: list[_Block], out: _Sheet) -> None:
    """Field.unique: a value entered in more than one row is an error at each later row."""
    for fld in form.columns:
        if not fld.unique:
            continue
        first: dict[Any, _Block] = {}
        for b in blocks:
            v = b.values.get(fld.key)
            if v is None or fld.key in b.bad:
                continue
            if v in first:
                other = first[v]
                out.add(
                    ERROR, f"unique_{fld.key}",
                    f"{fld.zh}“{shown(v)}”重复（另见第 {other.row} 行），每行须不同",
                    f"{fld.en} {shown(v)!r} appears more than once (see also row {other.row}); each row needs its own",
                    cell=b.cells.get(fld.key, ""), field=fld.key, value=b.raw.get(fld.key),
                )
            else:
                first[v] = b


def _table_rules(form: Form, blocks: list[_Block], header: _Block, cfg: "Config", out: _Sheet) -> None:
    rows = [{**b.values, "_row": b.row} for b in blocks]
    for rule in form.table_rules:
        try:
            violations = list(rule.check(rows, header.values, cfg))
        except Exception as exc:
            raise SchemaError(
                f"form {form.form_id!r}: table rule {rule.code!r} failed ({type(exc).__name__}: {exc}); "
                f"fix the rule in the catalog"
            ) from exc
        for v in violations:
            if v.field not in rule.fields:
                raise SchemaError(
                    f"form {form.form_id!r}: table rule {rule.code!r} marks field {v.field!r}, which is not among "
                    f"its fields ({', '.join(rule.fields)}); declare it or fix the rule"
                )
            fld = form.field(v.field)
            if v.row_index is not None and 0 <= v.row_index < len(blocks):
                where = blocks[v.row_index]
            else:
                where = header
            out.add(
                v.severity, rule.code,
                f"{fld.zh}：{v.zh}",
                f"{fld.en}: {v.en}",
                cell=where.cells.get(v.field, ""), field=v.field, value=where.raw.get(v.field),
            )


def _unknown_jobs(form: Form, header: _Block, blocks: list[_Block], known: Collection[str], out: _Sheet) -> None:
    known_set = set(known)
    places: Iterable[_Block] = [header, *blocks]
    for b in places:
        job = b.values.get("job_no")
        if not job or "job_no" in b.bad or job in known_set:
            continue
        out.add(
            WARNING, "unknown_job",
            f"工作编号“{job}”尚未登记（还没有收到对应的布置单）；如编号有误请更正",
            f"job number {job!r} is not known yet (no work order for it has come in); correct it if it is mistyped",
            cell=b.cells.get("job_no", ""), field="job_no", value=b.raw.get("job_no"),
        )


def result_json(result: FormResult) -> dict[str, Any]:
    """One file of `adtools validate --json`: path, form_id, document_key, ok, rows, findings."""
    return {
        "path": str(result.path),
        "form_id": result.form_id,
        "document_key": result.document_key,
        "ok": result.ok,
        "rows": len(result.rows),
        "findings": [
            {
                "severity": f.severity,
                "sheet": f.sheet,
                "cell": f.cell,
                "field": f.field,
                "value": "" if f.value is None else str(f.value),
                "rule": f.rule,
                "message_zh": f.message_zh,
                "message_en": f.message_en,
            }
            for f in result.findings
        ],
    }
