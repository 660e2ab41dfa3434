"""Sample data from the schemas: valid rows for any form, and the world's names they use.

`sample_rows` walks a form's fields and fills each by its type (and, for the few
fields whose values must hang together, by the form's own rules), so tests get
realistic, rule-abiding records for every form.  `complete` gives records
written by hand (the demo's story, test fixtures) a value for every required
field they leave out, so a field added to the catalog is one edit.  The demo's
story (`adtools.demo.story`) takes its names from here.

Values are typed as the validator returns them: str, int, Decimal, date, naive
datetime (local time, as typed in Excel), bool, and enum keys.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from ..money import round_fen
from .catalog import COST_TYPES
from .schema import Field, Form

if TYPE_CHECKING:
    from ..config import Config

__all__ = [
    "sample_rows",
    "complete",
    "job_numbers",
    "staff_by_department",
]

D = Decimal
CLIENT_CONTACTS = ("孙明", "周丽")
_FALLBACK_STAFF = {
    "account": ("张伟", "李娜"),
    "creative": ("王芳", "刘洋"),
    "media": ("陈静",),
    "production": ("赵磊",),
    "finance": ("周敏",),
}
MEDIA_CITIES = {"人民日报": "北京", "北京晚报": "北京", "新民晚报": "上海", "广州日报": "广州"}
SIZES = ("整版", "半版", "通栏", "1/4版")
POSITIONS = ("头版", "要闻版", "A3版", "B2版", "生活版")
VENDORS = ("光影摄影工作室", "视界图库", "华彩制版公司", "顺丰速运", "精艺印务")
FRIDGE_MODELS = {
    "client": ("海尔 BCD-510WGHTD", "卡萨帝 F+ 501", "海尔 鲜活 BCD-476"),
    "美的": ("美的 BCD-520WSPZM", "美的 M60 微晶"),
    "西门子": ("西门子 KA92NV02TI", "西门子 零度保鲜 KM46"),
    "容声": ("容声 BCD-529WD", "容声 WILL 养鲜"),
}


# ----------------------------------------------------------------- shared helpers
def job_numbers(cfg: "Config", year: int, count: int, prefix: str = "HRFR") -> list[str]:
    """`count` distinct job numbers that match `[forms] job_no_pattern`: HRFR-2026-001 … when it allows."""
    rx = re.compile(cfg.forms.job_no_pattern)
    shapes = (
        "{p}-{y}-{n:03d}", "{p}{y}{n:03d}", "HR-{y}-{n:03d}", "{p}-{y}-{n:04d}",
        "{p}-{n:03d}", "{y}-{n:03d}", "{p}{n:03d}",
    )
    for shape in shapes:
        got = [shape.format(p=prefix, y=year, n=i) for i in range(1, count + 1)]
        if all(rx.fullmatch(g) for g in got):
            return got
    got = [_pattern_example(cfg.forms.job_no_pattern, i) for i in range(1, count + 1)]
    if len(set(got)) == count and all(rx.fullmatch(g) for g in got):
        return got
    from ..errors import ConfigError

    raise ConfigError(
        f"无法生成符合 [forms] job_no_pattern 的示例工作编号 / Cannot make sample job numbers for "
        f"[forms] job_no_pattern = {cfg.forms.job_no_pattern!r}. Fix: use a simpler pattern such as "
        r"'^[A-Z]{2,6}-\d{4}-\d{3}$'."
    )


def _pattern_example(pattern: str, n: int) -> str:
    """A string matching a simple regular expression, its digit positions spelling `n` from the right."""
    try:
        from re import _parser as sre  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - Python < 3.11
        import sre_parse as sre  # type: ignore[no-redef]
    const = sre  # the parser module re-exports the opcode constants
    slots: list[str] = []  # literal chars, or "\0" for a digit slot

    def walk(items) -> None:
        for op, av in items:
            if op is const.LITERAL:
                slots.append(chr(av))
            elif op is const.ANY:
                slots.append("X")
            elif op is const.IN:
                slots.append(_class_char(av, const))
            elif op in (const.MAX_REPEAT, const.MIN_REPEAT):
                lo, _hi, sub = av
                for _ in range(max(lo, 1) if lo else 0):
                    walk(sub)
            elif op is const.SUBPATTERN:
                walk(av[-1])
            elif op is const.BRANCH:
                walk(av[1][0])
            # AT (anchors) and others add nothing

    walk(sre.parse(pattern))
    digits = str(n)
    out = list(slots)
    for i in range(len(out) - 1, -1, -1):
        if out[i] == "\0":
            out[i] = digits[-1] if digits else "0"
            digits = digits[:-1]
    return "".join(out)


def _class_char(items, const) -> str:
    for op, av in items:
        if op is const.CATEGORY and av is const.CATEGORY_DIGIT:
            return "\0"
        if op is const.RANGE:
            lo, hi = av
            if chr(lo) <= "0" <= chr(hi) and chr(hi) >= "9":
                return "\0"
            return chr(lo)
        if op is const.LITERAL:
            return chr(av)
        if op is const.CATEGORY:
            return "A"
    return "A"


def staff_by_department(cfg: "Config") -> dict[str, list[str]]:
    """[[people]] names per department, topped up with the demo's usual names where one is empty."""
    out: dict[str, list[str]] = {d: [] for d in _FALLBACK_STAFF}
    for p in cfg.people:
        out.setdefault(p.department, []).append(p.name)
    for dept, names in _FALLBACK_STAFF.items():
        if not out[dept]:
            out[dept] = list(names)
    return out


# ----------------------------------------------------------------- sample_rows
@dataclass
class _Ctx:
    """What the generators share for one sample: the random source and the world's names."""

    form: Form
    cfg: "Config"
    rng: random.Random
    start: date  # a Monday
    jobs: list[str]
    campaign: str
    people: list[Any]
    counter: int = 0

    def next(self) -> int:
        self.counter += 1
        return self.counter

    def day(self, span: int = 27) -> date:
        return self.start + timedelta(days=self.rng.randrange(span))

    def staff(self) -> str:
        names = [p.name for p in self.people] or [n for ns in _FALLBACK_STAFF.values() for n in ns]
        return self.rng.choice(names)


def _text_value(f: Field, ctx: _Ctx, row: dict[str, Any]) -> str:
    rng, cfg, k = ctx.rng, ctx.cfg, f.key
    i = ctx.next()
    year = ctx.start.year
    media = list(cfg.monitoring.media) or list(MEDIA_CITIES)
    if k == "job_no":
        return rng.choice(ctx.jobs)
    if k in ("issued_by", "client_signed_by", "signed_by"):
        return rng.choice(CLIENT_CONTACTS)
    if k in ("received_by", "prepared_by", "author", "owner", "staff"):
        return ctx.staff()
    if k == "attendees":
        return "、".join(sorted({ctx.staff() for _ in range(3)}))
    if k == "order_no":
        return f"BZD-{year}-{i:03d}"
    if k == "register_id":
        return f"{ctx.form.form_id.upper()[:2]}-{year}"
    if k == "brand":
        return cfg.client.product
    if k == "campaign":
        return ctx.campaign
    if k == "flight":
        return rng.choice(("第一波", "第二波"))
    if k == "media":
        return rng.choice(media)
    if k == "city":
        return MEDIA_CITIES.get(row.get("media") or "", rng.choice(("北京", "上海", "广州")))
    if k == "size":
        return rng.choice(SIZES)
    if k == "position":
        return rng.choice(POSITIONS)
    if k == "vendor":
        return rng.choice(VENDORS)
    if k == "advertiser":
        names = list(cfg.client.brands) + [a for al in cfg.monitoring.competitors.values() for a in al]
        return rng.choice(names or ["海尔"])
    if k == "category":
        return "冰箱"
    if k == "product":
        return rng.choice(FRIDGE_MODELS["client"] + FRIDGE_MODELS["美的"])
    if k == "theme":
        return rng.choice(("鲜活冰箱 新鲜每一天", "一级能效 静音保鲜", "双十一钜惠"))
    if k == "monitor":
        return "华信广告监测"
    if k in ("invoice_no",):
        return f"{44000000 + rng.randrange(10 ** 6):08d}"
    if k == "booking_ref":
        return f"BK-{year}-{i:04d}"
    if k == "clipping_ref":
        return f"JB-{year}-{i:04d}"
    if k == "reference":
        return f"PZ-{year}-{i:04d}"
    if k == "counterparty":
        return rng.choice([cfg.client.name, *media])
    if k == "doc_id":
        return f"DA-{year}-{i:03d}"
    if k == "location":
        return f"共享盘/海尔/{year}/{rng.choice(ctx.jobs)}"
    if k == "scope":
        return "平面广告及POP，中国大陆，一年"
    if k == "title":
        return rng.choice(("提案会", "项目例会", "投放回顾会")) if ctx.form.form_id == "minutes" else "「鲜活冰箱」主画面"
    if k in ("description", "notes", "note", "comments", "item", "text"):
        return rng.choice(("按客户意见调整画面色调", "准备第二波物料", "核对排期与发票", "提交客户确认"))
    return f"{f.zh}{i}"


def _number_value(f: Field, ctx: _Ctx) -> Any:
    rng = ctx.rng
    lo = f.min if f.min is not None else D(0)
    if f.type == "int":
        base = int(lo) + (1 if f.min_exclusive else 0)
        return base + rng.randrange(4)
    if f.key == "hours":
        return D(rng.randrange(2, 33)) / 4
    if f.percent:  # a discount
        return rng.choice((D("0"), D("0.1"), D("0.25"), D("0.35"), D("0.5")))
    if f.type == "money":
        return D(rng.randrange(5, 5000) * 10).quantize(D("0.01"))
    step = f.multiple_of or D("0.5")
    hi = f.max if f.max is not None else D(40)
    top = min(hi, D(40))
    steps = int((top - lo) / step)
    k = rng.randrange(1, max(steps, 1) + 1)
    v = lo + step * k
    if f.max is not None and (v > f.max or (f.max_exclusive and v >= f.max)):
        v = lo + step
    return v


def _field_value(f: Field, ctx: _Ctx, row: dict[str, Any]) -> Any:
    """A valid value of the field's type and bounds (rules across fields come later)."""
    rng, cfg = ctx.rng, ctx.cfg
    if f.type == "text":
        return _text_value(f, ctx, row)
    if f.type == "enum":
        return rng.choice(f.choices_for(cfg)).key
    if f.type == "bool":
        return rng.random() < 0.5
    if f.type in ("int", "decimal", "money"):
        return _number_value(f, ctx)
    if f.type == "date":
        return ctx.day()
    if f.type == "datetime":
        return datetime.combine(ctx.day(), time(9 + rng.randrange(8), rng.choice((0, 15, 30, 45))))
    if f.type == "month":
        return ctx.start.strftime("%Y-%m")
    raise ValueError(f"no sample for type {f.type}")


def _fill(fields: tuple[Field, ...], ctx: _Ctx, optional_share: float = 0.7) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields:
        if f.required or ctx.rng.random() < optional_share:
            out[f.key] = _field_value(f, ctx, out)
        else:
            out[f.key] = None
    return out


# ---- the few forms whose fields must hang together (the catalog's cross-field rules)
Shaper = Callable[[dict[str, Any], list[dict[str, Any]], _Ctx], None]


def _shape_work_order(h, rows, ctx):
    h["signed_on"] = h["issued_at"].date() + timedelta(days=ctx.rng.randrange(2))


def _shape_sign_off(h, rows, ctx):
    rng = ctx.rng
    versions: dict[tuple, int] = {}
    for r in rows:
        k = (r["job_no"], r["document"])
        versions[k] = versions.get(k, 0) + 1
        r["version"] = versions[k]
        decision = rng.choice(("approved", "approved", "revise", "rejected", None))
        r["decision"] = decision
        r["decided_on"] = r["submitted_on"] + timedelta(days=rng.randrange(4)) if decision else None
        r["signed_by"] = rng.choice(CLIENT_CONTACTS) if decision == "approved" else r["signed_by"] if decision else None
        if decision in ("revise", "rejected"):
            r["comments"] = r["comments"] or "画面色调偏冷，请调整"
        if r["document"] in ("media_schedule", "design_quote", "artwork_production_quote"):
            r["amount"] = r["amount"] or D("86000.00")


def _shape_minutes(h, rows, ctx):
    h["meeting_end"] = h["meeting_start"] + timedelta(minutes=30 * (1 + ctx.rng.randrange(4)))
    if h["sent_at"] is not None:
        h["sent_at"] = h["meeting_end"] + timedelta(hours=ctx.rng.randrange(1, 30))


def _shape_timesheet(h, rows, ctx):
    person = ctx.rng.choice(ctx.people) if ctx.people else None
    if person is not None:
        h["staff"], h["department"] = person.name, person.department
    h["week_start"] = ctx.start
    per_day: dict[date, Decimal] = {}
    cap = min(D(ctx.cfg.sla.daily_hours_warning), D(10))
    for r in rows:
        r["date"] = ctx.start + timedelta(days=ctx.rng.randrange(5))
        used = per_day.get(r["date"], D(0))
        if used + r["hours"] > cap:  # move to a day with room, else shrink
            for d in (ctx.start + timedelta(days=i) for i in range(7)):
                if per_day.get(d, D(0)) + r["hours"] <= cap:
                    r["date"], used = d, per_day.get(d, D(0))
                    break
            else:
                r["hours"] = D("0.25")
        per_day[r["date"]] = per_day.get(r["date"], D(0)) + r["hours"]
        if r["category"] != "non_billable" and not r["job_no"]:
            r["job_no"] = ctx.rng.choice(ctx.jobs)


def _shape_quote(h, rows, ctx):
    rng, cfg = ctx.rng, ctx.cfg
    for r in rows:
        lt = r["line_type"]
        r.update(hours=None, width_cm=None, height_cm=None, amount=None)
        if lt == "hours":
            r["category"] = rng.choice(cfg.hourly_categories)
            r["hours"] = D(rng.randrange(4, 160)) / 4
        elif lt == "film":
            r["category"] = rng.choice(("bw", "colour_proof"))
            r["width_cm"], r["height_cm"] = rng.choice(((D("21.0"), D("29.7")), (D("42.0"), D("29.7")), (D("37.0"), D("52.0"))))
        elif lt == "cost":
            r["category"] = rng.choice([c.key for c in COST_TYPES if c.key not in ("film", "postage")])
            r["amount"] = D(rng.randrange(20, 2000) * 10).quantize(D("0.01"))
        else:
            r["category"] = None
            r["amount"] = D(rng.randrange(5, 60) * 10).quantize(D("0.01"))


def _shape_costs(h, rows, ctx):
    rng = ctx.rng
    for r in rows:
        if r["cost_type"] == "film":
            r["film_kind"] = r["film_kind"] or rng.choice(("bw", "colour_proof"))
            r["width_cm"], r["height_cm"] = D("21.0"), D("29.7")
        else:
            r["film_kind"] = r["width_cm"] = r["height_cm"] = None
            if r["amount"] is None:
                r["amount"] = D(rng.randrange(20, 2000) * 10).quantize(D("0.01"))


def _shape_media_schedule(h, rows, ctx):
    start = ctx.start
    h["flight_start"], h["flight_end"] = start, start + timedelta(days=20)
    for r in rows:
        r["date"] = start + timedelta(days=ctx.rng.randrange(21))
        r["city"] = MEDIA_CITIES.get(r["media"], r["city"])
        r["gross"] = D(ctx.rng.randrange(8, 60) * 10000).quantize(D("0.01"))
        disc = r["discount"] or D(0)
        r["net"] = round_fen(r["gross"] * (1 - disc)) if r["net"] is not None else None
        if r["status"] == "booked" and not r["booking_ref"]:
            r["booking_ref"] = f"BK-{start.year}-{ctx.next():04d}"


def _shape_monitoring(h, rows, ctx):
    first = ctx.start.replace(day=1)
    h["month"] = first.strftime("%Y-%m")
    for r in rows:
        r["date"] = first + timedelta(days=ctx.rng.randrange(28))


def _shape_archive(h, rows, ctx):
    for i, r in enumerate(rows, 1):
        r["doc_id"] = f"DA-{ctx.start.year}-{i:03d}"
        if r["doc_type"] in ("model_release", "footage_licence") or r["rights_end"] is not None:
            r["rights_start"] = r["rights_start"] or ctx.start
            r["rights_end"] = max(r["rights_end"] or ctx.start, r["rights_start"]) + timedelta(days=180)


_SHAPERS: dict[str, Shaper] = {
    "work_order": _shape_work_order,
    "sign_off": _shape_sign_off,
    "minutes": _shape_minutes,
    "timesheet": _shape_timesheet,
    "quote": _shape_quote,
    "costs": _shape_costs,
    "media_schedule": _shape_media_schedule,
    "monitoring": _shape_monitoring,
    "archive": _shape_archive,
}


def _repair_required_when(form: Form, h: dict[str, Any], rows: list[dict[str, Any]], ctx: _Ctx, *,
                          only_absent: bool = False) -> None:
    """Fill any field a `required_when_*` rule still asks for (covers rules added later).

    With `only_absent`, a field a record holds (even as None) is left as it is.
    """
    for rule in form.rules:
        if not rule.code.startswith("required_when_"):
            continue
        targets = [h] if rule.scope == "header" else rows
        fld = form.field(rule.field)
        for r in targets:
            if only_absent and rule.field in r:
                continue
            if not rule.test(r, h, ctx.cfg):
                r[rule.field] = _field_value(fld, ctx, r)


def _context(form: Form, cfg: "Config", rng: random.Random, start: date, jobs: list[str] | None = None,
             campaign: str | None = None) -> _Ctx:
    return _Ctx(
        form=form, cfg=cfg, rng=rng, start=start,
        jobs=list(jobs) if jobs else job_numbers(cfg, start.year, 3),
        campaign=campaign or f"「鲜活冰箱」{start.year}推广",
        people=list(cfg.people),
    )


def sample_rows(form: Form, cfg: "Config", n: int, seed: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A header and `n` table rows of `form` that satisfy every rule of the catalog.

    Deterministic for (form, config, n, seed).  Optional fields are left empty now
    and then, as people do; required-when fields are filled when their rule asks.
    Names come from `[[people]]`: with none configured, a timesheet's staff is
    unknown to the config (the one rule that then fails).
    """
    rng = random.Random(f"adtools-samples:{form.form_id}:{seed}")
    start = date(2026, 1, 5) + timedelta(weeks=seed % 50)  # a Monday
    ctx = _context(form, cfg, rng, start)
    header = _fill(form.header, ctx)
    rows = [_fill(form.columns, ctx) for _ in range(n)]
    shaper = _SHAPERS.get(form.form_id)
    if shaper is not None:
        shaper(header, rows, ctx)
    _repair_required_when(form, header, rows, ctx)
    return header, rows


def complete(
    form: Form,
    cfg: "Config",
    header: Mapping[str, Any],
    rows: Iterable[Mapping[str, Any]],
    *,
    seed: int | str,
    start: date | None = None,
    jobs: list[str] | None = None,
    campaign: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Copies of `header` and `rows` with every required field they leave out filled as `sample_rows` would.

    Records written by hand (the demo's story, test fixtures) set the fields they
    tell something with; a required field they do not name, and a required-when
    field whose rule asks for it, gets a valid value from the schema, so a field
    added to the catalog needs no edit to them.  A key that is present, even as
    None, is kept as given.  `start` (dates fall in the four weeks from it),
    `jobs` and `campaign` give generated values the records' world.
    Deterministic for (form, config, records, seed).
    """
    start = start or date(2026, 1, 5)
    ctx = _context(form, cfg, random.Random(f"adtools-complete:{form.form_id}:{seed}"), start, jobs, campaign)
    h = dict(header)
    rs = [dict(r) for r in rows]
    for fields, records in ((form.header, [h]), (form.columns, rs)):
        for r in records:
            for f in fields:
                if f.required and f.key not in r:
                    r[f.key] = _field_value(f, ctx, r)
    _repair_required_when(form, h, rs, ctx, only_absent=True)
    return h, rs
