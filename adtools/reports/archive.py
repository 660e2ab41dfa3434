"""The archive and rights report (存档与授权): rights about to end, ads run after them, outside scope, archive gaps.

Figures come from `adtools.rights.rights_summary`; this module only renders them:
a workbook with a summary and one sheet per concern (each row with its source
cells, red for a legal risk or an overdue copy, amber for attention), an HTML
summary for the mail body, the JSON of issue 14 (`archive_data`), and the alert
mails of the job archive_watch (`alert_mails`: one per rights alert step).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from .. import clock
from ..forms.catalog import FORMS
from ..rights import MONITORING_FIELDS, RightsAlert, RightsSummary, rights_alerts, rights_summary
from ._labels import label
from .base import ReportResult, report_subject
from .html import Figure, figures_html, figures_text, html_document, paragraph, rows_html
from .xlsx import AMBER, RED, Column, ReportWorkbook

if TYPE_CHECKING:  # pragma: no cover
    from ..calendar import WorkCalendar
    from ..config import Config

KEY = "archive"  # this report's key in adtools.registry (its command, recipients and folder)

__all__ = ["KEY", "AlertMail", "archive_data", "render_archive", "build_archive", "alert_mails", "show", "headline"]

DOC_TYPE_LABELS = {c.key: (c.zh, c.en) for c in FORMS[KEY].field("doc_type").choices}
DOCUMENT_LABELS = {c.key: (c.zh, c.en) for c in FORMS["sign_off"].field("document").choices}
_REASONS = {
    "medium": ("授权不含平面媒体", "the scope allows no print"),
    "media": ("授权范围外的媒体", "a title outside the scope"),
    "city": ("授权范围外的城市", "a city outside the scope"),
    "unread": ("授权范围无法识别（未判断）", "scope not understood (not judged)"),
}


def _iso(v: Any) -> str | None:
    return None if v is None else v.isoformat()


def archive_data(summary: RightsSummary) -> dict[str, Any]:
    """The JSON shape of issue 14 (`adtools report archive --json`), JSON conventions of CONTRACTS.md."""
    return {
        "as_of": summary.as_of.isoformat(),
        "expiring": [
            {"doc_id": r["doc_id"], "job_no": r["job_no"], "doc_type": r["doc_type"], "rights_end": _iso(r["rights_end"]),
             "days_left": r["days_left"]}
            for r in summary.expiring
        ],
        "expired_in_use": [
            {"doc_id": r["doc_id"], "job_no": r["job_no"], "rights_end": _iso(r["rights_end"]), "media": r["media"],
             "date": _iso(r["date"]), "booking_ref": r["booking_ref"], "clipping_ref": r["clipping_ref"]}
            for r in summary.expired_in_use
        ],
        "outside_scope": [
            {"doc_id": r["doc_id"], "job_no": r["job_no"], "scope": r["scope"], "reason": r["reason"],
             "detail": r["detail"], "media": r["media"], "city": r["city"], "date": _iso(r["date"]),
             "booking_ref": r["booking_ref"]}
            for r in summary.outside_scope
        ],
        "missing_archive": [
            {"job_no": r["job_no"], "document": r["document"], "version": r["version"]} for r in summary.missing_archive
        ],
        "missing_client_copy": [
            {"doc_id": r["doc_id"], "job_no": r["job_no"], "signed_on": _iso(r["signed_on"]), "due": _iso(r["due"]),
             "working_days_late": r["working_days_late"]}
            for r in summary.missing_client_copy
        ],
    }  # fmt: skip


EXPIRING_COLUMNS = (
    Column("doc_id", "文件编号", "Doc ID", width=14),
    Column("job_no", "工作编号", "Job No.", width=16),
    Column("doc_type_label", "文件类型", "Document type", width=22),
    Column("title", "标题", "Title", width=32),
    Column("rights_end", "授权截止", "Rights end", "date", 13),
    Column("days_left", "剩余天数", "Days left", "int", 10),
    Column("step", "提醒级别(天)", "Alert step (days)", "int", 12),
    Column("scope", "授权范围", "Rights scope", width=26),
    Column("source", "来源", "Source", width=40),
)
EXPIRED_COLUMNS = (
    Column("doc_id", "文件编号", "Doc ID", width=14),
    Column("job_no", "工作编号", "Job No.", width=16),
    Column("doc_type_label", "文件类型", "Document type", width=20),
    Column("rights_end", "授权截止", "Rights end", "date", 13),
    Column("media", "媒体", "Media", width=12),
    Column("date", "刊登日期", "Run date", "date", 13),
    Column("days_after", "超期天数", "Days after end", "int", 10),
    Column("booking_ref", "订位号", "Booking ref", width=16),
    Column("ran_label", "已刊出(证据)", "Ran (proof)", width=16),
    Column("clipping_ref", "剪报编号", "Clipping ref", width=16),
    Column("source", "授权来源", "Rights source", width=34),
    Column("booking_source", "排期来源", "Booking source", width=34),
    Column("clipping_source", "剪报来源", "Clipping source", width=34),
)
SCOPE_COLUMNS = (
    Column("doc_id", "文件编号", "Doc ID", width=14),
    Column("job_no", "工作编号", "Job No.", width=16),
    Column("scope", "授权范围", "Rights scope", width=26),
    Column("reason_label", "问题", "Finding", width=26),
    Column("detail", "授权所列 / 无法识别", "Licensed / not understood", width=22),
    Column("media", "媒体", "Media", width=12),
    Column("city", "城市", "City", width=8),
    Column("date", "刊登日期", "Run date", "date", 13),
    Column("booking_ref", "订位号", "Booking ref", width=16),
    Column("source", "授权来源", "Rights source", width=34),
    Column("booking_source", "排期来源", "Booking source", width=34),
)
MISSING_COLUMNS = (
    Column("job_no", "工作编号", "Job No.", width=16),
    Column("document_label", "已签文件", "Signed document", width=30),
    Column("version", "版本", "Version", "int", 8),
    Column("title", "会议主题", "Meeting", width=26),
    Column("on", "确认/会议日期", "Approved / met on", "date", 17),
    Column("missing_label", "缺少的存档", "Archive entry missing", width=32),
    Column("source", "来源", "Source", width=40),
)
COPY_COLUMNS = (
    Column("doc_id", "文件编号", "Doc ID", width=14),
    Column("job_no", "工作编号", "Job No.", width=16),
    Column("title", "标题", "Title", width=32),
    Column("signed_on", "签字日期", "Signed on", "date", 12),
    Column("due", "应交客户日期", "Copy due", "date", 12),
    Column("working_days_late", "逾期工作日", "Working days late", "int", 12),
    Column("location", "存放位置", "Location", width=28),
    Column("source", "来源", "Source", width=40),
)


def _figures(cfg: "Config", summary: RightsSummary) -> list[Figure]:
    ran = sum(1 for r in summary.expired_in_use if r["ran"])
    return [
        Figure("截至", "As of", summary.as_of.isoformat()),
        Figure("存档文件", "Archived documents", summary.documents),
        Figure("肖像权及租片授权", "Model releases and footage licences", summary.rights),
        Figure(f"{cfg.sla.rights_alert_days} 天内到期的授权", f"Rights ending within {cfg.sla.rights_alert_days} days",
               len(summary.expiring)),
        Figure("授权到期后仍排期的刊登", "Insertions booked after their rights ended", len(summary.expired_in_use),
               f"其中已见报 of which ran (clipping): {ran}"),
        Figure("授权范围外的刊登", "Insertions outside the rights scope",
               sum(1 for r in summary.outside_scope if r["reason"] != "unread"),
               f"无法识别的范围 scopes not understood: {sum(1 for r in summary.outside_scope if r['reason'] == 'unread')}"),
        Figure("缺少存档", "Signed documents missing from the archive", len(summary.missing_archive)),
        Figure("签字创意未交客户存档", "Signed creative not copied to the client", len(summary.missing_client_copy),
               f"{cfg.sla.client_response_days} 个工作日内 within {cfg.sla.client_response_days} working days"),
    ]


def render_archive(cfg: "Config", summary: RightsSummary, out_dir: Path | None = None) -> ReportResult:
    """Write the archive workbook for a computed summary and return the ReportResult."""
    as_of = summary.as_of
    out_dir = Path(out_dir) if out_dir is not None else cfg.reports_dir / KEY
    path = out_dir / f"存档与授权_archive_{as_of.isoformat()}.xlsx"
    data = archive_data(summary)
    figures = _figures(cfg, summary)
    title_zh = f"{cfg.client.product} 存档与授权"
    title_en = f"Archive and rights, {cfg.client.name}, as of {as_of.isoformat()}"
    urgent = min(cfg.sla.rights_alert_steps, default=0)

    expiring = [{**r, "doc_type_label": label(DOC_TYPE_LABELS, r["doc_type"])} for r in summary.expiring]
    expired = [{**r, "doc_type_label": label(DOC_TYPE_LABELS, r["doc_type"]),
                "ran_label": "已刊出 ran" if r["ran"] else ("未见剪报 no clipping" if r["date"] <= as_of else "尚未刊登 not yet run")}
               for r in summary.expired_in_use]
    scope = [{**r, "reason_label": label(_REASONS, r["reason"])} for r in summary.outside_scope]
    missing = [{**r, "document_label": label(DOCUMENT_LABELS, r["document"]),
                "missing_label": "、".join(label(DOC_TYPE_LABELS, t) for t in r["missing"])} for r in summary.missing_archive]
    copies = list(summary.missing_client_copy)

    with ReportWorkbook(path, title=f"{title_zh} / {title_en}", author=cfg.agency.name) as wb:
        pairs = [(f"{f.label_zh} {f.label_en}" + (f"\n{f.note}" if f.note else ""), f.value,
                  "int" if isinstance(f.value, int) else "text") for f in figures]
        for w in summary.warnings:
            pairs.append(("注意 Warning", w, "text"))
        wb.key_values("摘要 Summary", f"{title_zh} / Archive and rights", pairs,
                      subtitle=f"{cfg.agency.name} → {cfg.client.name}")
        wb.table("即将到期 Expiring", EXPIRING_COLUMNS, expiring,
                 title=f"{cfg.sla.rights_alert_days} 天内到期的授权 Rights ending within {cfg.sla.rights_alert_days} days",
                 subtitle=f"红色 = {urgent} 天内 within {urgent} days；黄色 = 其余 the others；剩余天数为截至日之后的日历日 "
                          f"days left are calendar days after the as-of date",
                 row_formats=[RED if r["days_left"] <= urgent else AMBER for r in expiring])
        wb.table("过期仍在用 Expired in use", EXPIRED_COLUMNS, expired,
                 title="授权到期后仍排期的刊登 Insertions booked after their rights ended",
                 subtitle="已刊出 = 监测剪报证明该广告已见报 ran = a clipping of the client's ad proves it ran",
                 row_formats=[RED] * len(expired))
        wb.table("超出范围 Outside scope", SCOPE_COLUMNS, scope,
                 title="授权范围外的刊登 Insertions outside the rights scope",
                 subtitle="红色 = 范围外 outside；黄色 = 范围文字无法识别，请人工核对 scope not understood: check by hand",
                 row_formats=[AMBER if r["reason"] == "unread" else RED for r in scope])
        wb.table("缺少存档 Missing archive", MISSING_COLUMNS, missing,
                 title="已签文件缺少存档登记 Signed documents without their archive entry",
                 subtitle="设计/完稿确认需签字创意及签字报价，排期确认需签字媒体计划，每份会议记录需存档 "
                          "approved design/artwork needs signed creative and a signed quote, an approved schedule a "
                          "signed media plan, every minutes an entry",
                 row_formats=[AMBER] * len(missing))
        wb.table("未交客户 Client copy", COPY_COLUMNS, copies,
                 title=f"签字创意未交客户存档（超过 {cfg.sla.client_response_days} 个工作日）"
                       f"Signed creative not copied to the client (over {cfg.sla.client_response_days} working days)",
                 row_formats=[RED] * len(copies))

    blocks = [figures_html(figures, caption_zh="存档与授权概况", caption_en="At a glance")]
    if expired:
        blocks.append(rows_html(
            [("doc_id", "文件编号", "Doc ID"), ("rights_end", "授权截止", "Rights end"), ("media", "媒体", "Media"),
             ("date", "刊登日期", "Run date"), ("booking_ref", "订位号", "Booking ref"), ("ran_label", "已刊出", "Ran")],
            [{**r, "rights_end": _iso(r["rights_end"]), "date": _iso(r["date"])} for r in expired],
            caption_zh="授权到期后仍排期的刊登", caption_en="Insertions booked after their rights ended"))
    if expiring:
        blocks.append(rows_html(
            [("doc_id", "文件编号", "Doc ID"), ("job_no", "工作编号", "Job No."), ("doc_type_label", "文件类型", "Type"),
             ("rights_end", "授权截止", "Rights end"), ("days_left", "剩余天数", "Days left")],
            [{**r, "rights_end": _iso(r["rights_end"])} for r in expiring],
            caption_zh="即将到期的授权", caption_en="Rights about to end"))
    if missing:
        blocks.append(rows_html(
            [("job_no", "工作编号", "Job No."), ("document_label", "已签文件", "Signed document"),
             ("version", "版本", "Version"), ("title", "会议主题", "Meeting"), ("missing_label", "缺少的存档", "Missing")],
            missing, caption_zh="缺少存档", caption_en="Missing from the archive"))
    for w in summary.warnings:
        blocks.append(paragraph(w))
    html = html_document(title_zh, title_en, *blocks)
    text = "\n".join([f"{title_zh} / {title_en}", "", figures_text(figures), *summary.warnings])
    return ReportResult(
        key=KEY,
        period=as_of.isoformat(),
        title_zh=title_zh,
        title_en=title_en,
        subject=report_subject(cfg, KEY, as_of.isoformat()),
        data=data,
        html=html,
        text=text,
        files=(path,),
        warnings=tuple(summary.warnings),
    )


def _frames(ledger) -> dict[str, Any]:  # noqa: ANN001
    from ..ledger import frames

    return {
        "archive": frames.rows(ledger, KEY),
        "media_schedule": frames.rows(ledger, "media_schedule"),
        "sign_off": frames.rows(ledger, "sign_off"),
        "minutes": frames.documents(ledger, "minutes"),
        "monitoring": frames.rows(ledger, "monitoring", fields=MONITORING_FIELDS),
    }


def build_archive(
    cfg: "Config",
    ledger,  # noqa: ANN001
    *,
    as_of: date | None = None,
    cal: "WorkCalendar | None" = None,
    out_dir: Path | None = None,
) -> ReportResult:
    """The archive report as of the end of `as_of` (default: today), from the current workbook versions."""
    as_of = as_of or clock.today(cfg.tz)
    summary = rights_summary(cfg, **_frames(ledger), as_of=as_of, cal=cal)
    return render_archive(cfg, summary, out_dir)


# --------------------------------------------------------------------------- the alert mails of archive_watch
@dataclass(frozen=True)
class AlertMail:
    """One rights alert as a mail: its idempotency key part, subject and bodies, the workbooks to attach."""

    key: str  # RightsAlert.key: document | rights end | step
    subject: str
    html: str
    text: str
    attachments: tuple[Path, ...] = ()


def alert_mail(cfg: "Config", alert: RightsAlert, attachments: Sequence[Path] = ()) -> AlertMail:
    """The mail of one alert: which right ends when, how many days are left, where it is filed."""
    kind = label(DOC_TYPE_LABELS, alert.doc_type)
    when = f"{alert.doc_id} 还剩 {alert.days_left} 天 {alert.days_left} days left"
    subject = report_subject(cfg, KEY, when, topic="授权到期提醒 Rights ending")
    figures = [
        Figure("文件编号", "Doc ID", alert.doc_id),
        Figure("工作编号", "Job No.", alert.job_no or ""),
        Figure("文件类型", "Document type", kind),
        Figure("标题", "Title", alert.title or ""),
        Figure("授权截止", "Rights end", alert.rights_end.isoformat()),
        Figure("剩余天数", "Days left", alert.days_left),
        Figure("提醒级别", "Alert step", f"{alert.step} 天 days"),
        Figure("来源", "Source", alert.source),
    ]
    lines = ("请续签授权，或在截止日后停用相关广告（含已订位的刊登）。",
             "Renew the rights, or stop using the ad after they end (booked insertions included).")
    html = html_document(f"{cfg.client.product} 授权到期提醒", f"Rights ending: {alert.doc_id}",
                         figures_html(figures), paragraph(*lines))
    text = "\n".join([subject, "", figures_text(figures), "", *lines])
    return AlertMail(alert.key, subject, html, text, tuple(attachments))


def alert_mails(cfg: "Config", ledger, *, as_of: date, attachments: Sequence[Path] = ()) -> list[AlertMail]:  # noqa: ANN001
    """The mail of every rights alert step reached on `as_of` (the job queues each once by its key)."""
    from ..ledger import frames

    return [alert_mail(cfg, a, attachments) for a in rights_alerts(frames.rows(ledger, KEY), cfg, as_of)]


# --------------------------------------------------------------------------- the terminal and the demo
def show(result: ReportResult) -> list:
    """The report's figures for the terminal (`adtools report archive`): a table, then each ad run after its rights."""
    from rich.table import Table
    from rich.text import Text

    data = result.data
    table = Table(title=f"{result.title_zh} / {result.title_en}")
    table.add_column("项目 Item")
    table.add_column("数值 Value", justify="right")
    for item, value in (
        ("即将到期 Expiring", len(data["expiring"])),
        ("到期后仍刊登 Expired in use", len(data["expired_in_use"])),
        ("范围外 Outside scope", len(data["outside_scope"])),
        ("缺少存档 Missing archive", len(data["missing_archive"])),
        ("未交客户 Client copy overdue", len(data["missing_client_copy"])),
    ):
        table.add_row(item, str(value))
    shown: list = [table]
    for r in data["expired_in_use"]:
        proof = f", clipping {r['clipping_ref']}" if r["clipping_ref"] else ""
        shown.append(Text(f"到期后仍刊登 Expired in use: {r['doc_id']} ended {r['rights_end']}; {r['media']} "
                          f"{r['date']} {r['booking_ref'] or ''}{proof}", style="red"))
    for r in data["expiring"]:
        shown.append(Text(f"即将到期 Expiring: {r['doc_id']} {r['job_no']} ends {r['rights_end']} "
                          f"({r['days_left']} days left)", style="yellow"))
    return shown


def headline(data: dict[str, Any]) -> str:
    """One line of the archive's key figures (the demo's table)."""
    ran = sum(1 for r in data.get("expired_in_use", []) if r.get("clipping_ref"))
    return (f"即将到期 expiring {len(data.get('expiring', []))}, "
            f"到期后仍刊登 expired in use {len(data.get('expired_in_use', []))} (已见报 ran {ran}), "
            f"缺少存档 missing archive {len(data.get('missing_archive', []))}, "
            f"未交客户 client copy {len(data.get('missing_client_copy', []))}")
