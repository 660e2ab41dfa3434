"""Test helper: check typed records against a form's schema and catalog rules, without a workbook.

The quick path for many seeds and anchor days (the samples are also written and
run through the real reader and validator in test_samples.py).  It calls the
catalog's own RowRule.test and TableRule.check, so the rules are not restated.
"""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Mapping

from adtools.errors import ERROR

__all__ = ["problems"]


def _field_problems(f, value: Any, cfg) -> list[str]:
    t = f.type
    ok_type = {
        "text": isinstance(value, str) and value.strip() != "",
        "int": isinstance(value, int) and not isinstance(value, bool),
        "decimal": isinstance(value, Decimal),
        "money": isinstance(value, Decimal) and value.as_tuple().exponent >= -2,
        "date": isinstance(value, date) and not isinstance(value, datetime),
        "datetime": isinstance(value, datetime) and value.tzinfo is None,
        "bool": isinstance(value, bool),
        "enum": isinstance(value, str) and value in {c.key for c in f.choices_for(cfg)},
        "month": isinstance(value, str) and re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value) is not None,
    }[t]
    if not ok_type:
        return [f"{f.key}: {value!r} is not a valid {t}"]
    out = []
    if t in ("int", "decimal", "money"):
        v = Decimal(value)
        if f.min is not None and (v < f.min or (f.min_exclusive and v == f.min)):
            out.append(f"{f.key}: {v} below {f.min}")
        if f.max is not None and (v > f.max or (f.max_exclusive and v == f.max)):
            out.append(f"{f.key}: {v} above {f.max}")
        if f.multiple_of is not None and v % f.multiple_of != 0:
            out.append(f"{f.key}: {v} not a multiple of {f.multiple_of}")
    if f.pattern:
        rx = cfg.forms.job_no_pattern if f.pattern == "job_no" else f.pattern
        if not re.fullmatch(rx, value):
            out.append(f"{f.key}: {value!r} does not match {rx}")
    return out


def problems(form, cfg, header: Mapping[str, Any], rows: list[Mapping[str, Any]], *, warnings: bool = True) -> list[str]:
    """Every way the records break the schema or a rule ([] when clean); warnings too unless told."""
    out: list[str] = []
    blocks = [("header", form.header, header)] + [(f"row {i}", form.columns, r) for i, r in enumerate(rows)]
    for where, fields, values in blocks:
        known = {f.key for f in fields}
        out += [f"{where}: unknown key {k}" for k in values if k not in known]
        for f in fields:
            v = values.get(f.key)
            if v is None or v == "":
                if f.required:
                    out.append(f"{where}: {f.key} is required")
                continue
            out += [f"{where}: {p}" for p in _field_problems(f, v, cfg)]
    for f in form.columns:
        if f.unique:
            vals = [r.get(f.key) for r in rows if r.get(f.key) is not None]
            if len(vals) != len(set(vals)):
                out.append(f"{f.key} not unique")
    full_rows = [{f.key: r.get(f.key) for f in form.columns} for r in rows]
    full_header = {f.key: header.get(f.key) for f in form.header}
    for rule in form.rules:
        if rule.severity != ERROR and not warnings:
            continue
        if rule.scope == "header":
            if not rule.test(full_header, full_header, cfg):
                out.append(f"header: rule {rule.code} on {rule.field} ({rule.severity})")
        else:
            for i, r in enumerate(full_rows):
                if not rule.test(r, full_header, cfg):
                    out.append(f"row {i}: rule {rule.code} on {rule.field} ({rule.severity}): {r}")
    for trule in form.table_rules:
        for v in trule.check(full_rows, full_header, cfg):
            if v.severity == ERROR or warnings:
                out.append(f"table rule {trule.code} ({v.severity}): {v.en}")
    return out
