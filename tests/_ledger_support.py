"""Helpers for the ledger tests: a config in a temporary folder and FormResults built by hand.

The workbooks written here set the fields the tests speak of; any other required
field gets a value from the form's schema (`adtools.forms.samples.complete`).
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from adtools.config import config_from_dict
from adtools.forms.catalog import FORMS
from adtools.forms.fill import fill_workbook
from adtools.forms.samples import complete
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


# --------------------------------------------------------------------------- real workbooks
WEEK = date(2026, 11, 2)  # a Monday


def _fill(cfg, form_id: str, rel: str, header: dict[str, Any], rows: list[dict[str, Any]], author: str) -> Path:
    """Write the form, every required field the test leaves out filled from the schema, at `rel` in the watch folder."""
    header, rows = complete(FORMS[form_id], cfg, header, rows, seed=rel)
    path = cfg.watch_dirs[0] / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    return fill_workbook(FORMS[form_id], cfg, header, rows, path, author=author)


def write_timesheet(cfg, rel: str, *, staff: str = "张伟", week: date = WEEK, hours=("7.5", "8"),
                    job_no: str = "HRFR-2026-001", author: str | None = None) -> Path:
    """A filled-in timesheet in the watch folder, written as a person would (forms.fill)."""
    from datetime import timedelta

    rows = [
        {"date": week + timedelta(days=i), "job_no": job_no, "category": "print_creative", "hours": Decimal(h),
         "description": f"海报设计 {i + 1}"}
        for i, h in enumerate(hours)
    ]
    dept = next((p["department"] for p in PEOPLE if p["name"] == staff), "account")
    return _fill(cfg, "timesheet", rel, {"staff": staff, "department": dept, "week_start": week}, rows, author or staff)


def write_work_order(cfg, rel: str, *, order_no: str = "WO-2026-001", job_no: str = "HRFR-2026-001",
                     author: str = "王芳") -> Path:
    header = {
        "order_no": order_no, "job_no": job_no, "brand": "海尔冰箱", "campaign": "春季促销", "order_type": "new",
        "issued_at": datetime(2026, 10, 30, 10, 0), "issued_by": "刘经理", "received_by": "王芳", "rush": False,
        "client_signed_by": "刘经理", "signed_on": date(2026, 10, 30),
    }
    rows = [{"deliverable": "creative_concept", "quantity": 1, "requested_due": date(2026, 11, 10)}]
    return _fill(cfg, "work_order", rel, header, rows, author)


def write_media_schedule(cfg, rel: str, grosses, *, author: str = "王芳") -> Path:
    header = {"campaign": "春季促销", "flight": "第一波", "flight_start": date(2026, 11, 2), "flight_end": date(2026, 11, 30),
              "scope": "national", "job_no": "HRFR-2026-001", "version": 1}
    rows = [
        {"media": "人民日报", "date": date(2026, 11, 3 + i), "size": "整版", "colour": "colour", "gross": Decimal(g),
         "discount": Decimal("0.35"), "status": "planned"}
        for i, g in enumerate(grosses)
    ]
    return _fill(cfg, "media_schedule", rel, header, rows, author)


CONFIG_TOML = """
[paths]
watch = ["inbox"]
ledger = "var/ledger.sqlite"
feedback = "var/feedback"
archive = "var/archive"
outbox = "var/outbox"
reports = "var/reports"

[intake]
settle_seconds = 0

[[people]]
name = "张伟"
email = "zhang.wei@agency.example"
department = "account"
aliases = ["zwei"]

[[people]]
name = "李娜"
email = "li.na@agency.example"
department = "creative"

[[people]]
name = "王芳"
email = "wang.fang@agency.example"
department = "account"
"""


def write_config_file(tmp_path: Path, *, intake: str = "") -> Path:
    """The same configuration as make_config, as a config.toml a subprocess can load (`intake`: more [intake] lines)."""
    p = tmp_path / "config.toml"
    p.write_text(CONFIG_TOML.replace("settle_seconds = 0\n", "settle_seconds = 0\n" + intake), encoding="utf-8")
    (tmp_path / "inbox").mkdir(exist_ok=True)
    return p
