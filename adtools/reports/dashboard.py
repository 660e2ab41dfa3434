"""The dashboard workbook (看板 Dashboard.xlsx) on the shared drive: what needs someone's attention now.

Managers and staff open it in Excel instead of asking the ledger: open
deliverables by owner and due date, sign-offs awaiting the client, budget
consumed per job, missing timesheets of this week and last, rejected files
waiting for a fix (who, since when), the outbox (queued and failed mail) and the
last run of each job.  `adtools.tasks` gathers the figures (from the workflow
and fee calculators, the ledger and the outbox) into `DashboardInputs`; this
module only lays them out.  The file is written atomically by ReportWorkbook
(a reader opening it mid-write sees the old file or the new one, never half).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import pandas as pd

from ..forms.catalog import DELIVERABLE_LABELS
from ..workflow import DOCUMENT_LABELS
from ._labels import DEPARTMENT_LABELS, label
from .xlsx import AMBER, RED, Column, ReportWorkbook

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["DashboardInputs", "render_dashboard", "DASHBOARD_STATUS"]

DASHBOARD_STATUS = {
    "overdue": ("逾期", "overdue"),
    "due_soon": ("即将到期", "due soon"),
    "open": ("进行中", "open"),
    "ok": ("正常", "OK"),
    "warning": ("接近报价", "near the quote"),
    "over": ("超出报价", "over the quote"),
    "no_quote": ("无确认报价", "no approved quote"),
    "queued": ("待发送", "queued"),
    "sending": ("发送中", "sending"),
    "failed": ("失败", "failed"),
    "sent": ("已发送", "sent"),
    "running": ("运行中", "running"),
    "interrupted": ("中断", "interrupted"),
}


@dataclass(frozen=True)
class DashboardInputs:
    """What the dashboard shows, gathered by `adtools.tasks.write_dashboard` (figures computed there, not here)."""

    now: datetime  # when it was made (config time zone)
    open_deliverables: pd.DataFrame  # workflow deadlines, open lines (status open / due_soon / overdue)
    awaiting_client: pd.DataFrame  # pending sign-offs with working_days_waiting, past_sla (bool)
    budget: pd.DataFrame  # fees budget: job_no, approved, actual, share, status
    missing_timesheets: Sequence[tuple[str, date]]  # (staff, week start)
    rejected: Sequence[dict[str, Any]]  # who, file, since, reason, errors
    outbox: Sequence[dict[str, Any]]  # id, subject, state, attempts, last_error, created_at, next_attempt_at
    runs: Sequence[dict[str, Any]]  # job, summary, last_ok (finished_at, period), last (status, finished_at)
    warnings: tuple[str, ...] = field(default_factory=tuple)
    rights: Mapping[str, int] | None = None  # adtools.rights.rights_counts: expiring, expired_in_use


def _records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    return [] if df is None or df.empty else df.to_dict("records")


DELIVERABLE_COLUMNS = (
    Column("received_by", "负责人", "Owner", width=10),
    Column("target", "目标日期", "Due", "date", 12),
    Column("job_no", "工作编号", "Job No.", width=16),
    Column("deliverable_label", "工作项目", "Deliverable", width=30),
    Column("status_label", "状态", "Status", width=14),
    Column("working_days_late", "逾期工作日", "Working days late", "int", 10),
    Column("working_days_left", "剩余工作日", "Working days left", "int", 10),
    Column("source", "来源", "Source", width=36),
)
AWAITING_COLUMNS = (
    Column("job_no", "工作编号", "Job No.", width=16),
    Column("document_label", "确认文件", "Document", width=30),
    Column("version", "版本", "Version", "int", 8),
    Column("submitted_on", "提交日期", "Submitted on", "date", 12),
    Column("working_days_waiting", "等待工作日", "Working days waiting", "int", 11),
    Column("source", "来源", "Source", width=36),
)
BUDGET_COLUMNS = (
    Column("job_no", "工作编号", "Job No.", width=18),
    Column("approved", "已确认报价", "Approved quote", "money", 15),
    Column("actual", "累计收费(含税)", "Billed to date (incl. tax)", "money", 17),
    Column("share", "已用比例", "Share used", "percent", 12),
    Column("status_label", "状态", "Status", width=22),
)
MISSING_COLUMNS = (
    Column("staff", "员工", "Staff", width=12),
    Column("department_label", "部门", "Department", width=18),
    Column("week_start", "周起始日", "Week starting", "date", 13),
)
REJECTED_COLUMNS = (
    Column("who", "提交人", "Who", width=12),
    Column("since", "退回时间", "Rejected since", "datetime", 17),
    Column("file", "文件", "File", width=40),
    Column("errors", "错误数", "Errors", "int", 8),
    Column("reason", "原因", "Reason", width=50),
)
OUTBOX_COLUMNS = (
    Column("id", "编号", "No.", "int", 7),
    Column("state_label", "状态", "State", width=12),
    Column("subject", "主题", "Subject", width=46),
    Column("attempts", "尝试次数", "Attempts", "int", 9),
    Column("created_at", "排队时间", "Queued at", "datetime", 17),
    Column("next_attempt_at", "下次尝试", "Next attempt", "datetime", 17),
    Column("last_error", "最近错误", "Last error", width=40),
)
RUN_COLUMNS = (
    Column("job", "任务", "Job", width=16),
    Column("summary", "说明", "What it does", width=40),
    Column("last_ok_at", "最近成功", "Last success", "datetime", 17),
    Column("last_ok_period", "期间", "Period", width=17),
    Column("last_status_label", "最近一次", "Last run", width=14),
    Column("last_at", "最近运行", "Last run at", "datetime", 17),
)


def _local(value: Any, cfg: "Config") -> Any:
    """An aware moment as the config's wall-clock time (Excel has no time zones)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(cfg.tz).replace(tzinfo=None)
    return value


def render_dashboard(cfg: "Config", inputs: DashboardInputs, path: Path) -> Path:
    """Write the dashboard workbook to `path` (atomically) and return it."""
    deliverables = sorted(
        ({**r, "deliverable_label": label(DELIVERABLE_LABELS, r.get("deliverable")),
          "status_label": label(DASHBOARD_STATUS, r.get("status"))} for r in _records(inputs.open_deliverables)),
        key=lambda r: (str(r.get("received_by") or ""), pd.Timestamp(r["target"]) if r.get("target") is not None
                       and not pd.isna(r.get("target")) else pd.Timestamp.max),
    )
    awaiting = [{**r, "document_label": label(DOCUMENT_LABELS, r.get("document"))} for r in _records(inputs.awaiting_client)]
    budget = [{**r, "status_label": label(DASHBOARD_STATUS, r.get("status"))} for r in _records(inputs.budget)]
    missing = []
    for staff, week in inputs.missing_timesheets:
        person = cfg.person(staff)
        missing.append({"staff": staff, "week_start": week,
                        "department_label": label(DEPARTMENT_LABELS, person.department) if person is not None else ""})
    rejected = [{**r, "since": _local(r.get("since"), cfg)} for r in inputs.rejected]
    outbox = [{**r, "state_label": label(DASHBOARD_STATUS, r.get("state")), "created_at": _local(r.get("created_at"), cfg),
               "next_attempt_at": _local(r.get("next_attempt_at"), cfg) if r.get("state") == "queued" else None}
              for r in inputs.outbox]
    runs = [{**r, "last_ok_at": _local(r.get("last_ok_at"), cfg), "last_at": _local(r.get("last_at"), cfg),
             "last_status_label": label(DASHBOARD_STATUS, r.get("last_status"))} for r in inputs.runs]

    overdue = sum(r["status"] == "overdue" for r in deliverables)
    late_sign_offs = sum(bool(r.get("past_sla")) for r in awaiting)
    near = sum(r["status"] in ("warning", "over") for r in budget)
    failed = sum(r["state"] == "failed" for r in outbox)
    failed_runs = sum(r.get("last_status") not in (None, "ok", "running") for r in runs)
    made = inputs.now.astimezone(cfg.tz).replace(tzinfo=None)
    title = f"{cfg.client.product} 看板 / Dashboard"
    with ReportWorkbook(path, title=title, author=cfg.agency.name) as wb:
        pairs = [
            ("更新时间 Updated at", made, "datetime"),
            ("未完成交付 Open deliverables", len(deliverables), "int"),
            ("  其中逾期 of which overdue", overdue, "int"),
            ("待客户确认 Sign-offs awaiting the client", len(awaiting), "int"),
            (f"  其中超过 {cfg.sla.client_response_days} 个工作日 of which past "
             f"{cfg.sla.client_response_days} working days", late_sign_offs, "int"),
            ("接近或超出报价的工作 Jobs near or over their quote", near, "int"),
            ("缺交工时表（本周及上周）Missing timesheets (this week and last)", len(missing), "int"),
            ("退回待修改的文件 Rejected files waiting for a fix", len(rejected), "int"),
            ("发件箱：待发送 Outbox: queued", sum(r["state"] in ("queued", "sending") for r in outbox), "int"),
            ("发件箱：失败 Outbox: failed", failed, "int"),
            ("上次运行未成功的任务 Jobs whose last run did not succeed", failed_runs, "int"),
            *(((f"授权即将到期（{cfg.sla.rights_alert_days} 天内）Rights ending within {cfg.sla.rights_alert_days} days",
                inputs.rights["expiring"], "int"),
               ("授权到期后仍排期刊登 Insertions booked after their rights ended", inputs.rights["expired_in_use"], "int"))
              if inputs.rights is not None else ()),
            *(("注意 Warning", w, "text") for w in inputs.warnings),
        ]
        ws, _ = wb.key_values("看板 Overview", title, pairs,
                              subtitle="每 10 分钟及每次读入后更新；其余各页为明细。 / Rewritten every 10 minutes and after "
                                       "each ingest; the other sheets hold the detail.")
        ws.fit_to_pages(1, 1)
        wb.table("交付 Deliverables", DELIVERABLE_COLUMNS, deliverables,
                 title="未完成交付（按负责人及目标日期）Open deliverables by owner and due date",
                 subtitle="红色 = 逾期 overdue；黄色 = 两个工作日内到期 due within 2 working days",
                 row_formats=[RED if r["status"] == "overdue" else AMBER if r["status"] == "due_soon" else None
                              for r in deliverables], excel_table=True)
        wb.table("待确认 Awaiting client", AWAITING_COLUMNS, awaiting,
                 title="待客户确认的文件 Sign-offs awaiting the client",
                 subtitle=f"黄色 = 超过 {cfg.sla.client_response_days} 个工作日 / amber = more than "
                          f"{cfg.sla.client_response_days} working days",
                 row_formats=[AMBER if r.get("past_sla") else None for r in awaiting])
        ws, first, _ = wb.table("预算 Budget", BUDGET_COLUMNS, budget,
                                title="各工作报价使用情况 Budget consumed per job",
                                subtitle="已确认报价与截至本月的累计收费 / approved quote against billed to date")
        wb.share_bars(ws, [(r.get("share"), r.get("status")) for r in budget], first,
                      [c.key for c in BUDGET_COLUMNS].index("share"))
        wb.table("工时表 Timesheets", MISSING_COLUMNS, missing,
                 title="缺交的工时表（本周及上周）Timesheets not received (this week and last)")
        wb.table("退回 Rejected", REJECTED_COLUMNS, rejected,
                 title="退回待修改的文件 Rejected files waiting for a fix",
                 subtitle="提交人已收到反馈表格；修改后保存即可重新读入。 / Their authors got a feedback workbook; "
                          "a fixed file saved again is read again.", row_formats=[AMBER] * len(rejected))
        wb.table("发件箱 Outbox", OUTBOX_COLUMNS, outbox, title="待发送及失败的邮件 Mail queued or failed",
                 row_formats=[RED if r["state"] == "failed" else None for r in outbox])
        wb.table("任务 Jobs", RUN_COLUMNS, runs, title="各任务的最近运行 The last run of each job",
                 row_formats=[RED if r.get("last_status") not in (None, "ok", "running") else None for r in runs])
    return path
