"""The demo's one story: a Haier fridge campaign, two flights, six staff, two months.

Every date is counted in working days back from `today`, so the story always ends
"now": the first work order arrives START working days before today, the first
flight ran two to four weeks ago, the second is running.  What a report should
find is planted on purpose (with the default config.toml):

- a gate violation: flight 1 was booked the day before the client approved its
  media schedule (progress log);
- deliverables on time, one late (copy and layout), one overdue (the local
  schedule of the media change order), one due soon (the change order's artwork);
- a sign-off returned for revision (design quote v1) and one pending longer than
  the client's response time (the flight 1 review minutes);
- important meetings whose minutes went out on time, and one in the week the
  Monday report covers whose minutes went out late;
- one person (the second creative) missing last week's timesheet and one week's
  of the previous month (the month the fee statement covers);
- a media invoice that does not match its booking, a booking not yet invoiced,
  a booked placement the monitoring did not see, a cancelled booking;
- a model release whose rights end within `[sla] rights_alert_days`;
- a footage licence of the media job that ended on the day of flight 1's fifth
  insertion: the strip ad the next day (its clipping is the proof) and the booked
  insertions of flight 2 run after it;
- the minutes of the flight 1 review meeting missing from the archive.

The story sets the fields it tells something with; every other required field
gets a value from the form's schema (`adtools.forms.samples.complete`), so a
field added to the catalog needs no edit here.  A quote's amount is what
`adtools.fees.price_quote` makes of its lines.

Deterministic for a given (config, today).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Iterator

from ..calendar import WorkCalendar
from ..clock import last_friday, previous_month
from ..fees import price_quote
from ..forms.catalog import FORMS
from ..forms.samples import CLIENT_CONTACTS, FRIDGE_MODELS, MEDIA_CITIES, complete, job_numbers, staff_by_department
from ..money import round_fen

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["START", "SampleDocument", "Workdays", "demo_documents", "quote_amount"]

D = Decimal
START = 42  # working days before today that the campaign's first work order arrives
_FULL_PAGE = (D(480000), D(180000), D(260000), D(300000))  # gross rate of a full colour page, per title
_SHAPE = {"整版": D("1"), "半版": D("0.55"), "通栏": D("0.3"), "1/4版": D("0.3")}


@dataclass(frozen=True)
class SampleDocument:
    """One filled-in workbook of the demo: which form, where in the inbox, what is typed, by whom."""

    form_id: str
    filename: str  # relative path inside the inbox, POSIX separators: account/工作布置单_BZD-2026-001.xlsx
    header: dict[str, Any]
    rows: list[dict[str, Any]]
    author: str
    saved_at: datetime | None = None  # local time the author saved it (docProps modified, file mtime)


class Workdays:
    """The working days the story counts in: adtools.calendar.WorkCalendar of the config."""

    def __init__(self, cfg: "Config"):
        self._cal = WorkCalendar.from_config(cfg)

    def is_workday(self, d: date) -> bool:
        return self._cal.is_workday(d)

    def before(self, d: date) -> Iterator[date]:
        """Working days strictly before `d`, latest first."""
        cur = d - timedelta(days=1)
        while True:
            if self._cal.is_workday(cur):
                yield cur
            cur -= timedelta(days=1)

    def add(self, d: date, n: int) -> date:
        """The n-th working day after `d` (n >= 1; `d` itself never counts), as the turnaround rule counts."""
        return self._cal.add_workdays(d, n)


def quote_amount(cfg: "Config", lines: list[dict[str, Any]], on: date) -> Decimal:
    """What a quote of these lines dated `on` comes to, tax included: `adtools.fees.price_quote`'s total.

    The sign-off register and the payments state this amount; `adtools quote price`
    makes the same of the quote's workbook.
    """
    return price_quote({"quote_date": on}, lines, cfg).total


def demo_documents(cfg: "Config", today: date) -> list[SampleDocument]:
    """Every workbook of the demo, in the order staff would have saved them, anchored on `today`."""
    story = _Story(cfg, today)
    docs = (
        story.work_orders()
        + [story.sign_off(), story.progress()]
        + story.minutes()
        + story.timesheets()
        + story.quotes()
        + [story.costs()]
        + story.media_schedules()
        + [story.media_invoices()]
        + story.monitoring_history()
        + story.monitoring()
        + [story.payments(), story.archive(), story.flight_notes(), story.brand_aliases()]
    )
    return sorted((story.complete(d) for d in docs), key=lambda d: (d.saved_at or datetime.min, d.filename))


class _Story:
    def __init__(self, cfg: "Config", today: date):
        self.cfg, self.today = cfg, today
        self.cal = Workdays(cfg)
        it = self.cal.before(today)
        self._back = [next(it) for _ in range(START + 1)]
        self.year = self.e(0).year
        self.job_a, self.job_b = job_numbers(cfg, self.year, 2)  # creative, media
        season = "春夏" if 3 <= self.e(0).month <= 8 else "秋冬"
        self.campaign = f"「鲜活冰箱」{self.year}{season}推广"
        self.brand = cfg.client.product
        brands = list(cfg.client.brands) or ["海尔"]
        self.client_brand = brands[0]
        self.premium_brand = next((b for b in brands[1:] if not b.isascii()), None)  # 卡萨帝
        self.client_latin = next((b for b in brands[1:] if b.isascii()), None)  # Haier
        self.titles = list(cfg.monitoring.media) or list(MEDIA_CITIES)
        staff = staff_by_department(cfg)
        acc, cre = staff["account"], staff["creative"]
        self.lead, self.ae = acc[0], acc[1 % len(acc)]
        self.cd, self.designer = cre[0], cre[1 % len(cre)]
        self.planner, self.producer = staff["media"][0], staff["production"][0]
        finance = [p.name for p in cfg.people if p.department == "finance"]
        self.finance = finance[0] if finance else self.ae
        self.client = CLIENT_CONTACTS[0]
        self.flight1 = (self.b(19), self.b(12))
        self.flight2 = (self.b(3), self.ahead(10) + timedelta(days=2))
        self._f1 = self._flight1_rows()
        self._f2 = self._flight2_rows()

    def complete(self, doc: SampleDocument) -> SampleDocument:
        """`doc` with every required field the story leaves out filled from the form's schema."""
        monday = self.e(0) - timedelta(days=self.e(0).weekday())
        header, rows = complete(FORMS[doc.form_id], self.cfg, doc.header, doc.rows, seed=doc.filename, start=monday,
                                jobs=[self.job_a, self.job_b], campaign=self.campaign)
        return replace(doc, header=header, rows=rows)

    # ---- the calendar of the story
    def b(self, k: int) -> date:
        """The k-th working day before today."""
        return self._back[k - 1]

    def e(self, i: int) -> date:
        """The i-th working day of the story (e(0): the first work order)."""
        return self.b(START - i)

    def ahead(self, k: int) -> date:
        """The k-th working day after the last one before today (k=1 may be today)."""
        return self.cal.add(self.b(1), k)

    @staticmethod
    def at(d: date, hh: int, mm: int = 0) -> datetime:
        return datetime.combine(d, time(hh, mm))

    def _turnaround(self, deliverable: str) -> int:
        return min(max(self.cfg.turnaround.get(deliverable, 3), 1), 20)

    def _rate(self, title: str, size: str) -> Decimal:
        i = self.titles.index(title) if title in self.titles else 0
        return (_FULL_PAGE[i % len(_FULL_PAGE)] * _SHAPE[size]).quantize(D("0.01"))

    def _title(self, i: int) -> str:
        return self.titles[i % len(self.titles)]

    # ---- work orders: the client's written authorisation
    def work_orders(self) -> list[SampleDocument]:
        a, b = self.job_a, self.job_b
        orders = [
            (a, "new", self.at(self.e(0), 9, 30), self.lead, [("creative_concept", 1, "「鲜活冰箱」秋冬主题创意概念")]),
            (b, "new", self.at(self.e(0), 10, 0), self.ae, [("media_plan", 1, "两波平面媒体策划方案")]),
            (a, "new", self.at(self.e(6), 15, 0), self.lead, [("copy_layout", 2, "主画面文案及平面设计稿（整版、半版）")]),
            (b, "new", self.at(self.e(6), 15, 30), self.ae, [("schedule_national", 1, "第一波全国平面排期")]),
            (a, "add_production", self.at(self.e(16), 11, 0), self.lead, [("artwork", 2, "整版、半版完稿")]),
            (a, "add_production", self.at(self.e(19), 16, 0), self.lead,
             [("colour_proof", 4, "分色打样"), ("film", 6, "投放软片，按各媒体规格")]),
            (b, "new", self.at(self.b(20), 10, 30), self.ae, [("schedule_national", 1, "第二波全国平面排期")]),
            # due three working days before today: overdue
            (b, "media_change", self.at(self.b(3 + self._turnaround("schedule_local")), 14, 0), self.ae,
             [("schedule_local", 1, f"取消{self._title(1)}第二波投放，改排上海、广州地方媒体")]),
            # due on the first working day after today: due soon
            (a, "creative_change", self.at(self.b(max(1, self._turnaround("artwork") - 1)), 11, 0), self.lead,
             [("artwork", 1, "按客户意见修改完稿，第二波新增通栏规格")]),
        ]
        docs = []
        for n, (job, kind, issued, receiver, lines) in enumerate(orders, 1):
            order_no = f"BZD-{self.year}-{n:03d}"
            header = {
                "order_no": order_no, "job_no": job, "brand": self.brand, "campaign": self.campaign,
                "order_type": kind, "issued_at": issued, "issued_by": self.client, "received_by": receiver,
                "rush": False, "client_signed_by": self.client, "signed_on": issued.date(),
            }
            rows = [{"deliverable": d, "quantity": q, "requested_due": None, "notes": note} for d, q, note in lines]
            docs.append(SampleDocument("work_order", f"account/工作布置单_{order_no}.xlsx", header, rows, receiver,
                                       issued + timedelta(hours=1)))
        return docs

    # ---- the sign-off register
    def sign_off(self) -> SampleDocument:
        a, b, e = self.job_a, self.job_b, self.e
        q1, q2, qp = self._creative_lines(250), self._creative_lines(220), self._production_lines()
        f1 = sum(r["net"] for r in self._f1)
        f2 = sum(r["net"] for r in self._f2 if r["status"] != "planned")
        rows = [
            (a, "work_plan", 1, e(1), "approved", e(2), None, None),
            (b, "work_plan", 1, e(1), "approved", e(2), None, None),
            (a, "concept_strategy", 1, e(4), "approved", e(6), None, None),
            (b, "concept_strategy", 1, e(4), "approved", e(6), None, None),
            (a, "minutes", 1, e(5), "approved", e(6), None, None),
            (b, "media_schedule", 1, e(8), "approved", e(10), None, f1),
            (a, "design_quote", 1, e(13), "revise", e(14), "主画面色调偏冷，请突出保鲜卖点；创意工时请压缩",
             quote_amount(self.cfg, q1, e(13))),
            (a, "design_quote", 2, e(15), "approved", e(16), None, quote_amount(self.cfg, q2, e(15))),
            (a, "artwork_production_quote", 1, e(18), "approved", e(19), None, quote_amount(self.cfg, qp, e(17))),
            (b, "media_schedule", 2, self.b(16), "approved", self.b(14), None, f2),
            (b, "minutes", 1, self.b(7), None, None, None, None),  # pending longer than the SLA
        ]
        out = []
        for job, doc, ver, sub, decision, decided, comments, amount in rows:
            out.append({
                "job_no": job, "document": doc, "version": ver, "submitted_on": sub, "decision": decision,
                "decided_on": decided, "signed_by": (CLIENT_CONTACTS[1] if doc == "minutes" else self.client)
                if decision == "approved" else None,
                "comments": comments, "amount": amount,
            })
        header = {"register_id": f"QR-{self.year}"}
        return SampleDocument("sign_off", f"account/客户确认单_{self.year}.xlsx", header, out, self.ae,
                              self.at(self.b(7), 17, 40))

    # ---- the progress log, following DOMAIN.md's workflow
    def progress(self) -> SampleDocument:
        a, b, e, bk = self.job_a, self.job_b, self.e, self.b
        rows: list[tuple] = []
        for job in (a, b):
            rows += [
                (job, "work_order", e(0), "client", None, "客户书面布置"),
                (job, "internal_brief", e(1), "account", None, "内部布置会"),
                (job, "confirm_work_plan", e(2), "client", None, "书面工作方案已签字"),
                (job, "internal_discussion", e(3), "account", None, "客户部、创意部、媒介讨论"),
            ]
        rows += [
            (a, "proposal", e(4), "account", "creative_concept", "提案会：创意概念"),
            (b, "proposal", e(4), "account", "media_plan", "提案会：媒体策略"),
            (a, "confirm_concept", e(6), "client", None, "创意概念已确认"),
            (b, "confirm_concept", e(6), "client", None, "媒体策略已确认"),
            (b, "media_schedule", e(8), "media", "schedule_national", "第一波排期提交客户"),
            (b, "media_booking", e(9), "media", None, "第一波订位（媒体版位紧张，提前订位）"),
            (b, "confirm_media_schedule", e(10), "client", None, "第一波排期已签字"),
            (b, "media_prepayment", e(11), "client", None, "第一波媒体预付款到账"),
            (a, "creative_design", e(13), "creative", "copy_layout", "设计稿及创意报价提交"),
            (a, "confirm_design", e(16), "client", None, "第2版设计及创意报价已确认"),
            (a, "production_quote", e(17), "creative", None, "制作报价"),
            (a, "artwork", e(18), "creative", "artwork", "整版、半版完稿"),
            (a, "confirm_artwork", e(19), "client", None, "完稿与制作报价已确认"),
            (a, "production", e(20), "creative", "colour_proof", "分色打样完成"),
            (a, "deliver_to_media_agency", e(21), "account", "film", "软片交OMD"),
            (b, "send_to_media", e(22), "media", None, "第一波向媒体发片"),
            (b, "media_schedule", bk(16), "media", "schedule_national", "第二波排期提交客户"),
            (b, "confirm_media_schedule", bk(14), "client", None, "第二波排期已签字"),
            (b, "media_booking", bk(13), "media", None, "第二波订位"),
            (b, "media_prepayment", bk(11), "client", None, "第二波媒体预付款到账"),
            (b, "monitoring_report", bk(10), "media", None, "第一波媒体监测报告"),
        ]
        # 向媒体发片 (send_to_media) on the media job needs the creative job's artwork approval:
        # adtools.workflow counts approvals of the campaign's other job.
        out = [{"job_no": j, "stage": s, "done_on": d, "owner": o, "deliverable": dl, "note": n}
               for j, s, d, o, dl, n in sorted(rows, key=lambda r: (r[2], r[0]))]
        return SampleDocument("progress", f"account/工作进度登记_{self.year}.xlsx",
                              {"register_id": f"PG-{self.year}"}, out, self.lead, self.at(self.b(1), 18, 0))

    # ---- minutes of meetings
    def minutes(self) -> list[SampleDocument]:
        everyone = "、".join(dict.fromkeys([self.lead, self.ae, self.cd, self.designer, self.planner, self.producer]))
        client = f"{self.client}、{CLIENT_CONTACTS[1]}（客户）"
        on_time = timedelta(minutes=min(90, self.cfg.sla.minutes_hours * 30))
        kickoff_end = self.at(self.e(1), 11, 0)
        pitch_end = self.at(self.e(4), 16, 30)
        review_end = self.at(self.b(9), 16, 0)
        friday = last_friday(self.today)  # the day the Monday report is made as of
        call_day = friday - timedelta(days=3)  # a Tuesday: its minutes are due Wednesday 16:00, sent Thursday
        meetings = [
            ("内部布置会", self.job_a, self.at(self.e(1), 10, 0), kickoff_end, False, everyone,
             self.at(self.e(1), 14, 30), [
                 ("创意概念由创意部负责，提案前两天内部预审", self.cd, self.e(3), "done"),
                 ("媒体策划方案由媒介负责", self.planner, self.e(3), "done"),
                 ("书面工作方案今天提交客户", self.lead, self.e(1), "done"),
             ]),
            ("「鲜活冰箱」创意及媒体策略提案会", self.job_a, self.at(self.e(4), 14, 0), pitch_end, True,
             f"{client}、{self.lead}、{self.ae}、{self.cd}、{self.planner}", pitch_end + on_time, [
                 ("客户选定方案B“新鲜看得见”为主创意", self.cd, self.e(6), "done"),
                 ("媒体以全国大报为主，第一波两周", self.planner, self.e(8), "done"),
                 ("会议纪要请客户签字确认", self.ae, self.e(5), "done"),
             ]),
            ("第一波投放回顾会", self.job_b, self.at(self.b(9), 14, 0), review_end, True,
             f"{client}、{self.lead}、{self.ae}、{self.planner}", review_end + on_time, [
                 ("第一波执行报告按时提交", self.planner, self.cal.add(self.flight1[1], 7), "open"),
                 (f"核对{self._title(3)}发票金额差异", self.ae, self.b(3), "open"),
                 ("第二波增加通栏规格，创意部出完稿", self.cd, self.ahead(3), "open"),
             ]),
            # in the week the Monday report covers (Saturday to the last Friday): minutes sent late
            ("第二波排期沟通会", self.job_b, self.at(call_day, 14, 0), self.at(call_day, 16, 0), True,
             f"{client}、{self.ae}、{self.planner}", self.at(friday - timedelta(days=1), 17, 0), [
                 ("第二波加投两期通栏，媒介出修改排期", self.planner, self.ahead(2), "open"),
             ]),
        ]
        docs = []
        for title, job, start, end, important, attendees, sent, items in meetings:
            header = {"title": title, "job_no": job, "meeting_start": start, "meeting_end": end,
                      "important": important, "attendees": attendees, "prepared_by": self.ae, "sent_at": sent}
            rows = [{"item": i, "owner": o, "due": d, "status": s} for i, o, d, s in items]
            short = title.split("」")[-1]
            docs.append(SampleDocument("minutes", f"account/会议记录_{start:%Y-%m-%d}_{short}.xlsx", header, rows,
                                       self.ae, sent))
        return docs

    # ---- timesheets
    def _day_plan(self, role: str, d: date) -> list[tuple[str | None, str, str, str]]:
        a, b = self.job_a, self.job_b
        phase = 0 if d < self.e(6) else 1 if d < self.e(16) else 2 if d <= self.e(22) else 3
        nb = "non_billable"
        plans: dict[str, list[list[tuple]]] = {
            "lead": [[(a, nb, "3", "客户沟通、进度跟进"), (b, nb, "2.5", "媒体策略沟通"), (None, nb, "2", "部门例会及行政")]] * 4,
            "ae": [[(a, nb, "3.5", "会议纪要、确认单跟进"), (b, nb, "3", "排期确认及对账"), (None, nb, "1.5", "行政事务")]] * 4,
            "cd": [
                [(a, "print_creative", "6", "「鲜活冰箱」创意概念"), (None, nb, "1.5", "部门管理")],
                [(a, "print_creative", "5.5", "主画面设计及文案修改"), (a, "pop_creative", "1.5", "卖场POP创意"), (None, nb, "1", "部门管理")],
                [(a, "print_creative", "3", "完稿审核"), (a, "pop_creative", "3", "POP及促销品创意"), (None, nb, "1.5", "部门管理")],
                [(a, "pop_creative", "2.5", "第二波POP创意"), (a, "tv_radio_creative", "3", "电视广告脚本创意"), (None, nb, "2", "部门管理")],
            ],
            "designer": [
                [(a, "print_creative", "5", "创意草图"), (None, nb, "2.5", "素材整理")],
                [(a, "print_creative", "6", "平面设计稿"), (a, "print_artwork", "1.5", "版式调整")],
                [(a, "print_artwork", "7", "整版、半版完稿"), (a, "pop_artwork", "1.5", "POP完稿")],
                [(a, "print_artwork", "3.5", "第二波规格完稿"), (a, "pop_artwork", "2.5", "POP完稿"), (None, nb, "1.5", "培训")],
            ],
            "planner": [
                [(b, nb, "5", "媒体策划方案"), (None, nb, "2.5", "媒体资料整理")],
                [(b, nb, "6", "排期及订位"), (None, nb, "2", "媒体拜访")],
                [(b, nb, "6", "排期及订位"), (None, nb, "2", "媒体拜访")],
                [(b, nb, "5", "投放监测及发票核对"), (b, nb, "2", "第二波排期")],
            ],
            "producer": [
                [(None, nb, "6", "其他客户制作"), (a, "print_artwork", "1.5", "制作预估")],
                [(None, nb, "6", "其他客户制作"), (a, "print_artwork", "1.5", "制作预估")],
                [(a, "print_artwork", "4", "制版打样跟进"), (a, "pop_artwork", "3", "POP制作")],
                [(a, "pop_artwork", "3", "第二波物料制作"), (None, nb, "4", "其他客户制作")],
            ],
        }
        cats = set(self.cfg.hourly_categories)
        fallback = self.cfg.hourly_categories[0] if self.cfg.hourly_categories else nb
        return [(j, c if c == nb or c in cats else fallback, h, t) for j, c, h, t in plans[role][phase]]

    def timesheets(self) -> list[SampleDocument]:
        roles = [("lead", self.lead), ("ae", self.ae), ("cd", self.cd), ("designer", self.designer),
                 ("planner", self.planner), ("producer", self.producer)]
        start = self.e(0)
        monday = start - timedelta(days=start.weekday())
        weeks = []
        while monday + timedelta(days=4) <= self.today:  # every week whose Friday has come
            weeks.append(monday)
            monday += timedelta(days=7)
        month = previous_month(self.today)  # the fee statement the demo runs
        mid = date(int(month[:4]), int(month[5:]), 15)
        last_month_week = mid - timedelta(days=mid.weekday())
        docs = []
        seen: set[str] = set()
        for role, name in roles:
            person = self.cfg.person(name)
            if person is None or name in seen:  # only staff of [[people]] file timesheets
                continue
            seen.add(name)
            for week in weeks:
                if role == "designer" and week in (weeks[-1], last_month_week):
                    continue  # the missing timesheets: last week's, and one in the month of the fee statement
                days = [week + timedelta(days=i) for i in range(7)]
                days = [d for d in days if start <= d < self.today and self.cal.is_workday(d)]
                if not days:
                    continue
                rows = []
                for d in days:
                    rng = random.Random(f"{name}:{d.isoformat()}")
                    for n, (job, cat, hours, text) in enumerate(self._day_plan(role, d)):
                        h = D(hours)
                        if n == 0:
                            h += D(rng.choice((-2, -1, 0, 1, 2))) / 4
                        if role == "designer" and d == self.e(18) and n == 0:
                            h += D("2.5")  # the artwork deadline: a long day
                        rows.append({"date": d, "job_no": job, "category": cat, "hours": h, "description": text})
                header = {"staff": person.name, "department": person.department, "week_start": week}
                saved = self.at(days[-1], 17, 45)
                docs.append(SampleDocument("timesheet", f"{person.department}/工时表_{person.name}_{week:%Y-%m-%d}.xlsx",
                                           header, rows, person.name, saved))
        return docs

    # ---- quotes
    def _creative_lines(self, creative_hours: int) -> list[dict[str, Any]]:
        lines = [
            ("hours", "print_creative", "主画面创意及文案", D(creative_hours), None, None, 1, None),
            ("hours", "pop_creative", "卖场POP及促销品创意", D(95), None, None, 1, None),
            ("hours", "tv_radio_creative", "电视广告脚本创意", D(64), None, None, 1, None),
            ("cost", "stock_rental", "图库图片租用", None, None, None, 1, D("6800.00")),
            ("film", "colour_proof", "彩色打样 A4", None, D("21.0"), D("29.7"), 4, None),
            ("film", "bw", "黑白软片 A3", None, D("42.0"), D("29.7"), 2, None),
            ("postage", None, "快递稿件", None, None, None, 1, D("120.00")),
        ]
        return self._quote_rows(lines)

    def _production_lines(self) -> list[dict[str, Any]]:
        lines = [
            ("cost", "photography", "产品及模特拍摄", None, None, None, 1, D("18000.00")),
            ("cost", "retouching", "电脑修图合成", None, None, None, 1, D("6500.00")),
            ("cost", "stock_rental", "背景素材租片", None, None, None, 1, D("4200.00")),
            ("hours", "print_artwork", "平面完稿（整版、半版及第二波规格）", D("180"), None, None, 1, None),
            ("hours", "pop_artwork", "POP及促销品完稿", D("135"), None, None, 1, None),
            ("film", "colour_proof", "彩色打样 整版", None, D("35.0"), D("50.0"), 4, None),
            ("film", "bw", "黑白软片 半版", None, D("35.0"), D("24.0"), 6, None),
            ("postage", None, "向媒体寄送软片", None, None, None, 1, D("260.00")),
        ]
        return self._quote_rows(lines)

    def _quote_rows(self, lines) -> list[dict[str, Any]]:
        cats = set(self.cfg.hourly_categories)
        rows = []
        for lt, cat, text, hours, w, h, qty, amount in lines:
            if lt == "hours" and cat not in cats:
                continue
            rows.append({"line_type": lt, "category": cat, "description": text, "hours": hours,
                         "width_cm": w, "height_cm": h, "quantity": qty, "amount": amount})
        return rows

    def quotes(self) -> list[SampleDocument]:
        a = self.job_a
        creative = {"job_no": a, "quote_type": "creative", "version": 2, "prepared_by": self.cd, "quote_date": self.e(15)}
        production = {"job_no": a, "quote_type": "production", "version": 1, "prepared_by": self.producer,
                      "quote_date": self.e(17)}
        return [
            SampleDocument("quote", f"creative/报价单_{a}_创意_v2.xlsx", creative, self._creative_lines(220), self.cd,
                           self.at(self.e(15), 11, 20)),
            SampleDocument("quote", f"production/报价单_{a}_制作_v1.xlsx", production, self._production_lines(),
                           self.producer, self.at(self.e(17), 16, 10)),
        ]

    # ---- out-of-pocket costs
    def costs(self) -> SampleDocument:
        a, e = self.job_a, self.e
        lines = [
            (e(16), "视界图库", "stock_rental", None, None, None, 1, D("4200.00"), "31845502", True),
            (e(17), "光影摄影工作室", "photography", None, None, None, 1, D("18000.00"), "44120931", True),
            (e(18), "华彩制版公司", "retouching", None, None, None, 1, D("6500.00"), "44127716", True),
            (e(20), "华彩制版公司", "film", "colour_proof", D("35.0"), D("50.0"), 4, None, "44127790", True),
            (e(20), "华彩制版公司", "film", "bw", D("35.0"), D("24.0"), 6, None, "44127790", True),
            (e(21), "精艺印务", "printing", None, None, None, 1, D("3500.00"), "44200318", True),
            (e(21), "顺丰速运", "postage", None, None, None, 1, D("260.00"), None, True),
            (self.b(8), "湘味小馆", "other", None, None, None, 1, D("380.00"), None, False),  # review-meeting dinner
            (self.b(4), "顺丰速运", "postage", None, None, None, 1, D("180.00"), None, True),
        ]
        rows = [{"date": d, "job_no": a, "vendor": v, "cost_type": ct, "film_kind": fk, "width_cm": w,
                 "height_cm": h, "quantity": q, "amount": amt, "invoice_no": inv, "billable": bill}
                for d, v, ct, fk, w, h, q, amt, inv, bill in lines]
        return SampleDocument("costs", f"production/外付成本登记_{self.year}.xlsx",
                              {"register_id": f"CB-{self.year}"}, rows, self.producer, self.at(self.b(4), 17, 0))

    # ---- media schedules and bookings
    def _booking(self, n: int, title: int, day: date, size: str, colour: str, disc: str, status: str,
                 position: str) -> dict[str, Any]:
        media = self._title(title)
        gross = self._rate(media, size)
        discount = D(disc)
        return {
            "media": media, "city": MEDIA_CITIES.get(media), "date": day, "size": size, "colour": colour,
            "position": position, "gross": gross, "discount": discount, "net": round_fen(gross * (1 - discount)),
            "status": status, "booking_ref": f"OMD-{day:%y%m%d}-{n:02d}" if status != "planned" else None,
        }

    def _flight1_rows(self) -> list[dict[str, Any]]:
        b = self.b
        return [
            self._booking(1, 0, b(19), "整版", "colour", "0.45", "booked", "要闻版"),
            self._booking(2, 1, b(17), "半版", "colour", "0.40", "booked", "A3版"),
            self._booking(3, 2, b(16), "整版", "colour", "0.45", "booked", "A5版"),
            self._booking(4, 3, b(15), "整版", "colour", "0.50", "booked", "A7版"),
            self._booking(5, 0, b(13), "半版", "colour", "0.45", "booked", "生活版"),
            self._booking(6, 2, b(12), "通栏", "bw", "0.40", "booked", "B2版"),
        ]

    def _flight2_rows(self) -> list[dict[str, Any]]:
        return [
            self._booking(11, 0, self.b(3), "整版", "colour", "0.45", "booked", "要闻版"),
            self._booking(12, 2, self.b(2), "半版", "colour", "0.45", "booked", "A5版"),
            self._booking(13, 3, self.ahead(3), "整版", "colour", "0.50", "booked", "A7版"),
            self._booking(14, 1, self.ahead(5), "半版", "colour", "0.40", "cancelled", "A3版"),
            self._booking(15, 0, self.ahead(8), "半版", "colour", "0.45", "booked", "生活版"),
            self._booking(16, 3, self.ahead(10), "通栏", "bw", "0.50", "planned", "B2版"),
        ]

    def media_schedules(self) -> list[SampleDocument]:
        out = []
        for name, version, (start, end), rows, saved in (
            ("第一波", 1, self.flight1, self._f1, self.at(self.e(9), 18, 0)),
            ("第二波", 2, self.flight2, self._f2, self.at(self.b(6), 17, 30)),
        ):
            header = {"campaign": self.campaign, "flight": name, "flight_start": start, "flight_end": end,
                      "scope": "national", "job_no": self.job_b, "version": version}
            out.append(SampleDocument("media_schedule", f"media/媒体排期表_{name}_v{version}.xlsx", header,
                                      [dict(r) for r in rows], self.planner, saved))
        return out

    def media_invoices(self) -> SampleDocument:
        rows = []
        for i, r in enumerate(self._f1[:5], 1):  # the last booking is not invoiced yet
            amount = r["net"] + (D("3000.00") if r["media"] == self._title(3) else 0)  # the mismatch
            rows.append({"invoice_no": f"{44010000 + 37 * i + r['date'].toordinal() % 997:08d}", "media": r["media"],
                         "date": r["date"], "size": r["size"], "booking_ref": r["booking_ref"], "amount": amount})
        return SampleDocument("media_invoice", f"finance/媒体发票登记_{self.year}.xlsx",
                              {"register_id": f"MI-{self.year}"}, rows, self.finance, self.at(self.b(5), 15, 0))

    # ---- monitoring: our placements, the client's other brand, three competitors, the industry
    def monitoring(self) -> list[SampleDocument]:
        seen = [r for r in self._f1 + self._f2 if r["status"] == "booked" and r["date"] < self.today]
        seen = [r for r in seen if r is not self._f1[4]]  # a booked placement the monitor did not find
        months: list[date] = []
        first = min([self.today.replace(day=1) - timedelta(days=1)] + [r["date"] for r in seen]).replace(day=1)
        m = first
        while m <= self.today:
            months.append(m)
            m = (m + timedelta(days=32)).replace(day=1)
        docs = []
        themes_seen: set[str] = set()
        for month in months:
            nxt = (month + timedelta(days=32)).replace(day=1)
            days = [month + timedelta(days=i) for i in range((min(nxt, self.today) - month).days)]
            if not days:
                continue
            rng = random.Random(f"monitoring:{month.isoformat()}:{self.today.isoformat()}")
            rows: list[dict[str, Any]] = []
            for r in seen:
                if month <= r["date"] < nxt:
                    # one title prints the brand in Latin letters: mapped through [client] brands
                    brand = self.client_latin if r["media"] == self._title(3) and self.client_latin else self.client_brand
                    rows.append(self._clip(r["date"], r["media"], brand, FRIDGE_MODELS["client"][2],
                                           r["size"], r["colour"], r["position"], "「鲜活冰箱」新鲜看得见", r["gross"]))
            others: list[tuple[str, tuple[str, ...], tuple[str, ...], int]] = [
                (alias, FRIDGE_MODELS.get(aliases[0], (f"{aliases[0]} 冰箱",)), _THEMES.get(aliases[0], ("新品上市",)), 4)
                for aliases in self.cfg.monitoring.competitors.values() if aliases for alias in aliases[:1]
            ]
            alias_cycle = [a for aliases in self.cfg.monitoring.competitors.values() for a in aliases]
            if self.premium_brand:
                others.append((self.premium_brand, FRIDGE_MODELS["client"][1:2], ("卡萨帝 F+ 高端保鲜",), 1))
            others.append(("美菱", ("美菱 M鲜生",), ("美菱 鲜生冰箱 限时特惠",), 1))  # the rest of the industry
            for ci, (alias, models, themes, count) in enumerate(others):
                for k in range(count):
                    day = rng.choice(days)
                    shown = alias
                    if alias_cycle and k == 2 and alias in alias_cycle:  # clippings spell names differently
                        aliases = next(v for v in self.cfg.monitoring.competitors.values() if alias in v)
                        shown = aliases[-1]
                    size = ("整版", "半版", "通栏")[(ci + k) % 3]
                    media = self._title(ci + k)
                    rows.append(self._clip(day, media, shown, models[k % len(models)], size,
                                           "colour" if size != "通栏" else "bw", ("A2版", "A6版", "B1版")[k % 3],
                                           themes[k % len(themes)], self._rate(media, size)))
            rows.sort(key=lambda r: (r["date"], r["media"], r["advertiser"]))
            for n, r in enumerate(rows, 1):
                r["clipping_ref"] = f"JB-{month:%Y%m}-{n:03d}"
                r["new_creative"] = r["theme"] not in themes_seen  # a creative is new the first time it runs
                themes_seen.add(r["theme"])
            header = {"month": month.strftime("%Y-%m"), "monitor": "华信广告监测"}
            saved = self.at(min(days[-1] + timedelta(days=1), self.today - timedelta(days=1)), 10, 0)
            docs.append(SampleDocument("monitoring", f"media/媒体监测记录_{month:%Y-%m}.xlsx", header, rows,
                                       self.planner, saved))
        return docs

    # ---- the year before the story: the industry's clippings, for the trailing 12 months and year on year
    def _first_month(self) -> date:
        seen = [r["date"] for r in self._f1 + self._f2 if r["status"] == "booked" and r["date"] < self.today]
        return min([self.today.replace(day=1) - timedelta(days=1)] + seen).replace(day=1)

    def monitoring_history(self) -> list[SampleDocument]:
        """13 monthly clipping logs before the story's first month: the client, its sub-brand (mapped by the
        brand-alias register), the competitors under their several spellings, and advertisers nobody mapped."""
        first = self._first_month()
        months = []
        m = first
        for _ in range(13):
            m = (m - timedelta(days=1)).replace(day=1)
            months.append(m)
        competitors = [aliases for aliases in self.cfg.monitoring.competitors.values() if aliases]
        client = [b for b in (self.client_brand, self.client_latin) if b]
        docs = []
        seen: set[str] = set()
        for k, month in enumerate(sorted(months)):
            nxt = (month + timedelta(days=32)).replace(day=1)
            days = [month + timedelta(days=i) for i in range((nxt - month).days)]
            rng = random.Random(f"monitoring-history:{month.isoformat()}")
            season = 2 if month.month in (4, 5, 9, 10, 11) else 1  # the selling seasons run more
            plan: list[tuple[str, str, str]] = []
            for i in range(season + (k % 2)):
                plan.append((client[i % len(client)], FRIDGE_MODELS["client"][i % len(FRIDGE_MODELS["client"])],
                             f"海尔 冰箱 {month.month}月 焕新季"))
            for ci, aliases in enumerate(competitors):
                n = season + (k + ci) % 3
                for i in range(n):
                    plan.append((aliases[i % len(aliases)], FRIDGE_MODELS.get(aliases[0], (f"{aliases[0]} 冰箱",))[0],
                                 f"{aliases[0]} 冰箱 {month.month}月 促销"))
            plan.append(("统帅", "统帅 冰箱", "统帅 冰箱 年轻之选"))  # the register maps it to the client
            if k % 3 == 0:
                plan.append(("美菱", "美菱 M鲜生", "美菱 鲜生冰箱"))
            if k % 4 == 1:
                plan.append(("TCL", "TCL 冰箱", "TCL 冰箱 新品"))
            rows = []
            for n, (adv, product, theme) in enumerate(plan):
                size = ("整版", "半版", "通栏", "1/4版")[(n + k) % 4]
                media = self._title(n + k)
                rows.append(self._clip(rng.choice(days), media, adv, product, size, "colour" if size != "通栏" else "bw",
                                       ("A2版", "A6版", "B1版")[n % 3], theme, self._rate(media, size)))
            rows.sort(key=lambda r: (r["date"], r["media"], r["advertiser"]))
            for n, r in enumerate(rows, 1):
                r["clipping_ref"] = f"JB-{month:%Y%m}-{n:03d}"
                r["new_creative"] = r["theme"] not in seen  # a creative is new the first time it runs
                seen.add(r["theme"])
            header = {"month": month.strftime("%Y-%m"), "monitor": "华信广告监测"}
            docs.append(SampleDocument("monitoring", f"media/媒体监测记录_{month:%Y-%m}.xlsx", header, rows,
                                       self.planner, self.at(nxt + timedelta(days=1), 10, 0)))
        return docs

    # ---- the brand-alias register: what staff added for the monitoring reports
    def brand_aliases(self) -> SampleDocument:
        comp = [(display, aliases) for display, aliases in self.cfg.monitoring.competitors.items() if aliases]
        rows = [{"alias": "统帅", "brand": "统帅 Leader", "side": "client", "note": "海尔旗下品牌 a Haier brand"}]
        if comp:
            display, aliases = comp[0]
            rows.append({"alias": f"{aliases[0]}集团", "brand": display, "side": "competitor", "note": None})
        return SampleDocument("brand_aliases", "media/品牌别名登记.xlsx", {"register_id": f"BA-{self.year}"}, rows,
                              self.planner, self.at(self.b(30), 11, 0))

    def _clip(self, day, media, advertiser, product, size, colour, position, theme, est_cost) -> dict[str, Any]:
        return {"date": day, "media": media, "city": MEDIA_CITIES.get(media), "advertiser": advertiser,
                "category": "冰箱", "product": product, "size": size, "colour": colour, "position": position,
                "theme": theme, "est_cost": est_cost, "new_creative": False, "clipping_ref": None}

    # ---- payments: the client's prepayments in, media and vendors out
    def payments(self) -> SampleDocument:
        client = self.cfg.client.name
        f1 = sum(r["net"] for r in self._f1)
        f2 = sum(r["net"] for r in self._f2 if r["status"] != "planned")
        q2 = quote_amount(self.cfg, self._creative_lines(220), self.e(15))
        rows = [
            (self.e(11), "in", client, "media_prepayment", self.job_b, f1),
            (self.b(18), "in", client, "creative_fee", self.job_a, q2),
            (self.b(11), "in", client, "media_prepayment", self.job_b, f2),
            (self.b(6), "out", "光影摄影工作室", "production", self.job_a, D("18000.00")),
        ]
        invoices = self.media_invoices().rows
        for inv, r in zip(invoices, self._f1):
            if inv["amount"] == r["net"]:  # the mismatched invoice is on hold
                rows.append((self.b(5), "out", r["media"], "media", self.job_b, inv["amount"]))
        out = [{"date": d, "direction": dr, "counterparty": cp, "purpose": p, "campaign": self.campaign,
                "job_no": j, "amount": amt, "reference": f"PZ-{self.year}-{n:03d}"}
               for n, (d, dr, cp, p, j, amt) in enumerate(rows, 1)]
        return SampleDocument("payments", f"finance/收付款登记_{self.year}.xlsx",
                              {"register_id": f"SF-{self.year}"}, out, self.finance, self.at(self.b(5), 17, 30))

    # ---- archive register
    def archive(self) -> SampleDocument:
        a, b, e, y = self.job_a, self.job_b, self.e, self.year
        shelf = f"档案柜A-03；共享盘/海尔/{y}"
        soon = self.today + timedelta(days=max(3, self.cfg.sla.rights_alert_days * 2 // 3))
        later = self.today + timedelta(days=self.cfg.sla.rights_alert_days + 200)
        lines = [
            (f"SC-{y}-001", a, "signed_creative", "「鲜活冰箱」主画面（整版）签字稿", e(19), None, None, None, e(21)),
            (f"SM-{y}-001", b, "signed_media_plan", "第一波媒体排期签字版", e(10), None, None, None, e(11)),
            (f"SQ-{y}-001", a, "signed_quote", "创意报价 第2版", e(16), None, None, None, e(17)),
            (f"SQ-{y}-002", a, "signed_quote", "制作报价 第1版", e(19), None, None, None, e(20)),
            (f"MN-{y}-001", a, "minutes", "提案会会议纪要（客户签字）", e(6), None, None, None, None),
            (f"MR-{y}-001", a, "model_release", "模特肖像权协议（林小雨）", e(17), e(17), soon, "平面广告及卖场POP，中国大陆", None),
            (f"FL-{y}-001", a, "footage_licence", "图库图片授权（视界图库 VJ-88213）", e(16), e(16), later, "平面广告，中国大陆", None),
            (f"SM-{y}-002", b, "signed_media_plan", "第二波媒体排期签字版", self.b(14), None, None, None, self.b(13)),
            (f"MN-{y}-002", a, "minutes", "内部布置会会议纪要", e(1), None, None, None, None),
            (f"MN-{y}-003", b, "minutes", "第二波排期沟通会会议纪要", last_friday(self.today) - timedelta(days=1),
             None, None, None, None),
            # ends on the day of flight 1's fifth insertion: the strip the next day (seen by the monitoring)
            # and flight 2 still use the image after it
            (f"FL-{y}-002", b, "footage_licence", "第一波报纸稿背景图授权（视界图库 VJ-90417）", e(8), e(8), self.b(13),
             "平面广告，中国大陆", None),
        ]  # the minutes of the flight 1 review meeting have no entry: a missing archive entry
        rows = [{"doc_id": i, "job_no": j, "doc_type": t, "title": ti, "signed_on": s, "rights_start": rs,
                 "rights_end": re_, "scope": sc, "location": f"{shelf}/{j}", "client_copy_on": cc}
                for i, j, t, ti, s, rs, re_, sc, cc in lines]
        return SampleDocument("archive", f"account/存档登记_{y}.xlsx", {"register_id": f"DA-{y}"}, rows, self.ae,
                              self.at(self.b(2), 16, 0))

    # ---- flight notes for the flight that ended
    def flight_notes(self) -> SampleDocument:
        comp = list(self.cfg.monitoring.competitors) or ["竞品"]
        texts = [
            ("effect", "第一波按计划刊出 5 次，覆盖北京、上海、广州；新品咨询量较投放前增长约两成。"),
            ("effect", f"{self._title(0)}生活版半版未监测到刊出，已向媒体查询并要求补登或退款。"),
            ("competitors", f"{comp[0]}同期加大整版投放，主打一级能效；{comp[-1]}以通栏为主，价格促销明显。"),
            ("next_steps", "第二波增加通栏规格，提高出现频次；上海、广州改排地方媒体。"),
            ("response", "强调“鲜活保鲜”差异化卖点，避免与竞品正面价格战；卖场POP同步更新。"),
        ]
        rows = [{"section": s, "text": t} for s, t in texts]
        header = {"campaign": self.campaign, "flight": "第一波", "author": self.planner}
        return SampleDocument("flight_notes", "media/投放总结_第一波.xlsx", header, rows, self.planner,
                              self.at(self.b(8), 17, 0))


_THEMES = {
    "美的": ("美的 微晶冰箱 一级能效", "美的 冰箱 双十一直降"),
    "西门子": ("西门子 零度保鲜 新品上市", "西门子 冰箱 以旧换新"),
    "容声": ("容声 WILL 养鲜冰箱", "容声 冰箱 限时特价"),
}
