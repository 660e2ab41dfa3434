"""Golden files for report workbooks: every sheet's cell values and row fills, as reviewed JSON.

Regenerate after a deliberate change with `ADTOOLS_REGEN_GOLDEN=1 python -m pytest tests/test_report_*.py`
and review the diff of tests/golden/*.json before committing it.
"""
from __future__ import annotations

import json
import os
from datetime import date, datetime
from pathlib import Path

import openpyxl

GOLDEN = Path(__file__).parent / "golden"


def snapshot(path: Path) -> dict:
    """Sheet name -> one line per non-empty cell (`A5: 'value' fill=… fmt=…`), plus frozen panes, filter, paper."""
    wb = openpyxl.load_workbook(path)
    out: dict = {}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows():
            for c in row:
                if c.value is None:
                    continue
                v = c.value
                if isinstance(v, (datetime, date)):
                    v = v.isoformat()
                line = f"{c.coordinate}: {v!r}"
                if c.fill and c.fill.fill_type == "solid":
                    line += f" fill={c.fill.fgColor.rgb}"
                if not isinstance(c.value, str) and c.number_format != "General":
                    line += f" fmt={c.number_format}"
                rows.append(line)
        out[ws.title] = {
            "freeze": ws.freeze_panes,
            "filter": ws.auto_filter.ref,
            "paper": ws.page_setup.paperSize,
            "cells": rows,
        }
    return out


def check_golden(path: Path, name: str) -> None:
    """Compare a workbook with tests/golden/<name>.json (or write it when regenerating)."""
    got = json.loads(json.dumps(snapshot(path), ensure_ascii=False, default=str))
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("ADTOOLS_REGEN_GOLDEN") or not golden.exists():
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if not os.environ.get("ADTOOLS_REGEN_GOLDEN"):
            raise AssertionError(f"golden file {golden} was missing and has been written: review and commit it")
    want = json.loads(golden.read_text(encoding="utf-8"))
    assert got.keys() == want.keys(), "sheets differ"
    for sheet in want:
        assert got[sheet] == want[sheet], f"sheet {sheet!r} differs from {golden.name}; regenerate with ADTOOLS_REGEN_GOLDEN=1 if intended"
