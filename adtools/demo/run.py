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

from .. import clock, registry
from ..config import Config, load_config
from ..money import fmt_money
from ..workspace import init_workspace

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

    @property
    def story_day(self) -> date:
        """The day the demo's story runs up to: the last Friday, the day the Monday report covers."""

        return clock.last_friday(self.today)


@dataclass
class DemoResult:
    root: Path
    lines: list[DemoLine]

    def to_json(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "steps": [vars(line) for line in self.lines],
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

    from ..forms.catalog import FORMS
    from .inbox import write_demo_inbox
    from .story import demo_documents

    inbox = ctx.config.watch_dirs[0]
    written = set(write_demo_inbox(ctx.config, inbox, ctx.story_day))
    docs = demo_documents(ctx.config, ctx.story_day)
    ctx.state["quotes"] = [inbox.joinpath(*d.filename.split("/")) for d in docs if d.form_id == "quote"]
    per_form = Counter(d.form_id for d in docs)
    counts = "、".join(f"{FORMS[f].zh} {n}" for f, n in per_form.items())
    new = sum(inbox.joinpath(*d.filename.split("/")) in written for d in docs)
    kept = f"（保留已有 {len(docs) - new} kept）" if new < len(docs) else ""
    produced = f"{len(docs)} 个工作簿 workbooks, {len(per_form)} 种表格 forms{kept}: {counts}"
    return [DemoLine("样例表格 Sample workbooks", "", produced, _rel(inbox, ctx.root))]


def _rel(path: Path, root: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(path)


def _demo_now(ctx: DemoContext) -> datetime:
    """The demo's clock: 09:00 on its day, so every job of one run sees the same moment."""
    return datetime.combine(ctx.today, time(9, 0), tzinfo=ctx.config.tz)


def _step_ingest(ctx: DemoContext) -> list[DemoLine]:
    """The first job: read the workbooks of the watch folders into the ledger."""
    from ..tasks import ingest_task

    # the demo's workbooks were written a moment ago and are complete: no settling time
    cfg = replace(ctx.config, intake=replace(ctx.config.intake, settle_seconds=0))
    result = ingest_task(cfg, now=_demo_now(ctx))
    s = result.summary
    watch = ", ".join(_rel(w, ctx.root) for w in cfg.watch_dirs)
    produced = (
        f"读入 ingested {s['ingested']}, 未变 unchanged {s['unchanged']}, 重复 duplicate {s['duplicate']}, "
        f"退回 rejected {s['rejected']}, 被取代 superseded {s['superseded']}, 跳过 skipped {s['skipped']}"
    )
    lines = [DemoLine("读入 Ingest", f"{s['scanned']} 个文件 files: {watch}", produced, _rel(cfg.path(cfg.paths.ledger), ctx.root))]
    if s["rejected"]:
        lines.append(DemoLine("反馈 Feedback", f"{s['rejected']} 个退回 rejected", "反馈表格 feedback workbooks",
                              _rel(cfg.feedback_dir, ctx.root)))
    return lines


def _report_line(ctx: DemoContext, step: str, result, figures: str) -> list[DemoLine]:  # noqa: ANN001
    if result.status != "ok":
        return [DemoLine(step, "", f"失败 failed: {result.error}", "")]
    queued = f"已排队邮件 mail queued #{', #'.join(map(str, result.queued))}" if result.queued else "邮件已在发件箱 mail already queued"
    files = ", ".join(_rel(p, ctx.root) for p in result.files)
    return [DemoLine(step, f"台账 ledger, {result.period}", f"{figures}; {queued}", files)]


def _report_step(job: registry.Job) -> Callable[[DemoContext], list[DemoLine]]:
    """A registered report job, run at the demo's moment, each of its reports queued to its recipients."""
    declared = registry.reports_of_job(job.name)

    def step(ctx: DemoContext) -> list[DemoLine]:
        from ..tasks import TaskResult, run_task

        result = run_task(job.name, ctx.config, now=_demo_now(ctx))
        if result.status == "done":  # made and queued by an earlier run: nothing made or sent again
            return [DemoLine(declared[0].title, f"台账 ledger, {result.period}",
                             "本期已完成 already done for this period; 邮件已在发件箱 mail already queued", "")]
        if not any(r.due for r in declared):
            return _report_line(ctx, declared[0].title, result, registry.resolve(declared[0].headline)(result.summary))
        lines = []  # a job that sends what falls due (each monitoring part, each flight): a line per report
        for r in declared:
            mine = [d for d in result.summary.get("due", []) if d.get("report") == r.key]
            part = TaskResult(result.job, result.period, result.status, result.summary,
                              files=[Path(f) for d in mine for f in d.get("files", ())],
                              queued=[d["mail_id"] for d in mine if d.get("mail_id") is not None], error=result.error)
            summary = result.summary.get("by_report", {}).get(r.key)
            sent_before = [d["period"] for d in mine if d.get("queued") == "sent before"]
            figures = (registry.resolve(r.headline)(summary) if summary
                       else f"已发送 sent before: {', '.join(sent_before)}" if sent_before else "未到期 nothing due")
            lines += _report_line(ctx, r.title, part, figures)
        return lines

    keys = ", ".join(r.key for r in declared)
    step.__doc__ = f"{declared[0].title}: the job {job.name}, queued to [mail.recipients] {keys}."
    return step


def _step_quotes(ctx: DemoContext) -> list[DemoLine]:
    """Price the demo's filled-in quotes into client-facing quotes to print and sign."""
    from ..reports.quote import price_quote_file

    lines = []
    for src in ctx.state.get("quotes", []):
        priced, out = price_quote_file(ctx.config, src)
        lines.append(DemoLine("报价 Priced quote", _rel(src, ctx.root),
                              f"{priced.job_no} v{priced.version} 合计 total {fmt_money(priced.total)}", _rel(out, ctx.root)))
    return lines


def _step_mail(ctx: DemoContext) -> list[DemoLine]:
    """Deliver the queued mail; the demo's transport is the file outbox (.eml files)."""
    from ..tasks import mail_flush_task

    result = mail_flush_task(ctx.config, now=_demo_now(ctx))
    sent = result.summary.get("sent", 0)
    where = _rel(ctx.config.outbox_dir, ctx.root) if ctx.config.mail.transport == "file" else ctx.config.mail.transport
    produced = f"发出 sent {sent} 封 messages" if result.status == "ok" else f"失败 failed: {result.error}"
    return [DemoLine("邮件 Mail", f"发件箱 outbox ({ctx.config.mail.transport})", produced, where)]


def _step_dashboard(ctx: DemoContext) -> list[DemoLine]:
    """The dashboard job, last: the workbook managers open on the shared drive, after every other job ran."""
    from ..tasks import dashboard_task

    result = dashboard_task(ctx.config, now=_demo_now(ctx))
    produced = "看板已更新 dashboard written" if result.summary.get("written") else f"未写入 not written: {result.error or ''}"
    return [DemoLine("看板 Dashboard", "台账 ledger, 发件箱 outbox, 任务 job runs", produced,
                     _rel(ctx.config.dashboard_path, ctx.root))]


# ingest is the first job: it runs right after the sample workbooks are written
DEMO_STEPS: list[tuple[str, Callable[[DemoContext], list[DemoLine]]]] = [
    ("workspace", _step_workspace),
    ("samples", _step_samples),
    ("ingest", _step_ingest),
    *((j.name, _report_step(j)) for j in registry.JOBS if j.reports),  # every registered report, by its job
    ("quotes", _step_quotes),
    ("mail", _step_mail),
    ("dashboard", _step_dashboard),
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
    text = None
    if config_path is not None:
        load_config(config_path)  # refuse a bad config before touching anything
        text = Path(config_path).read_text(encoding="utf-8")
    progress("准备工作文件夹 preparing the workspace")
    ws = init_workspace(Path(root), overwrite_config=text is not None, config_text=text)
    today = today or clock.today(ws.config.tz)
    ctx = DemoContext(root=ws.root, config=ws.config, today=today, progress=progress)
    lines: list[DemoLine] = []
    for name, step in DEMO_STEPS:
        progress(f"{name}")
        lines.extend(step(ctx))
    return DemoResult(root=ws.root, lines=lines)
