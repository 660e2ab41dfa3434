"""The agency-year of benchmarks/agency_year.py: its documents, written through the real templates, cached.

Everything the generated files depend on is in this module (its bytes are part
of the cache key, with the config and the template bytes), so changing how the
benchmark measures keeps the cache.  `generate(plan, cache_root, …)` returns the
folder <cache_root>/agency_year-<plan>-<hash> holding `clean/` (a workspace:
config.toml, templates, inbox), `changed/` (1% of the files saved again with a
real change, same relative paths) and `manifest.json`.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import random
import re
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, time as dtime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

D = Decimal
YEAR = 2026
FIRST_MONDAY = date(YEAR, 1, 5)
LAST_DAY = date(YEAR, 12, 31)
DEFAULT_NOW = "2027-01-04T09:00+08:00"
CHANGED_MTIME = datetime(YEAR + 1, 1, 2, 10, 0)  # local time the changed files were saved (before DEFAULT_NOW)
CHANGED_SHARE = 0.01

# ----------------------------------------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Plan:
    """How much of each form one agency-year holds."""

    scale: int
    small: bool
    staff: int
    weeks: int
    rows_per_sheet: int
    jobs: int
    campaigns: int
    work_orders: int
    sign_offs: int
    months: int
    clippings: int  # per month
    flights: int  # per campaign
    insertions: int  # per flight
    invoice_lines: int
    payments: int
    meetings: int
    cost_rows: int
    quotes_per_job: int = 2

    @classmethod
    def of(cls, scale: int, small: bool = False) -> "Plan":
        if small:  # the smoke test: 2 staff x 2 weeks and a little of everything
            return cls(scale=1, small=True, staff=2, weeks=2, rows_per_sheet=10, jobs=4, campaigns=1, work_orders=6,
                       sign_offs=12, months=2, clippings=30, flights=2, insertions=10, invoice_lines=20, payments=12,
                       meetings=2, cost_rows=12, quotes_per_job=1)
        n = scale
        return cls(scale=n, small=False, staff=40 * n, weeks=52, rows_per_sheet=25, jobs=60 * n, campaigns=10 * n,
                   work_orders=300 * n, sign_offs=1200 * n, months=12, clippings=2000 * n, flights=6, insertions=100,
                   invoice_lines=6000 * n, payments=500 * n, meetings=100 * n, cost_rows=480 * n)

    @property
    def label(self) -> str:
        return "small" if self.small else f"x{self.scale}"


@dataclass
class Doc:
    """One workbook to write: its form, path in the inbox, typed values, author and save time (local)."""

    form_id: str
    rel: str
    header: dict[str, Any]
    rows: list[dict[str, Any]]
    author: str
    saved_at: datetime


# ----------------------------------------------------------------------------------------------- the world
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰", "霞",
         "平", "刚", "桂英", "晓东", "海燕", "建华", "志强", "雪梅", "文博", "思远", "子涵", "雨桐", "浩然", "欣怡", "俊杰")
DEPARTMENTS = (("account", 0.25), ("creative", 0.35), ("media", 0.15), ("production", 0.15), ("finance", 0.10))
PRODUCT_LINES = ("冰箱", "洗衣机", "空调", "热水器", "厨电")
OTHER_ADVERTISERS = ("美菱", "海信", "TCL", "奥马", "松下", "LG", "统帅", "惠而浦", "长虹", "格力")
CLIENT_CONTACTS = ("孙明", "周丽")
SIZES = ("整版", "半版", "通栏", "1/4版")
POSITIONS = ("头版", "要闻版", "A3版", "A7版", "B2版", "生活版")
VENDORS = ("光影摄影工作室", "视界图库", "华彩制版公司", "顺丰速运", "精艺印务", "新视觉修图")
THEMES = ("新鲜看得见", "一级能效 静音保鲜", "焕新季 以旧换新", "智慧家居 一步到位", "双十一钜惠", "年货节特惠")
TEXTS = ("按客户意见调整画面色调", "准备下一波物料", "核对排期与发票", "提交客户确认", "内部预审", "与媒体确认版位")
FULL_PAGE = (D(480000), D(180000), D(260000), D(300000))
SHAPE = {"整版": D("1"), "半版": D("0.55"), "通栏": D("0.3"), "1/4版": D("0.3")}


def _people(n: int) -> list[tuple[str, str]]:
    """n distinct (name, department), departments in the agency's proportions."""
    names: list[str] = []
    seen = set(CLIENT_CONTACTS)
    i = 0
    while len(names) < n:
        s, g = SURNAMES[i % len(SURNAMES)], GIVEN[(i // len(SURNAMES) * 7 + i) % len(GIVEN)]
        name = s + g if i < len(SURNAMES) * len(GIVEN) else f"{s}{g}{i // (len(SURNAMES) * len(GIVEN))}"
        if name not in seen:
            seen.add(name)
            names.append(name)
        i += 1
    out, k = [], 0
    for d, (dept, share) in enumerate(DEPARTMENTS):
        count = n - k if d == len(DEPARTMENTS) - 1 else max(1, round(n * share)) if n >= len(DEPARTMENTS) else 0
        count = min(count, n - k)
        out += [(names[k + j], dept) for j in range(count)]
        k += count
    if n < len(DEPARTMENTS):  # the smoke test's two: a creative and an account person
        out = [(names[j], ("creative", "account", "media", "production")[j % 4]) for j in range(n)]
    return out


def config_text(plan: Plan) -> str:
    """The shipped config.toml with the agency's staff in [[people]] and no settling time.

    settle_seconds = 0: the generated files may carry any modification time relative to the pinned clock.
    """
    from adtools.workspace import default_config_text

    text = default_config_text()
    text, n = re.subn(r"(?m)^settle_seconds\s*=\s*\d+", "settle_seconds = 0", text)
    if n != 1:
        raise SystemExit("config.toml has no [intake] settle_seconds to set; update benchmarks/agency_year.py")
    text = re.sub(r"(?ms)^\[\[people\]\]\n.*?(?=^\[)", "", text)
    blocks = [f'\n[[people]]\nname = "{name}"\nemail = "staff{i:05d}@agency.example"\ndepartment = "{dept}"\n'
              for i, (name, dept) in enumerate(_people(plan.staff))]
    return text.rstrip("\n") + "\n\n# 基准测试的员工 / the benchmark's staff\n" + "".join(blocks)


def _workday(d: date) -> date:
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def _clamp(d: date, lo: date = FIRST_MONDAY, hi: date = LAST_DAY) -> date:
    return max(lo, min(hi, d))


def _job_numbers(cfg, count: int) -> list[str]:
    from adtools.forms.samples import job_numbers

    out: list[str] = []
    for prefix in ("HRFR", "HRWM", "HRAC", "HRWH", "HRKT", "HRTV", "HRCS", "HRLD"):
        if len(out) >= count:
            break
        out += job_numbers(cfg, YEAR, min(999, count - len(out)), prefix=prefix)
    if len(out) < count:
        raise SystemExit(f"--scale too large: {count} job numbers do not fit [forms] job_no_pattern")
    return out


class World:
    """The agency-year's documents, deterministic for a plan and a config."""

    def __init__(self, plan: Plan, cfg):
        self.plan, self.cfg = plan, cfg
        self.people = [(p.name, p.department) for p in cfg.people]
        self.by_dept: dict[str, list[str]] = {}
        for name, dept in self.people:
            self.by_dept.setdefault(dept, []).append(name)
        self.account = self.by_dept.get("account") or [self.people[0][0]]
        self.media_staff = self.by_dept.get("media") or self.account
        self.finance = self.by_dept.get("finance") or self.account
        self.titles = list(cfg.monitoring.media) or ["人民日报", "北京晚报", "新民晚报", "广州日报"]
        self.jobs = _job_numbers(cfg, plan.jobs)
        self.campaigns = [f"海尔{PRODUCT_LINES[c % len(PRODUCT_LINES)]}{YEAR}推广{c + 1:03d}" for c in range(plan.campaigns)]
        weeks_span = max(1, min(46, plan.weeks - 1))
        self.job_start = {j: _workday(FIRST_MONDAY + timedelta(weeks=i * weeks_span // max(1, plan.jobs)))
                          for i, j in enumerate(self.jobs)}
        self.job_campaign = {j: self.campaigns[i % plan.campaigns] for i, j in enumerate(self.jobs)}
        # within a campaign, jobs alternate creative and media
        self.job_kind = {j: ("creative", "media")[(i // plan.campaigns) % 2] for i, j in enumerate(self.jobs)}
        self.media_job = {}
        for j in self.jobs:
            if self.job_kind[j] == "media":
                self.media_job.setdefault(self.job_campaign[j], j)
        for c in self.campaigns:
            self.media_job.setdefault(c, next(j for j in self.jobs if self.job_campaign[j] == c))
        self._schedules = self._media_schedules()

    def rng(self, *parts: Any) -> random.Random:
        return random.Random("agency-year:" + ":".join(map(str, parts)))

    def documents(self) -> list[Doc]:
        docs = (self.timesheets() + self.work_orders() + self.sign_offs() + self.progress() + self.minutes()
                + self.quotes() + self.costs() + self._schedules + self.media_invoices() + self.monitoring()
                + self.payments() + [self.archive(), self.brand_aliases()] + self.flight_notes())
        return docs

    # ---- timesheets
    def timesheets(self) -> list[Doc]:
        out = []
        billable = {"creative": ("print_creative", "print_creative", "pop_creative", "tv_radio_creative"),
                    "production": ("print_artwork", "pop_artwork", "print_artwork")}
        for s, (name, dept) in enumerate(self.people):
            for w in range(self.plan.weeks):
                monday = FIRST_MONDAY + timedelta(weeks=w)
                rng = self.rng("ts", name, monday)
                days = [d for d in (monday + timedelta(days=i) for i in range(5)) if d <= LAST_DAY]
                per_day = [self.plan.rows_per_sheet // len(days) + (1 if i < self.plan.rows_per_sheet % len(days) else 0)
                           for i in range(len(days))]
                active = [j for j in self.jobs if self.job_start[j] <= monday] or self.jobs[:3]
                rows = []
                for d, n in zip(days, per_day):
                    units = 30 + rng.randrange(0, 9)  # 7.5 to 9.5 hours in quarters
                    cuts = sorted(rng.sample(range(1, units), n - 1)) if n > 1 else []
                    parts = [b - a for a, b in zip([0, *cuts], [*cuts, units])]
                    for q in parts:
                        cats = billable.get(dept)
                        cat = rng.choice(cats) if cats and rng.random() < 0.8 else "non_billable"
                        job = rng.choice(active) if cat != "non_billable" or rng.random() < 0.6 else None
                        rows.append({"date": d, "job_no": job, "category": cat, "hours": D(q) / 4,
                                     "description": rng.choice(TEXTS)})
                header = {"staff": name, "department": dept, "week_start": monday}
                saved = datetime.combine(days[-1], dtime(18, rng.randrange(60)))
                out.append(Doc("timesheet", f"timesheets/{dept}/{name}/工时表_{name}_{monday}.xlsx", header, rows,
                               name, saved))
        return out

    # ---- work orders
    def work_orders(self) -> list[Doc]:
        out, n = [], 0
        per_job = [self.plan.work_orders // len(self.jobs) + (1 if i < self.plan.work_orders % len(self.jobs) else 0)
                   for i in range(len(self.jobs))]
        deliverables = {"creative": ("creative_concept", "copy_layout", "artwork", "colour_proof", "film", "tv_radio_creative"),
                        "media": ("media_plan", "schedule_national", "schedule_local")}
        kinds = ("creative_change", "media_change", "add_production", "cut_production", "new")
        for j, count in zip(self.jobs, per_job):
            rng = self.rng("wo", j)
            day = self.job_start[j]
            for k in range(count):
                n += 1
                issued = datetime.combine(_clamp(_workday(day)), dtime(9 + rng.randrange(8), rng.choice((0, 15, 30, 45))))
                signed = _clamp(issued.date() + timedelta(days=rng.randrange(2)), issued.date())
                receiver = rng.choice(self.account)
                order_no = f"BZD-{YEAR}-{n:05d}"
                header = {"order_no": order_no, "job_no": j, "brand": f"海尔{PRODUCT_LINES[n % len(PRODUCT_LINES)]}",
                          "campaign": self.job_campaign[j], "order_type": "new" if k == 0 else rng.choice(kinds),
                          "issued_at": issued, "issued_by": rng.choice(CLIENT_CONTACTS), "received_by": receiver,
                          "rush": rng.random() < 0.1, "client_signed_by": rng.choice(CLIENT_CONTACTS), "signed_on": signed}
                rows = [{"deliverable": rng.choice(deliverables[self.job_kind[j]]), "quantity": 1 + rng.randrange(4),
                         "requested_due": None, "notes": rng.choice(TEXTS)} for _ in range(1 + rng.randrange(3))]
                out.append(Doc("work_order", f"account/工作布置单/工作布置单_{order_no}.xlsx", header, rows, receiver,
                               issued + timedelta(hours=1)))
                day += timedelta(days=7 + rng.randrange(30))
        return out

    # ---- the sign-off registers, one per month
    def sign_offs(self) -> list[Doc]:
        docs_of = {"creative": ("work_plan", "concept_strategy", "design_quote", "artwork_production_quote", "minutes", "other"),
                   "media": ("work_plan", "concept_strategy", "media_schedule", "minutes", "other")}
        amounts = {"media_schedule", "design_quote", "artwork_production_quote"}
        per_job = [self.plan.sign_offs // len(self.jobs) + (1 if i < self.plan.sign_offs % len(self.jobs) else 0)
                   for i in range(len(self.jobs))]
        by_month: dict[int, list[dict]] = {}
        for j, count in zip(self.jobs, per_job):
            rng = self.rng("so", j)
            versions: dict[str, int] = {}
            start = self.job_start[j]
            span = max(1, (LAST_DAY - start).days - 3)
            for k in range(count):
                doc = rng.choice(docs_of[self.job_kind[j]])
                versions[doc] = versions.get(doc, 0) + 1
                submitted = _clamp(_workday(start + timedelta(days=k * span // max(1, count))), start, LAST_DAY - timedelta(days=3))
                decision = None if submitted >= date(YEAR, 12, 10) and rng.random() < 0.5 else \
                    rng.choice(("approved",) * 7 + ("revise",) * 2 + ("rejected",))
                row = {"job_no": j, "document": doc, "version": versions[doc], "submitted_on": submitted,
                       "decision": decision,
                       "decided_on": submitted + timedelta(days=rng.randrange(4)) if decision else None,
                       "signed_by": rng.choice(CLIENT_CONTACTS) if decision == "approved" else None,
                       "comments": "画面色调偏冷，请调整" if decision in ("revise", "rejected") else None,
                       "amount": D(rng.randrange(20, 900) * 100).quantize(D("0.01")) if doc in amounts else None}
                by_month.setdefault(submitted.month, []).append(row)
        out = []
        for m, rows in sorted(by_month.items()):
            rows.sort(key=lambda r: (r["submitted_on"], r["job_no"], r["document"], r["version"]))
            last = max(r["decided_on"] or r["submitted_on"] for r in rows)
            out.append(Doc("sign_off", f"account/客户确认单/客户确认单_{YEAR}-{m:02d}.xlsx",
                           {"register_id": f"QR-{YEAR}-{m:02d}"}, rows, self.account[m % len(self.account)],
                           datetime.combine(last, dtime(17, 40))))
        return out

    # ---- progress log, one register per quarter
    def progress(self) -> list[Doc]:
        stages = {
            "creative": (("work_order", "client", None), ("internal_brief", "account", None),
                         ("confirm_work_plan", "client", None), ("proposal", "account", "creative_concept"),
                         ("confirm_concept", "client", None), ("creative_design", "creative", "copy_layout"),
                         ("confirm_design", "client", None), ("artwork", "creative", "artwork"),
                         ("confirm_artwork", "client", None), ("production", "creative", "colour_proof"),
                         ("deliver_to_media_agency", "account", "film")),
            "media": (("work_order", "client", None), ("internal_brief", "account", None),
                      ("confirm_work_plan", "client", None), ("proposal", "account", "media_plan"),
                      ("confirm_concept", "client", None), ("media_schedule", "media", "schedule_national"),
                      ("confirm_media_schedule", "client", None), ("media_booking", "media", None),
                      ("media_prepayment", "client", None), ("send_to_media", "media", None),
                      ("monitoring_report", "media", None)),
        }
        by_q: dict[int, list[dict]] = {}
        for j in self.jobs:
            rng = self.rng("pg", j)
            day = self.job_start[j]
            for stage, owner, deliverable in stages[self.job_kind[j]]:
                day = _workday(day + timedelta(days=1 + rng.randrange(6)))
                if day > LAST_DAY:
                    break
                by_q.setdefault((day.month - 1) // 3 + 1, []).append(
                    {"job_no": j, "stage": stage, "done_on": day, "owner": owner, "deliverable": deliverable,
                     "note": rng.choice(TEXTS)})
        out = []
        for q, rows in sorted(by_q.items()):
            rows.sort(key=lambda r: (r["done_on"], r["job_no"]))
            out.append(Doc("progress", f"account/工作进度登记/工作进度登记_{YEAR}-Q{q}.xlsx",
                           {"register_id": f"PG-{YEAR}-Q{q}"}, rows, self.account[0],
                           datetime.combine(rows[-1]["done_on"], dtime(18, 0))))
        return out

    # ---- minutes of meetings
    def minutes(self) -> list[Doc]:
        out = []
        for n in range(self.plan.meetings):
            rng = self.rng("mn", n)
            j = rng.choice(self.jobs)
            day = _clamp(_workday(FIRST_MONDAY + timedelta(days=n * 350 // max(1, self.plan.meetings))), hi=date(YEAR, 12, 28))
            start = datetime.combine(day, dtime(9 + rng.randrange(7), rng.choice((0, 30))))
            end = start + timedelta(minutes=30 * (2 + rng.randrange(4)))
            sent = end + timedelta(hours=1 + rng.randrange(30))
            team = rng.sample([p for p, _ in self.people], min(4, len(self.people)))
            header = {"title": f"{rng.choice(('项目例会', '提案会', '投放回顾会', '内部布置会'))}第{n + 1}次", "job_no": j,
                      "meeting_start": start, "meeting_end": end, "important": rng.random() < 0.4,
                      "attendees": "、".join(team), "prepared_by": rng.choice(self.account), "sent_at": sent}
            rows = [{"item": rng.choice(TEXTS), "owner": rng.choice(team), "due": _clamp(day + timedelta(days=3 + k)),
                     "status": rng.choice(("open", "done"))} for k in range(3 + rng.randrange(4))]
            out.append(Doc("minutes", f"account/会议记录/会议记录_{day}_{n + 1:04d}.xlsx", header, rows,
                           header["prepared_by"], sent.replace(tzinfo=None)))
        return out

    # ---- quotes
    def quotes(self) -> list[Doc]:
        out = []
        hourly = list(self.cfg.hourly_categories)
        costs = ("stock_rental", "photography", "retouching", "printing", "other")
        for j in self.jobs:
            kind = "creative" if self.job_kind[j] == "creative" else "production"
            for v in range(1, self.plan.quotes_per_job + 1):
                rng = self.rng("qt", j, v)
                on = _clamp(_workday(self.job_start[j] + timedelta(days=10 * v)))
                rows = []
                for _ in range(4 + rng.randrange(5)):
                    lt = rng.choice(("hours", "hours", "cost", "film", "postage"))
                    row = {"line_type": lt, "category": None, "description": rng.choice(TEXTS), "hours": None,
                           "width_cm": None, "height_cm": None, "quantity": 1 + rng.randrange(3), "amount": None}
                    if lt == "hours":
                        row.update(category=rng.choice(hourly), hours=D(rng.randrange(4, 160)) / 4)
                    elif lt == "film":
                        row.update(category=rng.choice(("bw", "colour_proof")), width_cm=D("42.0"), height_cm=D("29.7"))
                    elif lt == "cost":
                        row.update(category=rng.choice(costs), amount=D(rng.randrange(20, 2000) * 10).quantize(D("0.01")))
                    else:
                        row.update(amount=D(rng.randrange(5, 60) * 10).quantize(D("0.01")))
                    rows.append(row)
                author = rng.choice(self.account)
                header = {"job_no": j, "quote_type": kind, "version": v, "prepared_by": author, "quote_date": on}
                out.append(Doc("quote", f"account/报价单/报价单_{j}_{kind}_v{v}.xlsx", header, rows, author,
                               datetime.combine(on, dtime(16, 0))))
        return out

    # ---- out-of-pocket costs, one register per month
    def costs(self) -> list[Doc]:
        out = []
        months = list(range(1, 13)) if not self.plan.small else [1]
        per = [self.plan.cost_rows // len(months) + (1 if i < self.plan.cost_rows % len(months) else 0) for i in range(len(months))]
        for m, count in zip(months, per):
            rng = self.rng("cost", m)
            first = date(YEAR, m, 1)
            days = [first + timedelta(days=i) for i in range(28)]
            rows = []
            for _ in range(count):
                ct = rng.choice(("stock_rental", "photography", "retouching", "printing", "postage", "film", "other"))
                row = {"date": rng.choice(days), "job_no": rng.choice(self.jobs), "vendor": rng.choice(VENDORS),
                       "cost_type": ct, "film_kind": None, "width_cm": None, "height_cm": None,
                       "quantity": 1 + rng.randrange(3), "amount": None,
                       "invoice_no": f"{45000000 + rng.randrange(10 ** 6):08d}", "billable": rng.random() < 0.9}
                if ct == "film":
                    row.update(film_kind=rng.choice(("bw", "colour_proof")), width_cm=D("21.0"), height_cm=D("29.7"))
                else:
                    row["amount"] = D(rng.randrange(20, 2000) * 10).quantize(D("0.01"))
                rows.append(row)
            rows.sort(key=lambda r: r["date"])
            out.append(Doc("costs", f"finance/外付成本登记/外付成本登记_{YEAR}-{m:02d}.xlsx",
                           {"register_id": f"CB-{YEAR}-{m:02d}"}, rows, self.finance[0],
                           datetime.combine(rows[-1]["date"] if rows else first, dtime(17, 0))))
        return out

    # ---- media schedules: campaigns x flights x insertions
    def _rate(self, media: str, size: str) -> Decimal:
        i = self.titles.index(media) if media in self.titles else 0
        return (FULL_PAGE[i % len(FULL_PAGE)] * SHAPE[size]).quantize(D("0.01"))

    def _media_schedules(self) -> list[Doc]:
        from adtools.forms.samples import MEDIA_CITIES
        from adtools.money import round_fen

        out, ref = [], 0
        for c, campaign in enumerate(self.campaigns):
            for f in range(self.plan.flights):  # spread over the year, the campaigns a few days or weeks apart
                rng = self.rng("ms", c, f)
                start = _workday(FIRST_MONDAY + timedelta(weeks=f * 52 // self.plan.flights + c % 4, days=c % 7))
                end = min(start + timedelta(days=20), LAST_DAY)
                rows = []
                for _ in range(self.plan.insertions):
                    media, size = rng.choice(self.titles), rng.choice(SIZES)
                    gross = self._rate(media, size)
                    disc = rng.choice((D("0"), D("0.1"), D("0.25"), D("0.35"), D("0.45")))
                    u = rng.random()
                    status = "booked" if u < 0.97 else "cancelled" if u < 0.99 else "planned"
                    ref += 1
                    rows.append({"media": media, "city": MEDIA_CITIES.get(media), "size": size,
                                 "date": start + timedelta(days=rng.randrange((end - start).days + 1)),
                                 "colour": "bw" if size == "通栏" else "colour", "position": rng.choice(POSITIONS),
                                 "gross": gross, "discount": disc, "net": round_fen(gross * (1 - disc)), "status": status,
                                 "booking_ref": f"BK-{YEAR}-{ref:06d}" if status == "booked" else None})
                rows.sort(key=lambda r: (r["date"], r["media"]))
                header = {"campaign": campaign, "flight": f"第{f + 1}波", "flight_start": start, "flight_end": end,
                          "scope": "national" if f % 3 else "local", "job_no": self.media_job[campaign], "version": 1}
                author = self.media_staff[c % len(self.media_staff)]
                out.append(Doc("media_schedule", f"media/媒体排期表/媒体排期表_{c + 1:03d}_第{f + 1}波_v1.xlsx", header,
                               rows, author, datetime.combine(start - timedelta(days=7), dtime(17, 30))))
        return out

    def _booked(self) -> list[tuple[Doc, dict]]:
        return [(d, r) for d in self._schedules for r in d.rows if r["status"] == "booked"]

    # ---- media invoices, one register per month of the run date
    def media_invoices(self) -> list[Doc]:
        booked = self._booked()
        rng = self.rng("mi")
        lines = []
        for n, (_doc, r) in enumerate(booked[: self.plan.invoice_lines]):
            amount = r["net"] + (D("3000.00") if rng.random() < 0.03 else 0)
            lines.append({"invoice_no": f"{44000000 + n:08d}", "media": r["media"], "date": r["date"], "size": r["size"],
                          "booking_ref": r["booking_ref"], "amount": amount})
        n = len(lines)
        while len(lines) < self.plan.invoice_lines:  # invoiced though nobody booked it (the exceptions list)
            media, size = rng.choice(self.titles), rng.choice(SIZES)
            d = FIRST_MONDAY + timedelta(days=rng.randrange((LAST_DAY - FIRST_MONDAY).days + 1))
            lines.append({"invoice_no": f"{44000000 + n:08d}", "media": media, "date": d, "size": size,
                          "booking_ref": None, "amount": self._rate(media, size)})
            n += 1
        by_month: dict[int, list[dict]] = {}
        for r in lines:
            by_month.setdefault(r["date"].month, []).append(r)
        out = []
        for m, rows in sorted(by_month.items()):
            rows.sort(key=lambda r: (r["date"], r["invoice_no"]))
            out.append(Doc("media_invoice", f"finance/媒体发票登记/媒体发票登记_{YEAR}-{m:02d}.xlsx",
                           {"register_id": f"MI-{YEAR}-{m:02d}"}, rows, self.finance[m % len(self.finance)],
                           datetime.combine(rows[-1]["date"], dtime(15, 0))))
        return out

    # ---- the monitoring logs: our insertions as seen, then the industry
    def monitoring(self) -> list[Doc]:
        from adtools.forms.samples import FRIDGE_MODELS, MEDIA_CITIES

        brands = list(self.cfg.client.brands) or ["海尔"]
        competitors = [a for aliases in self.cfg.monitoring.competitors.values() for a in aliases] or ["美的"]
        seen: dict[int, list[dict]] = {}
        for _doc, r in self._booked():
            if self.rng("seen", r["booking_ref"]).random() < 0.97:  # the monitor misses a few
                seen.setdefault(r["date"].month, []).append(r)
        out = []
        months = list(range(1, self.plan.months + 1))
        n_logs = max(1, math.ceil(self.plan.clippings / 15000))  # [intake] max_rows: a big month split by monitor
        for m in months:
            rng = self.rng("mon", m)
            first = date(YEAR, m, 1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            rows = []
            for r in seen.get(m, [])[: self.plan.clippings]:
                rows.append({"date": r["date"], "media": r["media"], "city": r["city"], "advertiser": brands[0],
                             "category": "冰箱", "product": FRIDGE_MODELS["client"][0], "size": r["size"],
                             "colour": r["colour"], "position": r["position"], "theme": rng.choice(THEMES),
                             "est_cost": r["gross"], "new_creative": False, "clipping_ref": None})
            while len(rows) < self.plan.clippings:
                u = rng.random()
                adv = rng.choice(competitors) if u < 0.6 else rng.choice(brands) if u < 0.7 else rng.choice(OTHER_ADVERTISERS)
                media, size = rng.choice(self.titles), rng.choice(SIZES)
                rows.append({"date": first + timedelta(days=rng.randrange((last - first).days + 1)), "media": media,
                             "city": MEDIA_CITIES.get(media), "advertiser": adv, "category": "冰箱",
                             "product": f"{adv} 冰箱", "size": size, "colour": "bw" if size == "通栏" else "colour",
                             "position": rng.choice(POSITIONS), "theme": f"{adv} {rng.choice(THEMES)}",
                             "est_cost": self._rate(media, size), "new_creative": rng.random() < 0.1, "clipping_ref": None})
            rows.sort(key=lambda r: (r["date"], r["media"], r["advertiser"]))
            for k, r in enumerate(rows, 1):
                r["clipping_ref"] = f"JB-{YEAR}{m:02d}-{k:06d}"
            size = math.ceil(len(rows) / n_logs)
            for part in range(n_logs):
                monitor = "华信广告监测" if part == 0 else f"华信广告监测{part + 1}"
                chunk = rows[part * size:(part + 1) * size]
                suffix = "" if part == 0 else f"_{part + 1}"
                out.append(Doc("monitoring", f"media/媒体监测记录/媒体监测记录_{YEAR}-{m:02d}{suffix}.xlsx",
                               {"month": f"{YEAR}-{m:02d}", "monitor": monitor}, chunk,
                               self.media_staff[0], datetime.combine(min(last + timedelta(days=1), LAST_DAY), dtime(10, 0))))
        return out

    # ---- payments, one register per quarter
    def payments(self) -> list[Doc]:
        rng = self.rng("pay")
        rows: list[dict] = []
        client = self.cfg.client.name
        for doc in self._schedules:  # the client's prepayment of each flight
            net = sum((r["net"] for r in doc.rows if r["status"] == "booked"), D(0))
            if net > 0:
                rows.append({"date": _clamp(doc.header["flight_start"] - timedelta(days=5)), "direction": "in",
                             "counterparty": client, "purpose": "media_prepayment", "campaign": doc.header["campaign"],
                             "job_no": doc.header["job_no"], "amount": net})
        media_due: dict[tuple[int, str], Decimal] = {}
        for _doc, r in self._booked():
            key = (r["date"].month, r["media"])
            media_due[key] = media_due.get(key, D(0)) + r["net"]
        for (m, media), amount in sorted(media_due.items()):
            rows.append({"date": _clamp(date(YEAR, m, 1) + timedelta(days=40)), "direction": "out", "counterparty": media,
                         "purpose": "media", "campaign": None, "job_no": None, "amount": amount})
        while len(rows) < self.plan.payments:
            j = rng.choice(self.jobs)
            inbound = rng.random() < 0.5
            rows.append({"date": _clamp(self.job_start[j] + timedelta(days=20 + rng.randrange(60))),
                         "direction": "in" if inbound else "out",
                         "counterparty": client if inbound else rng.choice(VENDORS),
                         "purpose": "creative_fee" if inbound else rng.choice(("production", "other")),
                         "campaign": self.job_campaign[j], "job_no": j,
                         "amount": D(rng.randrange(50, 5000) * 10).quantize(D("0.01"))})
        rows = rows[: self.plan.payments]
        by_q: dict[int, list[dict]] = {}
        for r in rows:
            by_q.setdefault((r["date"].month - 1) // 3 + 1, []).append(r)
        out, n = [], 0
        for q, qrows in sorted(by_q.items()):
            qrows.sort(key=lambda r: (r["date"], r["direction"], str(r["counterparty"])))
            for r in qrows:
                n += 1
                r["reference"] = f"PZ-{YEAR}-{n:05d}"
            out.append(Doc("payments", f"finance/收付款登记/收付款登记_{YEAR}-Q{q}.xlsx",
                           {"register_id": f"SF-{YEAR}-Q{q}"}, qrows, self.finance[0],
                           datetime.combine(qrows[-1]["date"], dtime(17, 30))))
        return out

    # ---- registers
    def archive(self) -> Doc:
        rows = []
        types = ("signed_creative", "signed_media_plan", "signed_quote", "minutes", "model_release", "footage_licence")
        for i, j in enumerate(self.jobs):
            rng = self.rng("arc", j)
            for k in range(4):
                t = rng.choice(types)
                signed = _clamp(self.job_start[j] + timedelta(days=15 * (k + 1)))
                rights = t in ("model_release", "footage_licence")
                rows.append({"doc_id": f"DA-{YEAR}-{len(rows) + 1:05d}", "job_no": j, "doc_type": t,
                             "title": f"{j} {rng.choice(TEXTS)}", "signed_on": signed,
                             "rights_start": signed if rights else None,
                             "rights_end": signed + timedelta(days=90 + rng.randrange(365)) if rights else None,
                             "scope": "平面广告及POP，中国大陆" if rights else None,
                             "location": f"档案柜A-{i % 20 + 1:02d}；共享盘/海尔/{YEAR}/{j}",
                             "client_copy_on": signed + timedelta(days=2) if rng.random() < 0.8 else None})
        return Doc("archive", f"account/存档登记_{YEAR}.xlsx", {"register_id": f"DA-{YEAR}"}, rows, self.account[0],
                   datetime(YEAR, 12, 30, 16, 0))

    def brand_aliases(self) -> Doc:
        rows = [{"alias": "统帅", "brand": "统帅 Leader", "side": "client", "note": "海尔旗下品牌 a Haier brand"}]
        for display, aliases in self.cfg.monitoring.competitors.items():
            if aliases:
                rows.append({"alias": f"{aliases[0]}集团", "brand": display, "side": "competitor", "note": None})
        for adv in OTHER_ADVERTISERS:
            if adv != "统帅":
                rows.append({"alias": adv, "brand": adv, "side": "other", "note": "行业 industry"})
        return Doc("brand_aliases", "media/品牌别名登记.xlsx", {"register_id": f"BA-{YEAR}"}, rows, self.media_staff[0],
                   datetime(YEAR, 3, 2, 11, 0))

    def flight_notes(self) -> list[Doc]:
        out = []
        for doc in self._schedules:
            rng = self.rng("fn", doc.rel)
            author = doc.author
            rows = [{"section": s, "text": f"{rng.choice(TEXTS)}。"} for s in ("effect", "effect", "competitors", "next_steps", "response")]
            header = {"campaign": doc.header["campaign"], "flight": doc.header["flight"], "author": author}
            out.append(Doc("flight_notes", doc.rel.replace("媒体排期表", "投放总结").replace("_v1", ""), header, rows,
                           author, datetime.combine(_clamp(doc.header["flight_end"] + timedelta(days=3)), dtime(17, 0))))
        return out


def complete_docs(docs: list[Doc], cfg) -> list[Doc]:
    """Every required field the world leaves out filled by the schema (adtools.forms.samples.complete)."""
    from adtools.forms.catalog import FORMS
    from adtools.forms.samples import complete

    out = []
    for d in docs:
        header, rows = complete(FORMS[d.form_id], cfg, d.header, d.rows, seed=d.rel, start=FIRST_MONDAY)
        out.append(replace(d, header=header, rows=rows))
    return out


CHANGE_FIELDS = ("description", "notes", "note", "comments", "item", "text", "theme", "position", "title", "vendor",
                 "reference", "size")


def changed_version(doc: Doc) -> Doc:
    """The document saved again with a real change: a text of its first row edited."""
    from adtools.forms.catalog import FORMS

    keys = {f.key for f in FORMS[doc.form_id].columns}
    key = next((k for k in CHANGE_FIELDS if k in keys), None)
    rows = [dict(r) for r in doc.rows]
    if key is None or not rows:
        raise SystemExit(f"cannot make a changed version of {doc.form_id}: add one of its text fields to CHANGE_FIELDS")
    rows[0][key] = f"{rows[0].get(key) or ''}（已修改 revised）"
    return replace(doc, rows=rows, saved_at=CHANGED_MTIME)


def pick_changed(docs: list[Doc]) -> list[Doc]:
    n = max(1, round(len(docs) * CHANGED_SHARE))
    return random.Random("agency-year:changed").sample(sorted(docs, key=lambda d: d.rel), n)


# ----------------------------------------------------------------------------------------------- writing
_FILLER = None  # one per generating process (_init_worker)
_CFG = None


def _init_worker(config_path: str) -> None:
    global _FILLER, _CFG
    from adtools.config import load_config
    from adtools.forms.fill import Filler

    _CFG = load_config(config_path)
    _FILLER = Filler(_CFG)


def _write_doc(job: tuple[Doc, str]) -> int:
    from adtools.forms.catalog import FORMS

    doc, target = job
    assert _FILLER is not None
    _FILLER.fill(FORMS[doc.form_id], doc.header, doc.rows, target, author=doc.author, saved_at=doc.saved_at)
    stamp = doc.saved_at.replace(tzinfo=_CFG.tz).timestamp()
    os.utime(target, (stamp, stamp))
    return len(doc.rows)


def cache_key(plan: Plan, text: str) -> str:
    """A hash of what the files depend on: this script, the config and the bytes of every template."""
    from adtools.config import load_config
    from adtools.forms.catalog import FORMS
    from adtools.forms.template import build_template

    h = hashlib.sha256()
    h.update(Path(__file__).read_bytes())  # this generator
    h.update(text.encode("utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        p = Path(tmp) / "config.toml"
        p.write_text(text, encoding="utf-8")
        cfg = load_config(p)
        for form_id in sorted(FORMS):
            h.update(form_id.encode())
            h.update(build_template(FORMS[form_id], cfg))
    return h.hexdigest()[:12]


def generate(plan: Plan, cache_root: Path, *, workers: int, log: Callable[[str], None]) -> Path:
    """The cached workspace of `plan` (generated when absent): <dir>/clean (a workspace), <dir>/changed, manifest.json."""
    text = config_text(plan)
    key = cache_key(plan, text)
    target = cache_root / f"agency_year-{plan.label}-{key}"
    if (target / "manifest.json").is_file():
        log(f"cached: {target}")
        return target
    from adtools.config import load_config
    from adtools.workspace import init_workspace

    t0 = time.perf_counter()
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".agency_year-{plan.label}-", dir=cache_root))
    try:
        ws = init_workspace(tmp / "clean", config_text=text)
        cfg = load_config(ws.root / "config.toml")
        world = World(plan, cfg)
        docs = complete_docs(world.documents(), cfg)
        changed = [changed_version(d) for d in pick_changed(docs)]
        inbox = cfg.watch_dirs[0]
        jobs = [(d, str(inbox.joinpath(*d.rel.split("/")))) for d in docs]
        jobs += [(d, str((tmp / "changed").joinpath(*d.rel.split("/")))) for d in changed]
        jobs.sort(key=lambda j: -len(j[0].rows))  # the big registers first: the pool stays busy to the end
        log(f"generating {plan.label}: {len(docs)} workbooks, {sum(len(d.rows) for d in docs):,} rows, "
            f"{len(changed)} changed copies, {workers} processes (specs in {time.perf_counter() - t0:.1f} s)")
        done, last = 0, time.perf_counter()
        if workers > 1:
            with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(str(ws.root / "config.toml"),)) as pool:
                for _ in pool.map(_write_doc, jobs, chunksize=8):
                    done += 1
                    if time.perf_counter() - last > 10:
                        last = time.perf_counter()
                        log(f"  {done}/{len(jobs)} workbooks written ({last - t0:.0f} s)")
        else:
            _init_worker(str(ws.root / "config.toml"))
            for j in jobs:
                _write_doc(j)
        stamp = CHANGED_MTIME.replace(tzinfo=cfg.tz).timestamp()
        for d in changed:
            os.utime((tmp / "changed").joinpath(*d.rel.split("/")), (stamp, stamp))
        counts: dict[str, dict[str, int]] = {}
        for d in docs:
            c = counts.setdefault(d.form_id, {"files": 0, "rows": 0})
            c["files"] += 1
            c["rows"] += len(d.rows)
        manifest = {"plan": asdict(plan), "files": len(docs), "rows": sum(len(d.rows) for d in docs),
                    "by_form": counts, "changed": sorted(d.rel for d in changed),
                    "inbox": inbox.relative_to(ws.root).as_posix(),
                    "generated_seconds": round(time.perf_counter() - t0, 1)}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log(f"generated {plan.label} in {time.perf_counter() - t0:.0f} s: {target}")
    return target


