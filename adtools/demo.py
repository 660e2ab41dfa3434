"""`adtools demo`: a workspace with a season of realistic workbooks, and every job run on it.

Each area adds one step to DEMO_STEPS; a step returns rows of the closing table.
The demo is deterministic for a given `today` (tests pass one).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Callable

from .config import Config, load_config
from .workspace import init_workspace

__all__ = ["DemoContext", "DemoLine", "DemoResult", "DEMO_STEPS", "run_demo"]

log = logging.getLogger("adtools.demo")


@dataclass(frozen=True)
class DemoLine:
    step: str
    read: str = ""
    produced: str = ""
    where: str = ""


@dataclass
class DemoContext:
    root: Path
    config: Config
    today: date
    progress: Callable[[str], None]
    state: dict[str, Any] = field(default_factory=dict)  # what a step leaves for later steps


@dataclass
class DemoResult:
    root: Path
    lines: list[DemoLine]
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "steps": [vars(line) for line in self.lines],
            "notes": self.notes,
        }


def _step_workspace(ctx: DemoContext) -> list[DemoLine]:
    return [DemoLine("工作文件夹 Workspace", "", "config.toml, folders", str(ctx.root))]


def _step_samples(ctx: DemoContext) -> list[DemoLine]:
    """Write the demo's filled-in workbooks into the first watch folder.

    Only workbooks that are absent are written: a second `adtools demo` run leaves
    the inbox as it is (ingest then finds nothing new), and a workbook someone
    opened and edited is never overwritten.  Delete a file to get it back.
    """
    from collections import Counter

    from .forms.catalog import FORMS
    from .forms.fill import write_demo_inbox
    from .forms.samples import demo_documents

    if not ctx.config.watch_dirs:
        return [DemoLine("样例表格 Sample workbooks", "", "无监视文件夹 no [paths] watch folder", "")]
    inbox = ctx.config.watch_dirs[0]
    written = set(write_demo_inbox(ctx.config, inbox, ctx.today))
    ctx.state["inbox"] = inbox
    lines = []
    docs = demo_documents(ctx.config, ctx.today)
    per_form = Counter(d.form_id for d in docs)
    for form_id, form in FORMS.items():
        mine = [d for d in docs if d.form_id == form_id]
        new = sum(inbox.joinpath(*d.filename.split("/")) in written for d in mine)
        folders = sorted({d.filename.rsplit("/", 1)[0] for d in mine})
        where = ", ".join(_rel(inbox / f, ctx.root) for f in folders)
        done = f"{per_form[form_id]} × {form.zh} {form.en}"
        if new < per_form[form_id]:
            done += f"（新 {new} new, 保留 {per_form[form_id] - new} kept）"
        lines.append(DemoLine("样例表格 Sample workbooks", "", done, where))
    return lines


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _step_ingest(ctx: DemoContext) -> list[DemoLine]:
    """The first job: read the workbooks of the watch folders into the ledger."""
    from .ledger.ingest import ingest

    # the demo's workbooks were written a moment ago and are complete: no settling time
    cfg = replace(ctx.config, intake=replace(ctx.config.intake, settle_seconds=0))
    summary = ingest(cfg, now=datetime.combine(ctx.today, time(8, 0), tzinfo=cfg.tz))
    ctx.state["ingest"] = summary
    watch = ", ".join(str(w) for w in cfg.watch_dirs)
    produced = (
        f"读入 ingested {summary.ingested}, 未变 unchanged {summary.unchanged}, 重复 duplicate {summary.duplicate}, "
        f"退回 rejected {summary.rejected}, 被取代 superseded {summary.superseded}, 跳过 skipped {summary.skipped}"
    )
    lines = [DemoLine("读入 Ingest", f"{summary.scanned} 个文件 files: {watch}", produced, cfg.paths.ledger)]
    if summary.rejected:
        lines.append(DemoLine("反馈 Feedback", f"{summary.rejected} 个退回 rejected", "反馈表格 feedback workbooks", str(cfg.feedback_dir)))
    return lines


# ingest is the first job: it runs right after the sample workbooks are written
DEMO_STEPS: list[tuple[str, Callable[[DemoContext], list[DemoLine]]]] = [
    ("workspace", _step_workspace),
    ("samples", _step_samples),
    ("ingest", _step_ingest),
]


def run_demo(
    root: Path,
    *,
    today: date | None = None,
    config_path: Path | None = None,
    progress: Callable[[str], None] = lambda m: None,
) -> DemoResult:
    """Make (or refresh) the demo workspace at `root` and run every step on it.

    With `config_path`, that config (checked first) becomes the workspace's
    config.toml, its relative paths then pointing inside the workspace.
    """
    progress("准备工作文件夹 preparing the workspace")
    text = None
    if config_path is not None:
        load_config(config_path)  # refuse a bad config before touching anything
        text = Path(config_path).read_text(encoding="utf-8")
    ws = init_workspace(Path(root), overwrite_config=text is not None, config_text=text)
    ctx = DemoContext(root=ws.root, config=ws.config, today=today or date.today(), progress=progress)
    lines: list[DemoLine] = []
    notes = list(ws.notes)
    for name, step in DEMO_STEPS:
        progress(f"{name}")
        lines.extend(step(ctx))
    if {name for name, _ in DEMO_STEPS} <= {"workspace", "samples"}:
        notes.append("读入、报告和邮件尚未实现 / ingest, reports and mail are not built yet")
    return DemoResult(root=ws.root, lines=lines, notes=notes)
