"""`adtools demo` on a temporary folder: a workspace whose inbox holds the story's workbooks."""
from __future__ import annotations

from datetime import date

import openpyxl

from adtools.demo import DEMO_STEPS, run_demo
from adtools.forms.catalog import FORMS
from adtools.demo.story import demo_documents
from adtools.workflow import last_friday

TODAY = date(2026, 11, 26)
STORY = last_friday(TODAY)  # the demo's story runs up to the day the Monday report covers


def test_demo_writes_the_inbox(demo_built):
    result = demo_built.result
    inbox = result.root / "inbox"
    docs = demo_documents(_config(result.root), STORY)
    files = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*.xlsx"))
    assert files == sorted(d.filename for d in docs)
    assert not list(inbox.rglob("*.tmp"))
    (line,) = [ln for ln in result.lines if ln.step.startswith("样例表格")]
    assert line.produced.startswith(f"{len(docs)} 个工作簿 workbooks, {len(FORMS)} 种表格 forms")
    assert f"工时表 {sum(d.form_id == 'timesheet' for d in docs)}" in line.produced
    assert line.where == "inbox"
    wb = openpyxl.load_workbook(inbox / "account" / "客户确认单_2026.xlsx")
    assert wb.worksheets[0].title == FORMS["sign_off"].sheet_name


def test_demo_twice_keeps_the_inbox(demo_workspace):
    first = demo_workspace.result
    inbox = first.root / "inbox"
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in inbox.rglob("*.xlsx")}
    second = run_demo(first.root, today=TODAY)
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in inbox.rglob("*.xlsx")}
    assert after == before
    assert all("kept" in ln.produced for ln in second.lines if ln.step.startswith("样例表格"))


def test_samples_step_follows_workspace():
    names = [name for name, _ in DEMO_STEPS]
    assert names.index("samples") == names.index("workspace") + 1


def _config(root):
    from adtools.config import load_config

    return load_config(root / "config.toml")
