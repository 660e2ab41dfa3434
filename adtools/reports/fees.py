"""The monthly fee statement (收费清单): workbook, mail body and JSON of a computed FeeStatement.

Every figure comes from `adtools.fees.fee_statement`; this module only renders
it.  Totals are written as the values fees.py computed (exact, never Excel
formulas), and every charged line carries the cells it came from, so finance
can trace any figure to `[file.xlsx]工时表!D7`.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..fees import MONEY_KEYS, FeeStatement, fee_statement, month_bounds
from .. import clock
from ..money import fmt2, fmt_money
from ._labels import DEPARTMENT_LABELS, HOURS_LABELS, LINE_TYPE_LABELS, category_label, label
from ._text import file_part, percent
from .base import ReportResult, report_subject
from .html import (Figure, figures_html, figures_text, html_document, paragraph, rows_html, signature_html,
                   signature_text)
from .xlsx import AMBER, CHART_COLOURS, RED, Column, ReportWorkbook

if TYPE_CHECKING:
    from ..config import Config
    from ..ledger.store import Ledger

KEY = "fees"  # this report's key in adtools.registry (its command, recipients and folder)

__all__ = ["KEY", "render_fees", "build_fees", "fees_path", "fees_subject", "show", "headline"]

log = logging.getLogger("adtools.reports.fees")

_TOPIC = "收费清单"
#: source cells named on a charged line; the rest are on the Hours detail sheet, by line number
#: (a cell of hundreds of references is unreadable, and too tall to print)
_MAX_SOURCES = 5
_STATUS = {
    "ok": ("正常", "OK"),
    "warning": ("接近报价", "Near the approved quote"),
    "over": ("超出报价", "Over the approved quote"),
    "no_quote": ("无确认报价", "No approved quote"),
}
_YES_NO = {True: "是 Yes", False: "否 No"}

JOB_COLUMNS = (
    Column("job_no", "工作编号", "Job No.", width=18),
    Column("hours", "计费小时", "Billable hours", "hours", 11),
    Column("hours_fee", "工时费", "Hours fee", "money", 14),
    Column("film", "软片费", "Film", "money", 13),
    Column("costs", "外付成本", "Out-of-pocket costs", "money", 14),
    Column("postage", "邮寄费", "Postage", "money", 12),
    Column("subtotal", "小计", "Subtotal", "money", 14),
    Column("tax", "税金", "Tax", "money", 13),
    Column("total", "合计", "Total", "money", 15),
)
LINE_COLUMNS = (
    Column("line_no", "行号", "Line", "int", 6),
    Column("job_no", "工作编号", "Job No.", width=16),
    Column("line_type_label", "类型", "Line type", width=14),
    Column("category_label", "类别", "Category", width=24),
    Column("date", "日期", "Date", "date", 11),
    Column("description", "供应商/说明", "Vendor / description", width=16),
    Column("hours", "小时", "Hours", "hours", 8),
    Column("rate", "费率(元/小时)", "Rate (RMB/h)", "money", 12),
    Column("width_cm", "宽(厘米)", "Width (cm)", "decimal", 9),
    Column("height_cm", "高(厘米)", "Height (cm)", "decimal", 9),
    Column("quantity", "数量", "Qty", "int", 6),
    Column("actual", "实际金额", "Actual amount", "money", 13),
    Column("amount", "收费金额", "Charged", "money", 13),
    Column("rows", "来源行数", "Source rows", "int", 8),
    Column("sources_text", "来源单元格", "Source cells", width=50),
)
DETAIL_COLUMNS = (
    Column("staff", "员工", "Staff", width=10),
    Column("date", "日期", "Date", "date", 11),
    Column("week_start", "周起始日", "Week starting", "date", 11),
    Column("job_no", "工作编号", "Job No.", width=16),
    Column("category_label", "工作类别", "Category", width=26),
    Column("hours", "小时", "Hours", "hours", 8),
    Column("billable_label", "计费", "Billable", width=8),
    Column("rate", "费率(元/小时)", "Rate (RMB/h)", "money", 12),
    Column("line_no", "收费行号", "Charged on line", "int", 9),
    Column("source", "来源", "Source", width=50),
)
BUDGET_COLUMNS = (
    Column("job_no", "工作编号", "Job No.", width=18),
    Column("approved", "已确认报价", "Approved quote", "money", 15),
    Column("actual", "累计收费(含税)", "Billed to date (incl. tax)", "money", 17),
    Column("share", "已用比例", "Share used", "percent", 10),
    Column("status_label", "状态", "Status", width=26),
)
MISSING_COLUMNS = (
    Column("staff", "员工", "Staff", width=12),
    Column("department_label", "部门", "Department", width=16),
    Column("week_start", "周起始日", "Week starting", "date", 13),
    Column("week_end", "周末", "Week ending", "date", 13),
)
WARNING_COLUMNS = (Column("warning", "注意事项", "Warning", width=140),)


# --------------------------------------------------------------------------- names
def fees_path(cfg: "Config", month: str, job: str | None = None, out_dir: Path | None = None) -> Path:
    """`<reports>/fees/收费清单_fees_2026-11[_HRFR-2026-001].xlsx`."""
    folder = Path(out_dir) if out_dir is not None else cfg.reports_dir / KEY
    suffix = f"_{file_part(job, 'job')}" if job else ""
    return folder / f"收费清单_fees_{month}{suffix}.xlsx"


def fees_subject(cfg: "Config", month: str, job: str | None = None) -> str:
    """`【收费清单 Fees】海尔冰箱 收费清单 2026-11`; a one-job statement names the job before the month."""
    return report_subject(cfg, KEY, month, f"{_TOPIC} {job}" if job else None)


# --------------------------------------------------------------------------- rows for the sheets
def _records(df: pd.DataFrame | None) -> list[dict[str, Any]]:
    return [] if df is None or df.empty else df.to_dict("records")


def _sources_text(sources: Any, line_no: Any) -> str:
    """The first cells of a line, one per line of text; the count of the others and where they are."""
    if not isinstance(sources, (tuple, list)):
        return ""
    shown = list(sources[:_MAX_SOURCES])
    rest = len(sources) - len(shown)
    if rest > 0:
        shown.append(f"… +{rest}：见「工时明细」收费行号 {line_no} / see Hours detail, line {line_no}")
    return "\n".join(shown)


def _line_rows(statement: FeeStatement) -> list[dict[str, Any]]:
    rows = []
    for r in _records(statement.lines):
        rows.append({
            **r,
            "line_type_label": label(LINE_TYPE_LABELS, r.get("line_type")),
            "category_label": category_label(r.get("line_type"), r.get("category")),
            "sources_text": _sources_text(r.get("sources"), r.get("line_no")),
        })
    return rows


def _detail_rows(statement: FeeStatement) -> list[dict[str, Any]]:
    return [
        {**r, "category_label": category_label("hours", r.get("category")), "billable_label": _YES_NO[bool(r.get("billable"))]}
        for r in _records(statement.hours_detail)
    ]


def _staff_columns(statement: FeeStatement) -> tuple[Column, ...]:
    fixed = {"staff", "total", "billable", "billable_share"}
    cats = [c for c in statement.hours_by_staff.columns if c not in fixed]
    return (
        Column("staff", "员工", "Staff", width=12),
        *(Column(c, *HOURS_LABELS.get(c, (c, c)), "hours", 13) for c in cats),
        Column("total", "总小时", "Total hours", "hours", 10),
        Column("billable", "计费小时", "Billable hours", "hours", 10),
        Column("billable_share", "计费比例", "Billable share", "percent", 10),
    )


def _budget_rows(statement: FeeStatement) -> list[dict[str, Any]]:
    return [{**r, "status_label": label(_STATUS, r.get("status"))} for r in _records(statement.budget)]


def _missing_rows(cfg: "Config", statement: FeeStatement) -> list[dict[str, Any]]:
    rows = []
    for staff, week in statement.missing_timesheets:
        person = cfg.person(staff)
        rows.append({
            "staff": staff,
            "department_label": label(DEPARTMENT_LABELS, person.department) if person is not None else "",
            "week_start": week,
            "week_end": week + timedelta(days=6),
        })
    return rows


def _row_colour(status: Any) -> dict[str, str] | None:
    return RED if status == "over" else AMBER if status == "warning" else None


# --------------------------------------------------------------------------- the workbook
def _write_workbook(
    cfg: "Config", statement: FeeStatement, jobs: list[dict[str, Any]], budget: list[dict[str, Any]], path: Path,
    title_zh: str, title_en: str,
) -> None:
    tax_pct = percent(cfg.fees.tax_rate)
    heading = f"{cfg.agency.name} → {cfg.client.name} · 人民币 {statement.currency} · 税率 Tax rate {tax_pct}"
    with ReportWorkbook(path, title=f"{title_zh} / {title_en}", author=cfg.agency.name) as wb:
        ws, first, n = wb.table("汇总 Summary", JOB_COLUMNS, jobs, title=f"{title_zh} / {title_en}", subtitle=heading)
        r = first + max(n, 1)
        bold = {"bold": True, "top": 1, "bottom": 6}
        wb.write(ws, r, 0, "合计 Total", "text", wb.fmt(**bold))
        for c, col in enumerate(JOB_COLUMNS[1:], 1):
            wb.write(ws, r, c, statement.totals[col.key], col.kind, wb.kind_fmt(col.kind, **bold))
        r += 2
        over = statement.over_budget
        for text, value, kind in (
            ("非计费工时 Non-billable hours", statement.non_billable_hours, "hours"),
            ("缺交工时表（人·周）Missing timesheets (person-weeks)", len(statement.missing_timesheets), "int"),
            ("超出确认报价的工作 Jobs over their approved quote", len(over), "int"),
            ("注意事项 Warnings", len(statement.warnings), "int"),
        ):
            ws.write_string(r, 0, text, wb.label_fmt)
            wb.write(ws, r, len(JOB_COLUMNS) - 1, value, kind)
            r += 1
        ws.write_string(r + 1, 0, "合计为各工作金额之和；税金按工作分别四舍五入。 / Totals are the sums of the jobs' figures; "
                        "tax is rounded half up per job.", wb.subtitle_fmt)

        ws, first, n = wb.table(
            "收费明细 Lines", LINE_COLUMNS, _line_rows(statement), title="收费明细 Charged lines", excel_table=True,
            subtitle="每行金额来自所列单元格；工时行的每个单元格见「工时明细」。 / Each amount comes from the cells listed; "
                     "every timesheet cell of an hours line is on the Hours detail sheet.")
        r = first + max(n, 1)
        keys = [c.key for c in LINE_COLUMNS]
        wb.write(ws, r, 0, "合计 Total", "text", wb.fmt(**bold))
        for key, value in (("hours", statement.totals["hours"]), ("amount", statement.totals["subtotal"])):
            col = LINE_COLUMNS[keys.index(key)]
            wb.write(ws, r, keys.index(key), value, col.kind, wb.kind_fmt(col.kind, **bold))
        detail = _detail_rows(statement)
        wb.table("工时明细 Hours detail", DETAIL_COLUMNS, detail, title="工时明细 Timesheet rows of the month", excel_table=True,
                 subtitle="非计费和未收费的工时也列出（无收费行号）。 / Non-billable and uncharged hours are listed too (no line).")
        staff_columns = _staff_columns(statement)
        ws, first, n = wb.table("员工工时 Hours by staff", staff_columns, _records(statement.hours_by_staff),
                                title="员工工时（按类别）Hours by staff and category")
        _hours_charts(wb, ws, staff_columns, first, n)
        ws, first, n = wb.table("预算对比 Estimate vs actual", BUDGET_COLUMNS, budget,
                                title="已确认报价与实际收费 Approved quote against billed to date",
                                subtitle=f"黄色 = 已达报价的 {percent(cfg.fees.budget_warning)}；红色 = 超出报价 / "
                                         f"amber = {percent(cfg.fees.budget_warning)} of the quote reached; red = over the quote",
                                row_formats=[_row_colour(b["status"]) for b in budget])
        wb.share_bars(ws, [(b["share"], b["status"]) for b in budget], first, [c.key for c in BUDGET_COLUMNS].index("share"))
        wb.table("缺交工时表 Missing timesheets", MISSING_COLUMNS, _missing_rows(cfg, statement),
                 title="缺交的工时表 Timesheets not received",
                 subtitle="本月有工作日的每一周（自星期一起） / every week, starting Monday, with a working day in the month")
        wb.table("注意 Warnings", WARNING_COLUMNS, [{"warning": w} for w in statement.warnings],
                 title="注意事项 Warnings")


def _hours_charts(wb: ReportWorkbook, ws, columns: tuple[Column, ...], first: int, n: int) -> None:  # noqa: ANN001
    """Below the table of hours by staff: hours by staff (bars stacked by category) and by category (by staff).

    Both charts read the table's own cells; nothing is added up here.
    """
    if n == 0:
        return
    cats = [i for i, c in enumerate(columns) if c.key not in ("staff", "total", "billable", "billable_share")]
    if not cats:
        return
    name, head, last = ws.name, first - 1, first + n - 1
    below = last + 3
    wb.bar_chart(  # one bar per person, stacked by category
        ws, at=(below, 0), title="员工工时 Hours by staff", horizontal=True, y_title="小时 Hours",
        categories=[name, first, 0, last, 0],
        series=[([name, head, c], [name, first, c, last, c], CHART_COLOURS[k % len(CHART_COLOURS)])
                for k, c in enumerate(cats)],
        size=(560, 170 + 34 * n),
    )
    wb.bar_chart(  # one bar per category, stacked by person
        ws, at=(below, 0), x_offset=580, title="按类别 Hours by category", horizontal=True, y_title="小时 Hours",
        categories=[name, head, cats[0], head, cats[-1]],
        series=[([name, r, 0], [name, r, cats[0], r, cats[-1]], CHART_COLOURS[k % len(CHART_COLOURS)])
                for k, r in enumerate(range(first, last + 1))],
        size=(560, 170 + 34 * len(cats)),
    )


# --------------------------------------------------------------------------- the mail body
def _figures(statement: FeeStatement) -> list[Figure]:
    over = list(statement.over_budget["job_no"])
    return [
        Figure("月份", "Month", statement.month),
        Figure("收费工作数", "Jobs charged", len(statement.jobs)),
        Figure("小计", "Subtotal", fmt_money(statement.totals["subtotal"])),
        Figure("税金", "Tax", fmt_money(statement.totals["tax"])),
        Figure("合计（含税）", "Total incl. tax", fmt_money(statement.totals["total"])),
        Figure("非计费工时", "Non-billable hours", fmt2(statement.non_billable_hours)),
        Figure("缺交工时表（人·周）", "Missing timesheets (person-weeks)", len(statement.missing_timesheets)),
        Figure("超出确认报价的工作", "Jobs over their approved quote", len(over), "、".join(over)),
    ]


def _mail_body(
    cfg: "Config", statement: FeeStatement, jobs: list[dict[str, Any]], budget: list[dict[str, Any]], title_zh: str,
    title_en: str, attached: str,
) -> tuple[str, str]:
    figures = _figures(statement)
    intro = (f"附件是 {statement.month} 的收费清单（{attached}）：按工作的服务费、软片费、外付成本和税金，每一行附来源单元格，"
             "以及员工工时、报价使用情况和缺交的工时表。",
             f"Attached is the fee statement for {statement.month} ({attached}): fees, film, out-of-pocket costs and "
             "tax by job, each line with its source cells, hours by staff, quotes used and missing timesheets.")
    blocks = [paragraph("您好，", "Dear colleagues,"), paragraph(*intro),
              figures_html(figures, caption_zh="本月概况", caption_en="This month")]
    money = [k for k in MONEY_KEYS if k != "hours"]
    job_rows = [
        {"job_no": j["job_no"], "hours": fmt2(j["hours"]), **{k: fmt_money(j[k]) for k in money}}
        for j in jobs
    ]
    if job_rows:
        job_rows.append({"job_no": "合计 Total", "hours": fmt2(statement.totals["hours"]),
                         **{k: fmt_money(statement.totals[k]) for k in money}})
        blocks.append(rows_html(
            [("job_no", "工作编号", "Job No."), ("hours", "计费小时", "Hours"), ("subtotal", "小计", "Subtotal"),
             ("tax", "税金", "Tax"), ("total", "合计", "Total")],
            job_rows, caption_zh="按工作", caption_en="By job"))
    near_or_over = [b for b in budget if b["status"] in ("over", "warning")]
    if near_or_over:
        blocks.append(rows_html(
            [("job_no", "工作编号", "Job No."), ("approved", "已确认报价", "Approved"), ("actual", "累计收费", "Billed to date"),
             ("share", "已用比例", "Share"), ("status_label", "状态", "Status")],
            [{**b, "approved": fmt_money(b["approved"]), "actual": fmt_money(b["actual"]),
              "share": "" if b["share"] is None else f"{b['share'] * 100:.1f}%"} for b in near_or_over],
            caption_zh="报价使用", caption_en="Estimate against actual"))
    if statement.missing_timesheets:
        blocks.append(rows_html(
            [("staff", "员工", "Staff"), ("week_start", "周起始日", "Week starting")],
            [{"staff": s, "week_start": w.isoformat()} for s, w in statement.missing_timesheets],
            caption_zh="缺交工时表", caption_en="Missing timesheets"))
    if statement.warnings:
        blocks.append(rows_html([("w", "注意", "Warning")], [{"w": w} for w in statement.warnings]))
    blocks.append(signature_html(cfg))
    html = html_document(title_zh, title_en, *blocks)
    lines = [f"{title_zh} / {title_en}", "", "您好， / Dear colleagues,", *intro, "", figures_text(figures)]
    if job_rows:
        lines += ["", "按工作 By job:"]
        lines += [f"  {j['job_no']}: {j['hours']} h, {j['subtotal']} + {j['tax']} = {j['total']}" for j in job_rows]
    if statement.missing_timesheets:
        lines += ["", "缺交工时表 Missing timesheets:"]
        lines += [f"  {s} {w.isoformat()}" for s, w in statement.missing_timesheets]
    if statement.warnings:
        lines += ["", "注意 Warnings:", *(f"  - {w}" for w in statement.warnings)]
    lines += ["", signature_text(cfg)]
    return html, "\n".join(lines)


# --------------------------------------------------------------------------- entry points
def render_fees(cfg: "Config", statement: FeeStatement, out_dir: Path | None = None) -> ReportResult:
    """Write the fee statement workbook of a computed statement and return the ReportResult (key KEY)."""
    month, job = statement.month, statement.job
    path = fees_path(cfg, month, job, out_dir)
    scope_zh = f" {job}" if job else ""
    title_zh = f"{cfg.client.product} 收费清单{scope_zh} {month}"
    title_en = f"Fee statement{f' of {job}' if job else ''}, {cfg.client.name}, {month}"
    jobs, budget = _records(statement.jobs), _budget_rows(statement)  # rows for the workbook and the mail alike
    _write_workbook(cfg, statement, jobs, budget, path, title_zh, title_en)
    html, text = _mail_body(cfg, statement, jobs, budget, title_zh, title_en, path.name)
    log.info("fee statement %s%s written to %s", month, f" ({job})" if job else "", path)
    return ReportResult(
        key=KEY,
        period=f"{month} {job}" if job else month,
        title_zh=title_zh,
        title_en=title_en,
        subject=fees_subject(cfg, month, job),
        data=statement.to_json(),
        html=html,
        text=text,
        files=(path,),
        warnings=tuple(statement.warnings),
    )


def build_fees(
    cfg: "Config",
    ledger: "Ledger",
    month: str,
    *,
    job: str | None = None,
    as_of: date | None = None,
    out_dir: Path | None = None,
) -> ReportResult:
    """The fee statement of `month` from the ledger's current timesheets, cost logs and sign-offs.

    `as_of` (default: today in the configured time zone) is the end of the day the
    statement speaks for, as in every report: weeks that start after it are not yet
    missing.  The workbook versions
    read are the latest ones, so a timesheet corrected later is counted as corrected.
    """

    from ..calendar import WorkCalendar
    from ..ledger import frames

    month_bounds(month)  # a bad month is refused before the ledger is read
    as_of = as_of or clock.today(cfg.tz)
    statement = fee_statement(
        frames.rows(ledger, "timesheet"),
        frames.rows(ledger, "costs"),
        frames.rows(ledger, "sign_off"),
        cfg,
        month,
        job=job,
        calendar=WorkCalendar.from_config(cfg),
        as_of=as_of,
    )
    return render_fees(cfg, statement, out_dir)


# --------------------------------------------------------------------------- the terminal and the demo
def show(result: ReportResult) -> list:
    """The statement's figures for the terminal (`adtools report fees`): fees by job with totals, then notes."""
    from rich.table import Table
    from rich.text import Text

    data = result.data
    table = Table(title=f"{result.title_zh} / {result.title_en}", show_footer=bool(data["jobs"]))
    table.add_column("工作编号 Job No.", footer="合计 Total", no_wrap=True)
    table.add_column("小时 Hours", justify="right", footer=data["totals"]["hours"], no_wrap=True)
    for key, head in (("subtotal", "小计 Subtotal"), ("tax", "税金 Tax"), ("total", "合计 Total")):
        table.add_column(head, justify="right", footer=fmt_money(data["totals"][key]), no_wrap=True)
    for j in data["jobs"]:
        table.add_row(Text(j["job_no"]), j["hours"], *(fmt_money(j[k]) for k in ("subtotal", "tax", "total")))
    shown: list = [
        table,
        f"非计费工时 Non-billable hours: {data['non_billable_hours']}",
        f"缺交工时表 Missing timesheets: {len(data['missing_timesheets'])}",
    ]
    for b in data["over_budget"]:
        shown.append(Text(f"超出报价 Over budget: {b['job_no']} {fmt2(b['actual'])} > {b['approved']}", style="red"))
    return shown


def headline(data: dict[str, Any]) -> str:
    """One line of the month's key figures (the demo's table)."""
    totals = data.get("totals", {})
    return (f"{len(data.get('jobs', []))} 个工作 jobs, 合计 total {fmt_money(totals.get('total', '0'))}, "
            f"缺交工时表 missing timesheets {len(data.get('missing_timesheets', []))}")
