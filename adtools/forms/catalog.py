"""The 14 standard forms of FORMS.md, declared once.

To add a field: add one Field here (and bump the form's `version`); the template,
reader, validator, ledger table and samples follow.
"""
from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from ..errors import WARNING, SchemaError
from ..money import FEN, round_fen
from .parse import shown
from .schema import Choice, Field, Form, Price, Rate, RowRule, TableRule, Tally, Violation

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["FORMS", "build_catalog", "brand_key", "DELIVERABLE_LABELS", "CATEGORY_LABELS", "NON_BILLABLE", "config_choices", "form", "field_label"]

D = Decimal

# ----------------------------------------------------------------- config-driven enums
DELIVERABLE_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "media_plan": ("媒体策划方案", "Media planning proposal"),
        "schedule_national": ("媒体排期表(全国)", "Media schedule, national"),
        "schedule_local": ("媒体排期表(地方)", "Media schedule, local"),
        "creative_concept": ("创意概念", "Creative concept"),
        "copy_layout": ("文案及平面设计稿", "Copy and print layout"),
        "artwork": ("完稿", "Finished artwork"),
        "colour_proof": ("分色打样", "Colour-separation proofs"),
        "film": ("软片", "Film"),
        "tv_radio_creative": ("电视及广播创意", "TV / radio creative"),
    }
)
CATEGORY_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "print_creative": ("平面创意", "Print creative"),
        "print_artwork": ("平面完稿", "Print finished art"),
        "pop_creative": ("POP及促销品创意", "POP / promotional creative"),
        "pop_artwork": ("POP及促销品完稿", "POP / promotional finished art"),
        "tv_radio_creative": ("电视及广播创意", "TV / radio creative"),
    }
)
NON_BILLABLE = Choice("non_billable", "非计费", "Non-billable")


@lru_cache(maxsize=128)
def _labelled(keys: tuple[str, ...], labels: str) -> tuple[Choice, ...]:
    """The choices of config keys, labelled from `_LABELS[labels]`; made once per key list
    (validation asks for them per enum cell)."""
    names = _LABELS[labels]
    return tuple(Choice(k, *names.get(k, (k, k.replace("_", " ").capitalize()))) for k in keys)


_LABELS: Mapping[str, Mapping[str, tuple[str, str]]] = MappingProxyType({
    "deliverables": DELIVERABLE_LABELS,
    "categories": CATEGORY_LABELS,
})


# Field.choices_from -> the enum's values from config.toml
_CHOICE_SOURCES: Mapping[str, Callable[["Config"], tuple[Choice, ...]]] = MappingProxyType({
    "turnaround": lambda cfg: _labelled(tuple(cfg.turnaround), "deliverables"),
    "rate_categories": lambda cfg: _labelled(tuple(cfg.hourly_categories), "categories"),
    "timesheet_categories": lambda cfg: _labelled(tuple(cfg.hourly_categories), "categories") + (NON_BILLABLE,),
})


# Field.suggest_from -> the texts a text field's dropdown offers, from config.toml
_SUGGESTION_SOURCES: Mapping[str, Callable[["Config"], tuple[str, ...]]] = MappingProxyType({
    "people": lambda cfg: tuple(p.name for p in cfg.people),
})


def _from_config(sources: Mapping[str, Callable[["Config"], Any]], what: str, source: str, cfg: "Config") -> Any:
    try:
        values = sources[source]
    except KeyError:
        raise KeyError(f"unknown {what} source {source!r}; sources are: {', '.join(sources)}") from None
    return values(cfg)


def config_suggestions(source: str, cfg: "Config") -> tuple[str, ...]:
    """The texts a `suggest_from` field's cells offer as a dropdown (may be empty)."""
    return _from_config(_SUGGESTION_SOURCES, "suggestions", source, cfg)


def config_choices(source: str, cfg: "Config") -> tuple[Choice, ...]:
    """Enum values whose list lives in config.toml."""
    return _from_config(_CHOICE_SOURCES, "choices", source, cfg)


def _enum(*triples: tuple[str, str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(*t) for t in triples)


# ----------------------------------------------------------------- shared fields and enums
def job_no(required: bool = True) -> Field:
    return Field(
        "job_no", "工作编号", "Job No.", required=required, pattern="job_no", width=16,
        help_zh="如 HRFR-2026-001", help_en="e.g. HRFR-2026-001",
    )


def register_id() -> Field:
    return Field("register_id", "登记表编号", "Register ID", required=True, width=18,
                 help_zh="每个团队或年度一份登记表", help_en="one register per team or year")


COLOUR = _enum(("colour", "彩色", "Colour"), ("bw", "黑白", "B/W"))
OWNER_PARTY = _enum(
    ("client", "客户", "Client"), ("account", "客户部", "Account"),
    ("creative", "创意部", "Creative"), ("media", "媒介", "Media"),
)
DEPARTMENT = _enum(
    ("account", "客户部", "Account"), ("creative", "创意部", "Creative"), ("media", "媒介", "Media"),
    ("production", "制作", "Production"), ("finance", "财务", "Finance"),
)
STAGES = _enum(
    ("work_order", "布置工作", "Work order"),
    ("internal_brief", "内部布置工作", "Internal briefing"),
    ("confirm_work_plan", "确认书面工作方案", "Confirm work plan"),
    ("internal_discussion", "内部讨论", "Internal discussion"),
    ("proposal", "正式提案", "Formal proposal"),
    ("confirm_concept", "确认创意概念/媒体策略", "Confirm concept and media strategy"),
    ("media_schedule", "媒体排期计划", "Media schedule plan"),
    ("confirm_media_schedule", "确认媒体排期", "Confirm media schedule"),
    ("media_booking", "媒体订位", "Media booking"),
    ("media_prepayment", "媒体预付款", "Media prepayment"),
    ("creative_design", "创意设计/文案修改及创意报价", "Creative design, copy and creative quote"),
    ("confirm_design", "确认设计及创意报价", "Confirm design and creative quote"),
    ("production_quote", "制作报价", "Production quote"),
    ("artwork", "平面完稿", "Print finished artwork"),
    ("confirm_artwork", "确认完稿与制作报价", "Confirm artwork and production quote"),
    ("production", "制作", "Production"),
    ("deliver_to_media_agency", "向OMD交片", "Hand materials to media agency"),
    ("send_to_media", "向媒体发片", "Send materials to media"),
    ("monitoring_report", "媒体监测报告", "Media monitoring report"),
)
SIGN_OFF_DOCUMENTS = _enum(
    ("work_plan", "书面工作方案", "Work plan"),
    ("concept_strategy", "创意概念及媒体策略", "Creative concept and media strategy"),
    ("media_schedule", "媒体排期", "Media schedule"),
    ("design_quote", "设计及创意报价", "Design and creative quote"),
    ("artwork_production_quote", "完稿及制作报价", "Artwork and production quote"),
    ("minutes", "会议记录", "Minutes"),
    ("other", "其他", "Other"),
)
COST_TYPES = _enum(
    ("stock_rental", "租片", "Stock / footage rental"),
    ("photography", "摄影", "Photography"),
    ("retouching", "电脑修图合成", "Retouching and compositing"),
    ("printing", "印刷", "Printing"),
    ("postage", "邮寄", "Postage"),
    ("film", "软片", "Film"),
    ("other", "其他", "Other"),
)
FILM_KINDS = _enum(("bw", "黑白", "B/W film"), ("colour_proof", "彩色打样", "Colour proof"))


# ----------------------------------------------------------------- rule helpers
def _present(v: Any) -> bool:
    return v is not None and v != ""


def required_when(fld: str, when, zh_when: str, en_when: str, needs: tuple[str, ...] = ()) -> RowRule:
    """`fld` must be filled when `when(row)` holds."""
    return RowRule(
        f"required_when_{fld}", fld,
        f"{zh_when}时必须填写", f"required when {en_when}",
        lambda row, header, cfg: not when(row) or _present(row.get(fld)),
        needs=needs,
    )


def header_required_when(fld: str, when, zh_when: str, en_when: str) -> RowRule:
    return RowRule(
        f"required_when_{fld}", fld, f"{zh_when}时必须填写", f"required when {en_when}",
        lambda row, header, cfg: not when(header) or _present(header.get(fld)), scope="header",
    )


def not_before(fld: str, other: str, zh_other: str, en_other: str, scope: str = "row") -> RowRule:
    def test(row, header, cfg):
        src = header if scope == "header" else row
        a, b = src.get(fld), src.get(other)
        if a is None or b is None:
            return True
        if isinstance(b, datetime) and not isinstance(a, datetime):
            b = b.date()
        if isinstance(a, datetime) and not isinstance(b, datetime):
            a = a.date()
        return a >= b

    def explain(row, header, cfg):
        b = (header if scope == "header" else row).get(other)
        return (f"不得早于{zh_other}（{shown(b)}）", f"must not be before {en_other} ({shown(b)})") if b is not None else None

    return RowRule(f"before_{other}", fld, f"不得早于{zh_other}", f"must not be before {en_other}",
                   test, needs=(fld, other), scope=scope, explain=explain)


def _within(fld: str, lo_hi, code: str, zh: str, en: str) -> RowRule:
    def test(row, header, cfg):
        d = row.get(fld)
        bounds = lo_hi(header)
        if d is None or bounds is None:
            return True
        return bounds[0] <= d <= bounds[1]

    def explain(row, header, cfg):
        bounds = lo_hi(header)
        if bounds is None:
            return None
        a, b = (x.isoformat() for x in bounds)
        return f"{zh}（{a} 至 {b}）", f"{en} ({a} to {b})"

    return RowRule(code, fld, zh, en, test, needs=(fld,), explain=explain)


def _week(header) -> tuple[date, date] | None:
    """Monday to Sunday; None when week_start is no Monday (that has its own finding)."""
    ws = header.get("week_start")
    return (ws, ws + timedelta(days=6)) if isinstance(ws, date) and ws.weekday() == 0 else None


def _flight(header) -> tuple[date, date] | None:
    a, b = header.get("flight_start"), header.get("flight_end")
    return (a, b) if isinstance(a, date) and isinstance(b, date) else None


def _month(header) -> tuple[date, date] | None:
    m = header.get("month")
    if not isinstance(m, str) or len(m) != 7:
        return None
    y, mo = int(m[:4]), int(m[5:])
    first = date(y, mo, 1)
    nxt = date(y + (mo == 12), mo % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def _daily_hours(rows, header, cfg):
    totals: dict[date, Decimal] = defaultdict(Decimal)
    last: dict[date, int] = {}
    for i, r in enumerate(rows):
        d, h = r.get("date"), r.get("hours")
        if isinstance(d, date) and isinstance(h, Decimal):
            totals[d] += h
            last[d] = i
    for d, total in sorted(totals.items()):
        if total > 24:
            yield Violation("hours", f"{d} 当日合计 {total} 小时，超过 24 小时",
                            f"{d}: {total} hours in one day, more than 24", row_index=last[d])
        elif total > cfg.sla.daily_hours_warning:
            yield Violation("hours", f"{d} 当日合计 {total} 小时，超过 {cfg.sla.daily_hours_warning} 小时，请核对",
                            f"{d}: {total} hours in one day, more than {cfg.sla.daily_hours_warning}; please check",
                            severity=WARNING, row_index=last[d])


def _net(row) -> Decimal:
    """net = gross × (1 − discount), to the fen."""
    return round_fen(row["gross"] * (1 - (row.get("discount") or Decimal(0))))


def _net_should_be(row, header, cfg) -> tuple[str, str]:
    net = shown(_net(row))
    return (f"净价与 刊例价 ×（1 − 折扣）相差超过 0.01，应为 {net}，或留空由系统计算",
            f"net differs from gross × (1 − discount) by more than 0.01; it should be {net}, or leave it blank")


def _net_matches(row, header, cfg) -> bool:
    gross, disc, net = row.get("gross"), row.get("discount") or Decimal(0), row.get("net")
    if gross is None or net is None:
        return True
    return abs(net - gross * (1 - disc)) <= FEN


_WEEKDAYS = (("一", "Monday"), ("二", "Tuesday"), ("三", "Wednesday"), ("四", "Thursday"), ("五", "Friday"),
             ("六", "Saturday"), ("日", "Sunday"))


def _monday_should_be(row, header, cfg) -> tuple[str, str]:
    ws = header["week_start"]
    monday = (ws - timedelta(days=ws.weekday())).isoformat()
    zh_day, en_day = _WEEKDAYS[ws.weekday()]
    return (f"周起始日必须是星期一：{ws.isoformat()} 是星期{zh_day}，该周的星期一是 {monday}",
            f"the week must start on a Monday: {ws.isoformat()} is a {en_day}; that week's Monday is {monday}")


def _is_monday(row, header, cfg) -> bool:
    ws = header.get("week_start")
    return not isinstance(ws, date) or ws.weekday() == 0


def _people_name(name: str, cfg) -> str:
    """The [[people]] name for a name or alias typed with any spacing; an unknown name as typed."""
    person = cfg.person(name)
    return person.name if person is not None else name


def _staff_names(row, header, cfg) -> tuple[str, str]:
    names = [p.name for p in cfg.people]
    listed = "、".join(names[:12]) + ("…" if len(names) > 12 else "")
    if not names:
        return ("员工名单还是空的；请管理员添加员工",
                "the staff list is empty; ask the administrator to add the staff")
    return (f"员工姓名不在员工名单中；请从下拉列表选择（{listed}），新员工请管理员添加",
            f"the staff name is not on the staff list; pick one from the list ({', '.join(names[:12])}"
            f"{', …' if len(names) > 12 else ''}), or ask the administrator to add a new colleague")


def _staff_known(row, header, cfg) -> bool:
    staff = header.get("staff")
    return not staff or cfg.person(staff) is not None


def _quote_category(row, header, cfg) -> bool:
    cat, lt = row.get("category"), row.get("line_type")
    if not cat or not lt:
        return True
    if lt == "hours":
        return cat in cfg.hourly_categories
    if lt == "film":
        return cat in {c.key for c in FILM_KINDS}
    if lt == "cost":
        return cat in {c.key for c in COST_TYPES}
    return True


def _media_known(row, header, cfg) -> bool:
    m = row.get("media")
    return not m or m in cfg.monitoring.media


# ----------------------------------------------------------------- the forms
WORK_ORDER = Form(
    "work_order", "客户工作布置单", "Client work order",
    header=(
        Field("order_no", "布置单编号", "Order No.", required=True, width=16),
        job_no(),
        Field("brand", "品牌/产品", "Brand / Product", required=True, width=16),
        Field("campaign", "广告活动", "Campaign", width=20),
        Field("order_type", "布置类型", "Order type", "enum", required=True, choices=_enum(
            ("new", "新工作", "New work"), ("media_change", "变更媒体", "Media change"),
            ("creative_change", "修改创意", "Creative change"), ("add_production", "增加制作", "Add production"),
            ("cut_production", "减少制作", "Cut production"))),
        Field("issued_at", "布置时间", "Issued at", "datetime", required=True,
              help_zh="客户书面布置的日期和时间", help_en="date and time of the client's written order"),
        Field("issued_by", "客户布置人", "Issued by (client)", required=True),
        Field("received_by", "客户部接收人", "Received by", required=True),
        Field("rush", "加急", "Rush", "bool", default=False),
        Field("client_signed_by", "客户签字", "Client signature", required=True,
              help_zh="客户的书面授权", help_en="the client's written authorisation"),
        Field("signed_on", "签字日期", "Signed on", "date", required=True),
    ),
    columns=(
        Field("deliverable", "工作项目", "Deliverable", "enum", required=True, choices_from="turnaround", width=22),
        Field("quantity", "数量", "Quantity", "int", default=1, min=D(1), width=8),
        Field("requested_due", "要求完成日", "Requested due", "date", width=14),
        Field("notes", "说明", "Notes", width=30),
    ),
    key=("order_no",),
    rules=(not_before("signed_on", "issued_at", "布置时间", "the issue date", scope="header"),),
)

SIGN_OFF = Form(
    "sign_off", "客户确认单", "Client sign-off register",
    header=(register_id(),),
    columns=(
        job_no(),
        Field("document", "确认文件", "Document", "enum", required=True, choices=SIGN_OFF_DOCUMENTS, width=22),
        Field("version", "版本", "Version", "int", required=True, min=D(1), width=8),
        Field("submitted_on", "提交日期", "Submitted on", "date", required=True),
        Field("decision", "客户意见", "Decision", "enum", choices=_enum(
            ("approved", "确认", "Approved"), ("revise", "修改", "Revise"), ("rejected", "否决", "Rejected")),
            help_zh="空白表示待客户确认", help_en="blank = awaiting the client"),
        Field("decided_on", "确认日期", "Decided on", "date"),
        Field("signed_by", "签字人", "Signed by"),
        Field("comments", "修改意见", "Comments", width=30),
        Field("amount", "金额", "Amount", "money", min=D(0)),
    ),
    key=("register_id",),
    rules=(
        required_when("decided_on", lambda r: _present(r.get("decision")), "已有客户意见", "a decision is given"),
        not_before("decided_on", "submitted_on", "提交日期", "the submission date"),
        required_when("signed_by", lambda r: r.get("decision") == "approved", "客户确认", "approved"),
        required_when("comments", lambda r: r.get("decision") in ("revise", "rejected"), "修改或否决", "revise or rejected"),
        required_when("amount", lambda r: r.get("document") in ("media_schedule", "design_quote", "artwork_production_quote"),
                      "排期或报价文件", "the document is a media schedule or a quote"),
    ),
    table_rules=(
        TableRule("unique_version", lambda rows, header, cfg: _dup_versions(rows), fields=("version",)),
    ),
)


def _dup_versions(rows) -> Iterable[Violation]:
    """The same (job, document, version) entered twice; rows carry their Excel row number as `_row`."""
    seen: dict[tuple, Any] = {}
    for i, r in enumerate(rows):
        k = (r.get("job_no"), r.get("document"), r.get("version"))
        if None in k:
            continue
        if k in seen:
            yield Violation("version", f"{k[0]} {k[1]} 第 {k[2]} 版登记了两次（另见第 {seen[k]} 行）",
                            f"{k[0]} {k[1]} version {k[2]} is entered twice (see also row {seen[k]})", row_index=i)
        else:
            seen[k] = r.get("_row", i + 1)


PROGRESS = Form(
    "progress", "工作进度登记", "Job progress log",
    header=(register_id(),),
    columns=(
        job_no(),
        Field("stage", "工作环节", "Stage", "enum", required=True, choices=STAGES, width=26),
        Field("done_on", "完成日期", "Done on", "date", required=True),
        Field("owner", "负责方", "Owner", "enum", required=True, choices=OWNER_PARTY),
        Field("deliverable", "交付项目", "Deliverable", "enum", choices_from="turnaround", width=22,
              help_zh="此行向客户交付的布置单项目", help_en="the work-order deliverable this row delivers"),
        Field("note", "备注", "Note", width=30),
    ),
    key=("register_id",),
)

MINUTES = Form(
    "minutes", "会议记录", "Meeting minutes",
    header=(
        Field("title", "会议主题", "Title", required=True, width=30),
        job_no(required=False),
        Field("meeting_start", "开始时间", "Meeting start", "datetime", required=True),
        Field("meeting_end", "结束时间", "Meeting end", "datetime", required=True),
        Field("important", "重要会议", "Important", "bool", default=False),
        Field("attendees", "参加人员", "Attendees", required=True, width=30),
        Field("prepared_by", "记录人", "Prepared by", required=True),
        Field("sent_at", "纪要发出时间", "Minutes sent at", "datetime"),
    ),
    columns=(
        Field("item", "事项", "Item", required=True, width=40),
        Field("owner", "负责人", "Owner"),
        Field("due", "完成日期", "Due", "date"),
        Field("status", "状态", "Status", "enum", choices=_enum(("open", "进行中", "Open"), ("done", "完成", "Done"))),
    ),
    key=("meeting_start", "title"),
    rules=(
        not_before("meeting_end", "meeting_start", "开始时间", "the meeting start", scope="header"),
        not_before("sent_at", "meeting_end", "会议结束时间", "the meeting end", scope="header"),
    ),
)

TIMESHEET = Form(
    "timesheet", "工时表", "Timesheet",
    header=(
        Field("staff", "员工", "Staff", required=True, canonical=_people_name, suggest_from="people",
              help_zh="从下拉列表选择您的姓名；名单中没有时请联系管理员",
              help_en="pick your name from the list; if it is missing, ask the administrator"),
        Field("department", "部门", "Department", "enum", required=True, choices=DEPARTMENT),
        Field("week_start", "周起始日", "Week starting", "date", required=True,
              help_zh="星期一", help_en="a Monday", example="2026-11-23"),
    ),
    columns=(
        Field("date", "日期", "Date", "date", required=True),
        job_no(required=False),
        Field("category", "工作类别", "Category", "enum", required=True, choices_from="timesheet_categories", width=28),
        Field("hours", "小时", "Hours", "decimal", required=True, min=D(0), min_exclusive=True, max=D(24),
              multiple_of=D("0.25"), width=8, help_zh="以 0.25 小时为单位", help_en="in steps of 0.25"),
        Field("description", "工作内容", "Description", width=36),
    ),
    key=("staff", "week_start"),
    rules=(
        RowRule("not_monday", "week_start", "周起始日必须是星期一", "the week must start on a Monday",
                _is_monday, needs=("week_start",), scope="header", explain=_monday_should_be),
        RowRule("unknown_staff", "staff", "员工姓名不在员工名单中", "the staff name is not on the staff list",
                _staff_known, needs=("staff",), scope="header", explain=_staff_names),
        _within("date", _week, "outside_week", "日期不在本周内", "the date is not within the week"),
        required_when("job_no", lambda r: r.get("category") not in (None, "non_billable"),
                      "计费工时", "the category is billable", needs=("category",)),
    ),
    table_rules=(TableRule("daily_hours", _daily_hours, fields=("hours",)),),
    tallies=(
        Tally("day_total", "当日合计", "Day total", of="hours", by="date", width=10,
              warn_from="daily_hours_warning", stop_at=24),
        Tally("week_total", "本周合计", "Week total", of="hours", width=10),
    ),
)

_PREVIEW = ("预览，以正式报价为准", "preview; the priced quote is binding")

QUOTE = Form(
    "quote", "报价单", "Quote",
    header=(
        job_no(),
        Field("quote_type", "报价类型", "Quote type", "enum", required=True,
              choices=_enum(("creative", "创意报价", "Creative quote"), ("production", "制作报价", "Production quote"))),
        Field("version", "版本", "Version", "int", required=True, min=D(1)),
        Field("prepared_by", "制表人", "Prepared by", required=True),
        Field("quote_date", "报价日期", "Quote date", "date", required=True),
    ),
    columns=(
        Field("line_type", "类型", "Line type", "enum", required=True, choices=_enum(
            ("hours", "工时", "Hours"), ("cost", "外付成本", "Out-of-pocket cost"),
            ("film", "软片", "Film"), ("postage", "邮寄费", "Postage"))),
        Field("category", "类别", "Category", width=18,
              help_zh="工时：费率类别；成本：费用类型；软片：bw 或 colour_proof",
              help_en="hours: rate category; cost: cost type; film: bw or colour_proof"),
        Field("description", "说明", "Description", width=30),
        Field("hours", "小时", "Hours", "decimal", min=D(0), min_exclusive=True, multiple_of=D("0.25"), width=8),
        Field("width_cm", "宽(厘米)", "Width (cm)", "decimal", min=D(0), min_exclusive=True, width=10),
        Field("height_cm", "高(厘米)", "Height (cm)", "decimal", min=D(0), min_exclusive=True, width=10),
        Field("quantity", "数量", "Quantity", "int", default=1, min=D(1), width=8),
        Field("amount", "金额", "Amount", "money", min=D(0),
              help_zh="成本和邮寄行填写；工时和软片行留空", help_en="for cost and postage lines; blank on hours and film lines"),
    ),
    key=("job_no", "quote_type", "version"),
    rules=(
        required_when("category", lambda r: r.get("line_type") in ("hours", "film", "cost"), "工时、软片或成本行", "an hours, film or cost line"),
        RowRule("bad_category", "category", "类别与行类型不符（工时用费率类别，软片用 bw/colour_proof，成本用费用类型）",
                "category does not fit the line type (hours: a rate category; film: bw or colour_proof; cost: a cost type)",
                _quote_category, needs=("category", "line_type")),
        required_when("hours", lambda r: r.get("line_type") == "hours", "工时行", "an hours line"),
        required_when("width_cm", lambda r: r.get("line_type") == "film", "软片行", "a film line"),
        required_when("height_cm", lambda r: r.get("line_type") == "film", "软片行", "a film line"),
        required_when("amount", lambda r: r.get("line_type") in ("cost", "postage"), "成本或邮寄行", "a cost or postage line"),
        RowRule("amount_priced", "amount", "工时和软片行的金额由系统计算，请留空", "hours and film lines are priced by the toolkit; leave the amount blank",
                lambda r, h, c: r.get("line_type") not in ("hours", "film") or r.get("amount") is None,
                needs=("amount", "line_type"), severity=WARNING),
    ),
    # each line's amount and the total as staff type, priced as adtools.fees.price_quote prices them
    # (tests/test_template_quote_amounts.py holds the two together); a preview: the template keeps the
    # rates of the config it was built with, and `adtools quote price` prices the file
    tallies=(
        Tally("line_amount", "金额预览", "Amount preview", width=13, case="line_type", note=_PREVIEW, prices=(
            Price("hours", ("hours", Rate("小时费率", "hourly rate", lambda cfg, day: cfg.rates_on(day),
                                          key="category", at="quote_date",
                                          changes=lambda cfg: [c.effective_from for c in cfg.rate_cards]))),
            Price("film", ("width_cm", "height_cm", "quantity",
                           Rate("软片基准价", "film per piece", lambda cfg, _: {"bw": cfg.film.bw,
                                                                              "colour_proof": cfg.film.colour_proof},
                                key="category")),
                  per=Rate("软片基准面积", "film base area",
                           lambda cfg, _: cfg.film.base_width_cm * cfg.film.base_height_cm)),
            Price("cost", ("amount", Rate("外付成本加成系数", "cost markup factor", lambda cfg, _: 1 + cfg.fees.oop_markup))),
            Price("postage", ("amount",)),
        )),
        Tally("total", "含税合计预览", "Total incl. tax preview", of="line_amount", width=14, note=_PREVIEW,
              tax=Rate("税率", "tax rate", lambda cfg, _: cfg.fees.tax_rate)),
    ),
)

COSTS = Form(
    "costs", "外付成本登记", "Out-of-pocket cost log",
    header=(register_id(),),
    columns=(
        Field("date", "日期", "Date", "date", required=True),
        job_no(),
        Field("vendor", "供应商", "Vendor", required=True, width=20),
        Field("cost_type", "费用类型", "Cost type", "enum", required=True, choices=COST_TYPES, width=18),
        Field("film_kind", "软片类型", "Film kind", "enum", choices=FILM_KINDS),
        Field("width_cm", "宽(厘米)", "Width (cm)", "decimal", min=D(0), min_exclusive=True, width=10),
        Field("height_cm", "高(厘米)", "Height (cm)", "decimal", min=D(0), min_exclusive=True, width=10),
        Field("quantity", "数量", "Quantity", "int", default=1, min=D(1), width=8),
        Field("amount", "金额", "Amount", "money", min=D(0),
              help_zh="软片按费率计算，可留空", help_en="film is priced by the rate card and may be blank"),
        Field("invoice_no", "发票号", "Invoice No."),
        Field("billable", "可向客户收费", "Billable", "bool", default=True),
    ),
    key=("register_id",),
    rules=(
        required_when("film_kind", lambda r: r.get("cost_type") == "film", "软片费用", "the cost type is film"),
        required_when("width_cm", lambda r: r.get("cost_type") == "film", "软片费用", "the cost type is film"),
        required_when("height_cm", lambda r: r.get("cost_type") == "film", "软片费用", "the cost type is film"),
        required_when("amount", lambda r: r.get("cost_type") not in (None, "film"), "非软片费用", "the cost type is not film",
                      needs=("cost_type",)),
    ),
)

MEDIA_SCHEDULE = Form(
    "media_schedule", "媒体排期表", "Media schedule and bookings",
    header=(
        Field("campaign", "广告活动", "Campaign", required=True, width=20),
        Field("flight", "波次", "Flight", required=True),
        Field("flight_start", "波次开始", "Flight start", "date", required=True),
        Field("flight_end", "波次结束", "Flight end", "date", required=True),
        Field("scope", "范围", "Scope", "enum", required=True,
              choices=_enum(("national", "全国", "National"), ("local", "地方", "Local"))),
        job_no(),
        Field("version", "版本", "Version", "int", required=True, min=D(1)),
    ),
    columns=(
        Field("media", "媒体", "Media", required=True, width=14),
        Field("city", "城市", "City", width=10),
        Field("date", "刊登日期", "Run date", "date", required=True),
        Field("size", "规格", "Size", required=True, width=12, help_zh="如 整版、半版 或 宽×高 cm", help_en="e.g. 整版, 半版 or W×H cm"),
        Field("colour", "色彩", "Colour", "enum", required=True, choices=COLOUR),
        Field("position", "版位", "Position", width=12),
        Field("gross", "刊例价", "Gross rate", "money", required=True, min=D(0)),
        Field("discount", "折扣", "Discount", "decimal", default=Decimal(0), min=D(0), max=D(1), max_exclusive=True,
              percent=True, width=10, help_zh="0 至 1 之间的小数或百分比，如 0.35 或 35%", help_en="a fraction in [0, 1) or a percent, e.g. 0.35 or 35%"),
        Field("net", "净价", "Net cost", "money", min=D(0), compute=_net, computed_from=("gross", "discount"),
              help_zh="= 刊例价 ×（1 − 折扣），可留空由系统计算", help_en="= gross × (1 − discount); may be left blank"),
        Field("status", "状态", "Status", "enum", required=True, choices=_enum(
            ("planned", "计划", "Planned"), ("booked", "已订位", "Booked"), ("cancelled", "已取消", "Cancelled"))),
        Field("booking_ref", "订位号", "Booking ref", width=14),
    ),
    key=("campaign", "flight", "version"),
    rules=(
        not_before("flight_end", "flight_start", "波次开始", "the flight start", scope="header"),
        _within("date", _flight, "outside_flight", "刊登日期不在波次期间内", "the run date is not within the flight"),
        RowRule("net_mismatch", "net", "净价与 刊例价 ×（1 − 折扣）相差超过 0.01", "net differs from gross × (1 − discount) by more than 0.01",
                _net_matches, needs=("gross", "discount", "net"), explain=_net_should_be),
        required_when("booking_ref", lambda r: r.get("status") == "booked", "已订位", "booked"),
        RowRule("unknown_media", "media", "媒体不在 [monitoring] media 监测名单中", "the media title is not in [monitoring] media",
                _media_known, needs=("media",), severity=WARNING),
    ),
)

MEDIA_INVOICE = Form(
    "media_invoice", "媒体发票登记", "Media invoices",
    header=(register_id(),),
    columns=(
        Field("invoice_no", "发票号", "Invoice No.", required=True, width=16),
        Field("media", "媒体", "Media", required=True),
        Field("date", "刊登日期", "Run date", "date", required=True),
        Field("size", "规格", "Size"),
        Field("booking_ref", "订位号", "Booking ref"),
        Field("amount", "金额", "Amount", "money", required=True),
    ),
    key=("register_id",),
)

MONITORING = Form(
    "monitoring", "媒体监测记录", "Media monitoring log",
    header=(
        Field("month", "监测月份", "Month", "month", required=True, help_zh="如 2026-11", help_en="e.g. 2026-11"),
        Field("monitor", "监测单位", "Monitored by", required=True, width=20),
    ),
    columns=(
        Field("date", "日期", "Date", "date", required=True),
        Field("media", "媒体", "Media", required=True),
        Field("city", "城市", "City", width=10),
        Field("advertiser", "广告主/品牌", "Advertiser / brand", required=True, width=16),
        Field("category", "品类", "Category", width=10),
        Field("product", "产品/型号", "Product / model", width=16),
        Field("size", "规格", "Size", required=True),
        Field("colour", "色彩", "Colour", "enum", choices=COLOUR),
        Field("position", "版位", "Position"),
        Field("theme", "广告主题", "Theme / headline", width=24),
        Field("est_cost", "估算费用", "Est. cost", "money", min=D(0)),
        Field("new_creative", "新广告", "New creative", "bool", default=False),
        Field("clipping_ref", "剪报编号", "Clipping ref"),
    ),
    key=("month", "monitor"),
    rules=(
        _within("date", _month, "outside_month", "日期不在监测月份内", "the date is not within the month"),
    ),
)

PAYMENTS = Form(
    "payments", "收付款登记", "Payments",
    header=(register_id(),),
    columns=(
        Field("date", "日期", "Date", "date", required=True),
        Field("direction", "方向", "Direction", "enum", required=True,
              choices=_enum(("in", "收款", "Received"), ("out", "付款", "Paid out"))),
        Field("counterparty", "往来单位", "Counterparty", required=True, width=20),
        Field("purpose", "用途", "Purpose", "enum", required=True, choices=_enum(
            ("media_prepayment", "媒体预付款", "Media prepayment"), ("media", "媒体款", "Media"),
            ("creative_fee", "创意费", "Creative fee"), ("production", "制作费", "Production"), ("other", "其他", "Other"))),
        Field("campaign", "广告活动", "Campaign", width=20),
        job_no(required=False),
        Field("amount", "金额", "Amount", "money", required=True, min=D(0), min_exclusive=True),
        Field("reference", "凭证号", "Reference"),
    ),
    key=("register_id",),
)

ARCHIVE = Form(
    "archive", "存档登记", "Archive register",
    header=(register_id(),),
    columns=(
        Field("doc_id", "文件编号", "Doc ID", required=True, unique=True),
        job_no(),
        Field("doc_type", "文件类型", "Document type", "enum", required=True, width=18, choices=_enum(
            ("signed_creative", "签字创意", "Signed creative"), ("signed_media_plan", "签字媒体计划", "Signed media plan"),
            ("signed_quote", "签字报价", "Signed quote"), ("minutes", "会议记录", "Minutes"),
            ("model_release", "模特肖像权", "Model release"), ("footage_licence", "租片授权", "Footage licence"),
            ("other", "其他", "Other"))),
        Field("title", "标题", "Title", required=True, width=24),
        Field("signed_on", "签字日期", "Signed on", "date"),
        Field("rights_start", "授权开始", "Rights start", "date"),
        Field("rights_end", "授权截止", "Rights end", "date"),
        Field("scope", "授权范围", "Rights scope", width=20),
        Field("location", "存放位置", "Location", required=True, width=24),
        Field("client_copy_on", "交客户存档日期", "Copy to client on", "date"),
    ),
    key=("register_id",),
    rules=(
        required_when("rights_end", lambda r: r.get("doc_type") in ("model_release", "footage_licence"),
                      "肖像权或租片授权", "a model release or footage licence"),
        not_before("rights_end", "rights_start", "授权开始", "the rights start"),
    ),
)

FLIGHT_NOTES = Form(
    "flight_notes", "投放总结", "Flight notes",
    header=(
        Field("campaign", "广告活动", "Campaign", required=True, width=20),
        Field("flight", "波次", "Flight", required=True),
        Field("author", "填写人", "Author", required=True),
    ),
    columns=(
        Field("section", "部分", "Section", "enum", required=True, choices=_enum(
            ("effect", "效果", "Effect"), ("next_steps", "下步建议", "Next steps"),
            ("competitors", "竞争对手", "Competitors"), ("response", "对策", "Response"))),
        Field("text", "内容", "Text", required=True, width=60),
    ),
    key=("campaign", "flight"),
)


def brand_key(text: Any) -> str:
    """How an advertiser's name is compared: full width to half (NFKC), case folded, no spaces at all.

    `Ｍｉｄｅａ`, `midea` and `MIDEA` are one key, and so are `美 的` and `美的`;
    the monitoring reports and the brand-alias register match on this key.
    """
    return "".join(unicodedata.normalize("NFKC", str(text)).casefold().split()) if text is not None else ""


def _alias_conflicts(rows, header, cfg) -> Iterable[Violation]:
    """One alias (compared as `brand_key`) given two display names or sides: an error naming both rows."""
    seen: dict[str, tuple[Any, Any, Any]] = {}
    for i, r in enumerate(rows):
        key, brand, side = brand_key(r.get("alias")), r.get("brand"), r.get("side")
        if not key or brand is None:
            continue
        if key not in seen:
            seen[key] = (brand, side, r.get("_row", i + 1))
            continue
        first_brand, first_side, first_row = seen[key]
        if (brand_key(first_brand), first_side) != (brand_key(brand), side):
            here = r.get("_row", i + 1)
            yield Violation(
                "brand",
                f"别名「{r.get('alias')}」在第 {first_row} 行对应「{first_brand}」，在第 {here} 行对应「{brand}」：一个别名只能对应一个显示名",
                f"the alias {r.get('alias')!r} is mapped to {first_brand!r} on row {first_row} and to {brand!r} on row "
                f"{here}: one alias, one display name",
                row_index=i,
            )


BRAND_ALIASES = Form(
    "brand_aliases", "品牌别名登记", "Brand alias register",
    header=(register_id(),),
    columns=(
        Field("alias", "剪报中的写法", "Alias as written", required=True, width=20,
              help_zh="不分大小写、全角半角和空格", help_en="matched case-, width- and space-insensitively"),
        Field("brand", "显示名", "Display name", required=True, width=20,
              help_zh="客户品牌填品牌名，报告中归入客户名下", help_en="for the client: its brand, reported under the client's name"),
        Field("side", "归属", "Belongs to", "enum", required=True, choices=_enum(
            ("client", "客户", "Client"), ("competitor", "竞争对手", "Competitor"), ("other", "其他", "Other"))),
        Field("note", "备注", "Note", width=30),
    ),
    key=("register_id",),
    table_rules=(TableRule("alias_conflict", _alias_conflicts, fields=("brand",)),),
)


# ----------------------------------------------------------------- the catalog
def build_catalog(*forms: Form) -> Mapping[str, Form]:
    """Forms by id, refusing (SchemaError) what each Form alone cannot see: two forms with one id
    or one sheet name, and an enum's `choices_from` that names no list of config.toml."""
    problems = []
    for attr, what in (("form_id", "id"), ("sheet_name", "sheet name")):
        for value, n in Counter(getattr(f, attr) for f in forms).items():
            if n > 1:
                problems.append(f"{n} forms have the {what} {value!r}")
    for f in forms:
        for fld in f.fields:
            if fld.suggest_from is not None and fld.suggest_from not in _SUGGESTION_SOURCES:
                problems.append(f"form {f.form_id!r}, field {fld.key!r}: suggest_from {fld.suggest_from!r} is none of "
                                f"{', '.join(_SUGGESTION_SOURCES)}")
            if fld.choices_from is not None and fld.choices_from not in _CHOICE_SOURCES:
                problems.append(f"form {f.form_id!r}, field {fld.key!r}: choices_from {fld.choices_from!r} is none of "
                                f"{', '.join(_CHOICE_SOURCES)}")
    if problems:
        raise SchemaError("the catalog of forms is declared wrongly: " + "; ".join(problems))
    return MappingProxyType({f.form_id: f for f in forms})


FORMS: Mapping[str, Form] = build_catalog(
    WORK_ORDER, SIGN_OFF, PROGRESS, MINUTES, TIMESHEET, QUOTE, COSTS, MEDIA_SCHEDULE,
    MEDIA_INVOICE, MONITORING, PAYMENTS, ARCHIVE, FLIGHT_NOTES, BRAND_ALIASES,
)


def form(form_id: str) -> Form:
    """The form of an id; KeyError lists the valid ids."""
    try:
        return FORMS[form_id]
    except KeyError:
        raise KeyError(f"unknown form {form_id!r}; forms are: {', '.join(FORMS)}") from None


def field_label(form_id: str | None, key: str) -> str:
    """`中文 English` of a form's field, for people; the key itself when the form or the field is unknown."""
    f = next((f for f in FORMS[form_id].fields if f.key == key), None) if form_id in FORMS else None
    return f"{f.zh} {f.en}" if f is not None else key
