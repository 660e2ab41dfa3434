"""Helpers for the ledger tests: a config in a temporary folder and FormResults built by hand."""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from adtools.config import config_from_dict
from adtools.forms.catalog import FORMS
from adtools.forms.schema import FormResult, Record
from adtools.ledger.store import SourceFile

PEOPLE = [
    {"name": "张伟", "email": "zhang.wei@agency.example", "department": "account", "aliases": ["zwei"]},
    {"name": "李娜", "email": "li.na@agency.example", "department": "creative"},
    {"name": "王芳", "email": "wang.fang@agency.example", "department": "account"},
]


def make_config(tmp_path: Path, **sections: Any):
    data: dict[str, Any] = {
        "paths": {
            "watch": ["inbox"],
            "ledger": "var/ledger.sqlite",
            "feedback": "var/feedback",
            "archive": "var/archive",
            "outbox": "var/outbox",
            "reports": "var/reports",
        },
        "intake": {"settle_seconds": 0},
        "people": PEOPLE,
    }
    data.update(sections)
    cfg = config_from_dict(data, base_dir=tmp_path)
    for d in cfg.watch_dirs:
        d.mkdir(parents=True, exist_ok=True)
    return cfg


def _cells(form_id: str, values: dict[str, Any], row: int | None, header: bool) -> dict[str, str]:
    form = FORMS[form_id]
    fields = form.header if header else form.columns
    out = {}
    for i, f in enumerate(fields):
        if f.key in values:
            out[f.key] = f"C{3 + i}" if header else f"{chr(ord('A') + i)}{row}"
    return out


def form_result(form_id: str, header: dict[str, Any], rows: list[dict[str, Any]], *, path: Path = Path("x.xlsx"),
                author: str | None = "张伟", first_row: int = 8) -> FormResult:
    """A valid FormResult as the validator would return it."""
    form = FORMS[form_id]
    recs = [Record(values=dict(r), cells=_cells(form_id, r, first_row + i, False), row=first_row + i) for i, r in enumerate(rows)]
    return FormResult(
        path=path, form_id=form_id, sheet=form.sheet_name,
        header=Record(values=dict(header), cells=_cells(form_id, header, None, True)),
        rows=recs, findings=[], author=author, form_version=form.version,
    )


def timesheet(staff: str = "张伟", week: date = date(2026, 11, 2), hours: list[str] = ("7.5", "8"), **kw) -> FormResult:
    rows = [
        {"date": week, "job_no": "HRFR-2026-001", "category": "print_creative", "hours": Decimal(h), "description": f"line {i}"}
        for i, h in enumerate(hours)
    ]
    return form_result("timesheet", {"staff": staff, "department": "account", "week_start": week}, rows, **kw)


def source_for(cfg, rel: str, content: bytes = b"") -> SourceFile:
    watch = cfg.watch_dirs[0]
    p = watch / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    if not p.exists():
        p.write_bytes(content or rel.encode())
    data = p.read_bytes()
    st = p.stat()
    return SourceFile(p, watch, rel, st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())


def archive(cfg, src: SourceFile) -> str:
    """Put a copy where the ingest would (the store only records the path)."""
    rel = f"{src.sha256[:2]}/{src.sha256}.xlsx"
    dst = cfg.archive_dir / rel
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_bytes(src.path.read_bytes())
    return rel
