"""Clean, realistic cell values for every form, and a RawWorkbook builder, for the validator's tests.

Values are what a spreadsheet engine hands over: text as typed, numbers as floats,
date cells as datetimes, dropdown choices as their `中文 English` label.  The
values below are the ones the tests speak of; any required field they leave out
gets one from the form's schema (`adtools.forms.samples.complete`), so a field
added to the catalog needs no edit here.
"""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from adtools.config import config_from_dict
from adtools.forms.catalog import FORMS
from adtools.forms.parse import parse_value
from adtools.forms.samples import complete
from adtools.forms.schema import Field, RawCell, RawWorkbook
from adtools.forms.template import yes_no_choices

CFG = config_from_dict(
    {"people": [{"name": "张伟", "email": "zhang.wei@agency.example", "department": "account"}]},
    base_dir=Path("."),
)

HEADER_FIRST_ROW = 3  # header inputs in column C from row 3 down
TABLE_HEADER_ROW = 14  # the table's header row; data starts below it
D = datetime

CLEAN: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {
    "work_order": (
        {"order_no": "WO-2026-015", "job_no": "HRFR-2026-001", "brand": "海尔冰箱", "campaign": "双十一",
         "order_type": "新工作 New work", "issued_at": D(2026, 11, 2, 10, 30), "issued_by": "李明",
         "received_by": "张伟", "rush": "N", "client_signed_by": "李明", "signed_on": D(2026, 11, 2)},
        [{"deliverable": "创意概念 Creative concept", "quantity": 1.0, "requested_due": D(2026, 11, 11), "notes": "主画面"},
         {"deliverable": "artwork", "quantity": None, "requested_due": "2026/11/16", "notes": None}],
    ),
    "sign_off": (
        {"register_id": "SO-2026-A"},
        [{"job_no": "HRFR-2026-001", "document": "媒体排期 Media schedule", "version": 1.0, "submitted_on": D(2026, 11, 3),
          "decision": "确认 Approved", "decided_on": D(2026, 11, 4), "signed_by": "李明", "comments": None, "amount": 120000.0},
         {"job_no": "HRFR-2026-001", "document": "design_quote", "version": 2.0, "submitted_on": D(2026, 11, 5),
          "decision": None, "decided_on": None, "signed_by": None, "comments": None, "amount": "¥35,000.00"},
         {"job_no": "HRFR-2026-001", "document": "work_plan", "version": 1.0, "submitted_on": D(2026, 11, 3),
          "decision": "修改", "decided_on": D(2026, 11, 5), "signed_by": None, "comments": "标题改大", "amount": None}],
    ),
    "progress": (
        {"register_id": "PR-2026-A"},
        [{"job_no": "HRFR-2026-001", "stage": "布置工作 Work order", "done_on": D(2026, 11, 2), "owner": "客户 Client",
          "deliverable": None, "note": None},
         {"job_no": "HRFR-2026-001", "stage": "proposal", "done_on": D(2026, 11, 10), "owner": "客户部",
          "deliverable": "creative_concept", "note": "提案通过"}],
    ),
    "minutes": (
        {"title": "创意提案会", "job_no": "HRFR-2026-001", "meeting_start": D(2026, 11, 5, 14, 0),
         "meeting_end": D(2026, 11, 5, 16, 0), "important": "是 Yes", "attendees": "李明、张伟", "prepared_by": "张伟",
         "sent_at": "2026-11-06 09:00"},
        [{"item": "修改主画面", "owner": "创意部", "due": D(2026, 11, 9), "status": "进行中 Open"},
         {"item": "确认排期", "owner": None, "due": None, "status": None}],
    ),
    "timesheet": (
        {"staff": "张伟", "department": "客户部 Account", "week_start": D(2026, 11, 2)},
        [{"date": D(2026, 11, 2), "job_no": "HRFR-2026-001", "category": "平面创意 Print creative", "hours": 7.5,
          "description": "提案准备"},
         {"date": D(2026, 11, 3), "job_no": None, "category": "非计费", "hours": 1.0, "description": "部门会议"},
         {"date": "2026-11-03", "job_no": "HRFR-2026-001", "category": "print_artwork", "hours": "6.25", "description": None}],
    ),
    "quote": (
        {"job_no": "HRFR-2026-001", "quote_type": "创意报价 Creative quote", "version": 1.0, "prepared_by": "张伟",
         "quote_date": D(2026, 11, 6)},
        [{"line_type": "工时 Hours", "category": "print_creative", "description": "创意设计", "hours": 12.0,
          "width_cm": None, "height_cm": None, "quantity": None, "amount": None},
         {"line_type": "cost", "category": "photography", "description": "产品摄影", "hours": None,
          "width_cm": None, "height_cm": None, "quantity": 1.0, "amount": 8000.0},
         {"line_type": "软片", "category": "bw", "description": None, "hours": None,
          "width_cm": 21.0, "height_cm": 29.7, "quantity": 2.0, "amount": None},
         {"line_type": "邮寄费 Postage", "category": None, "description": "快递", "hours": None,
          "width_cm": None, "height_cm": None, "quantity": None, "amount": "50元"}],
    ),
    "costs": (
        {"register_id": "CO-2026-A"},
        [{"date": D(2026, 11, 7), "job_no": "HRFR-2026-001", "vendor": "光影摄影", "cost_type": "摄影 Photography",
          "film_kind": None, "width_cm": None, "height_cm": None, "quantity": None, "amount": 8000.0,
          "invoice_no": 12345678.0, "billable": None},
         {"date": D(2026, 11, 8), "job_no": "HRFR-2026-001", "vendor": "彩印中心", "cost_type": "film",
          "film_kind": "黑白", "width_cm": 42.0, "height_cm": 29.7, "quantity": 2.0, "amount": None,
          "invoice_no": "FP-0099", "billable": "Y"}],
    ),
    "media_schedule": (
        {"campaign": "双十一", "flight": "第一波", "flight_start": D(2026, 11, 1), "flight_end": D(2026, 11, 15),
         "scope": "全国 National", "job_no": "HRFR-2026-001", "version": 1.0},
        [{"media": "人民日报", "city": "北京", "date": D(2026, 11, 3), "size": "整版", "colour": "彩色 Colour",
          "position": "头版", "gross": 300000.0, "discount": "35%", "net": None, "status": "已订位 Booked",
          "booking_ref": "BK-001"},
         {"media": "新民晚报", "city": "上海", "date": D(2026, 11, 4), "size": "半版", "colour": "bw",
          "position": None, "gross": "¥80,000", "discount": 0.35, "net": 52000.0, "status": "计划",
          "booking_ref": None},
         {"media": "广州日报", "city": "广州", "date": "2026年11月5日", "size": "25×35 cm", "colour": "彩色",
          "position": None, "gross": 12345.67, "discount": None, "net": None, "status": "planned", "booking_ref": None}],
    ),
    "media_invoice": (
        {"register_id": "MI-2026-A"},
        [{"invoice_no": 88001234.0, "media": "人民日报", "date": D(2026, 11, 3), "size": "整版", "booking_ref": "BK-001",
          "amount": 195000.0}],
    ),
    "monitoring": (
        {"month": "2026-11", "monitor": "慧聪监测"},
        [{"date": D(2026, 11, 3), "media": "人民日报", "city": "北京", "advertiser": "美的", "category": "冰箱",
          "product": "BCD-520", "size": "半版", "colour": "黑白", "position": "A3", "theme": "新品上市",
          "est_cost": 150000.0, "new_creative": "✓", "clipping_ref": "C-0001"},
         {"date": D(2026, 11, 30), "media": "北京晚报", "city": None, "advertiser": "海尔", "category": None,
          "product": None, "size": "整版", "colour": None, "position": None, "theme": None,
          "est_cost": None, "new_creative": None, "clipping_ref": None}],
    ),
    "payments": (
        {"register_id": "PA-2026-A"},
        [{"date": D(2026, 11, 10), "direction": "收款 Received", "counterparty": "海尔集团", "purpose": "媒体预付款",
          "campaign": "双十一", "job_no": "HRFR-2026-001", "amount": "1,000,000.00", "reference": "PZ-01"},
         {"date": D(2026, 11, 12), "direction": "out", "counterparty": "人民日报社", "purpose": "media",
          "campaign": None, "job_no": None, "amount": 195000.0, "reference": None}],
    ),
    "archive": (
        {"register_id": "AR-2026-A"},
        [{"doc_id": "A-001", "job_no": "HRFR-2026-001", "doc_type": "模特肖像权 Model release", "title": "模特王某肖像授权",
          "signed_on": D(2026, 10, 20), "rights_start": D(2026, 11, 1), "rights_end": D(2027, 10, 31),
          "scope": "中国大陆平面", "location": "柜A-3", "client_copy_on": None},
         {"doc_id": "A-002", "job_no": "HRFR-2026-001", "doc_type": "signed_creative", "title": "主画面签字稿",
          "signed_on": D(2026, 11, 4), "rights_start": None, "rights_end": None, "scope": None,
          "location": "柜A-4", "client_copy_on": D(2026, 11, 6)}],
    ),
    "flight_notes": (
        {"campaign": "双十一", "flight": "第一波", "author": "张伟"},
        [{"section": "效果 Effect", "text": "到达率高于预期"}, {"section": "next_steps", "text": "第二波加大晚报投放"}],
    ),
    "brand_aliases": (
        {"register_id": "BA-2026"},
        [{"alias": "美菱", "brand": "美菱 Meiling", "side": "竞争对手 Competitor"},
         {"alias": "统帅", "brand": "统帅 Leader", "side": "client", "note": "海尔旗下品牌"},
         {"alias": "ＭＥＩＬＩＮＧ", "brand": "美菱 meiling", "side": "competitor"}],  # one name, written twice
    ),
}


def _as_read(f: Field, value: Any) -> Any:
    """A typed value as a spreadsheet engine hands it over."""
    if value is None:
        return None
    if f.type == "enum":
        return next(c.label for c in f.choices_for(CFG) if c.key == value)
    if f.type == "bool":
        return yes_no_choices()[0 if value else 1].label
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, (int, Decimal)):
        return float(value)
    return value


def _with_every_required_field(form_id: str, header: dict[str, Any], rows: list[dict[str, Any]]):
    """The records with a value, as read, for every required field they leave out."""
    form = FORMS[form_id]

    def typed(record: dict[str, Any]) -> dict[str, Any]:  # the rules that say what is required read typed values
        return {k: parse_value(form.field(k), v, CFG).value for k, v in record.items()}

    done_header, done_rows = complete(form, CFG, typed(header), [typed(r) for r in rows], seed=form_id)

    def added(given: dict[str, Any], done: dict[str, Any]) -> dict[str, Any]:
        return {**given, **{k: _as_read(form.field(k), v) for k, v in done.items() if k not in given}}

    return added(header, done_header), [added(r, d) for r, d in zip(rows, done_rows)]


CLEAN = {form_id: _with_every_required_field(form_id, *records) for form_id, records in CLEAN.items()}


def header_address(form_id: str, key: str) -> str:
    keys = [f.key for f in FORMS[form_id].header]
    return f"C{HEADER_FIRST_ROW + keys.index(key)}"


def column_address(form_id: str, key: str, row_index: int) -> str:
    keys = [f.key for f in FORMS[form_id].columns]
    return f"{get_column_letter(keys.index(key) + 1)}{TABLE_HEADER_ROW + 1 + row_index}"


def clean(form_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Copies of a form's clean header and rows, to change in a test."""
    header, rows = CLEAN[form_id]
    return dict(header), [dict(r) for r in rows]


def raw_workbook(form_id: str, header: dict[str, Any], rows: list[dict[str, Any]], *,
                 errors: dict[str, str] | None = None, path: str | None = None, **kw: Any) -> RawWorkbook:
    """A RawWorkbook as the reader would give it: every located cell with its address.

    `errors` maps "key" (header) or "key@i" (row i) to an Excel error text such as "#N/A".
    """
    form = FORMS[form_id]
    errors = errors or {}

    def cell(value: Any, address: str, tag: str) -> RawCell:
        if tag in errors:
            return RawCell(None, address, error=errors[tag])
        return RawCell(value, address)

    raw_header = {
        f.key: cell(header.get(f.key), header_address(form_id, f.key), f.key)
        for f in form.header if f.key in header or f.key in errors
    }
    raw_rows = []
    for i, row in enumerate(rows):
        cells = {
            f.key: cell(row.get(f.key), column_address(form_id, f.key, i), f"{f.key}@{i}")
            for f in form.columns if f.key in row or f"{f.key}@{i}" in errors
        }
        raw_rows.append((TABLE_HEADER_ROW + 1 + i, cells))
    return RawWorkbook(
        path=Path(path or f"inbox/{form.zh}.xlsx"), form_id=form_id, sheet=form.sheet_name,
        header=raw_header, rows=raw_rows, engine="test", form_version=form.version, **kw,
    )


def write_xlsx(path: str | Path, form_id: str, header: dict[str, Any], rows: list[dict[str, Any]], *,
               errors: dict[str, str] | None = None) -> Path:
    """The same cells as `raw_workbook`, in a real workbook written with openpyxl.

    Sheet named as the form, header inputs in column C with defined names f_<key>,
    the table t_<form_id> with `中文\\nEnglish` header cells at TABLE_HEADER_ROW, a hidden
    `_meta`.  Error texts ("#N/A") become Excel error cells.
    """
    from openpyxl import Workbook
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.table import Table

    form = FORMS[form_id]
    errors = errors or {}
    wb = Workbook()
    ws = wb.active
    ws.title = form.sheet_name
    ws["A1"] = f"{form.zh} {form.en}"
    for f in form.header:
        address = header_address(form_id, f.key)
        row = int(address[1:])
        ws.cell(row=row, column=2, value=f"{f.zh} {f.en}")
        ws[address] = errors.get(f.key, header.get(f.key))
        wb.defined_names[f"f_{f.key}"] = DefinedName(f"f_{f.key}", attr_text=f"'{form.sheet_name}'!$C${row}")
    for j, f in enumerate(form.columns, 1):
        ws.cell(row=TABLE_HEADER_ROW, column=j, value=f.label)
    for i, r in enumerate(rows):
        for j, f in enumerate(form.columns, 1):
            ws.cell(row=TABLE_HEADER_ROW + 1 + i, column=j, value=errors.get(f"{f.key}@{i}", r.get(f.key)))
    last = TABLE_HEADER_ROW + max(len(rows), 1)
    ws.add_table(Table(displayName=form.table_name,
                       ref=f"A{TABLE_HEADER_ROW}:{get_column_letter(len(form.columns))}{last}"))
    meta = wb.create_sheet("_meta")
    meta.append(["form_id", form_id])
    meta.append(["form_version", form.version])
    meta.sheet_state = "hidden"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
