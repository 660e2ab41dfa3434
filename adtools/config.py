"""config.toml -> one typed, validated, immutable Config.

Every key has a default (so a config naming a few keys is valid); an unknown key,
a wrong type or a bad value is refused here, at load time, with the file, the key
and the fix.  Secrets never live in the file: it names environment variables.
"""
from __future__ import annotations

import copyreg
import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from . import registry as _registry
from .schedule_spec import SCHEDULE_FORMATS, ScheduleSpec, parse_schedule


def _read_only(d: dict) -> MappingProxyType:
    return MappingProxyType(d)


# A Config travels to the ingest's worker processes (spawned on Windows): its read-only
# mappings are pickled as the dicts they wrap.
copyreg.pickle(MappingProxyType, lambda m: (_read_only, (dict(m),)))

__all__ = [
    "Config",
    "Person",
    "RateCard",
    "load_config",
    "default_config",
    "find_config_path",
    "DEPARTMENTS",
    "REPORT_KEYS",
    "TRANSPORTS",
]

DEPARTMENTS = ("account", "creative", "media", "production", "finance")
TRANSPORTS = ("exchange", "graph", "smtp", "file")
REPORT_KEYS = tuple(_registry.default_recipients())  # the [mail.recipients] keys: one per registered report (or group)
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# --------------------------------------------------------------------------- checks
class _Bad(Exception):
    """A value failed its check: what was expected and how to fix it."""

    def __init__(self, expected: str, fix: str):
        super().__init__(expected)
        self.expected = expected
        self.fix = fix


def _kind(value: Any) -> str:
    names = {bool: "true/false", int: "integer", Decimal: "number", str: "text", list: "list", dict: "table"}
    for t, n in names.items():
        if type(value) is t:
            return n
    if isinstance(value, (date, datetime)):
        return "date"
    return type(value).__name__


def _toml(value: Any) -> str:
    """A value as it is written in config.toml (50.5, true, 2027-01-01, ["a", 1]), for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml(x) for x in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(x)}" for k, x in value.items()) + "}"
    return repr(value)


def _got(value: Any) -> str:
    """`number 50.5`: what was found, for "expected ..., got ..." messages (long values cut short)."""
    shown = _toml(value)
    return f"{_kind(value)} {shown if len(shown) <= 60 else shown[:57] + '...'}"


def _text(*, allow_empty: bool = True, choices: tuple[str, ...] | None = None, example: str = '"..."'):
    def check(v: Any) -> str:
        if not isinstance(v, str):
            raise _Bad(f"expected text in quotes, got {_got(v)}", f"write it in quotes, e.g. {example}")
        if choices is not None and v not in choices:
            raise _Bad(f"{v!r} is not one of {', '.join(choices)}", f"use one of: {', '.join(choices)}")
        if not allow_empty and not v.strip():
            raise _Bad("must not be empty", f"give a value, e.g. {example}")
        return v

    return check


def _int(lo: int | None = None, hi: int | None = None, example: int = 1):
    def check(v: Any) -> int:
        if type(v) is not int:
            raise _Bad(f"expected a whole number, got {_got(v)}", f"write a whole number without quotes, e.g. {example}")
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise _Bad(f"{v} is out of range {_range(lo, hi)}", f"use a number {_range(lo, hi)}, e.g. {example}")
        return v

    return check


def _range(lo: Any, hi: Any, hi_open: bool = False) -> str:
    if lo is not None and hi is not None:
        return f"from {lo} to {hi}" + (" (exclusive)" if hi_open else "")
    if lo is not None:
        return f">= {lo}"
    return f"<= {hi}"


def _dec(lo: str | None = None, hi: str | None = None, hi_open: bool = False, example: str = "1.0"):
    def check(v: Any) -> Decimal:
        if type(v) is int:
            v = Decimal(v)
        if type(v) is not Decimal:
            raise _Bad(f"expected a number, got {_got(v)}", f"write a number without quotes, e.g. {example}")
        if not v.is_finite():
            raise _Bad(f"{v} is not a finite number", f"write a number, e.g. {example}")
        low = Decimal(lo) if lo is not None else None
        high = Decimal(hi) if hi is not None else None
        if (low is not None and v < low) or (high is not None and (v >= high if hi_open else v > high)):
            raise _Bad(f"{v} is out of range {_range(lo, hi, hi_open)}", f"use a number {_range(lo, hi, hi_open)}, e.g. {example}")
        return v

    return check


def _bool(v: Any) -> bool:
    if type(v) is not bool:
        raise _Bad(f"expected true or false, got {_got(v)}", "write true or false without quotes")
    return v


def _list(item: Callable[[Any], Any], example: str, *, non_empty: bool = False):
    def check(v: Any) -> tuple:
        if not isinstance(v, list):
            raise _Bad(f"expected a list, got {_got(v)}", f"write a list in brackets, e.g. {example}")
        if non_empty and not v:
            raise _Bad("the list is empty; it needs at least one item", f"write e.g. {example}")
        out = []
        for i, x in enumerate(v):
            try:
                out.append(item(x))
            except _Bad as bad:
                raise _Bad(f"item {i + 1}: {bad.expected}", bad.fix) from None
        return tuple(out)

    return check


def _date(v: Any) -> date:
    if isinstance(v, datetime):
        raise _Bad(f"expected a date, got a date-time {v}", "write a bare date such as 2027-01-01")
    if isinstance(v, date):
        return v
    if isinstance(v, str):
        try:
            return date.fromisoformat(v)
        except ValueError:
            pass
    raise _Bad(f"expected a date, got {_got(v)}", "write a date without quotes, e.g. 2027-01-01")


def _email(v: Any) -> str:
    s = _text(example='"name@agency.example"')(v)
    if not _EMAIL_RE.match(s):
        raise _Bad(f"{s!r} is not an e-mail address", 'write an address such as "name@agency.example"')
    return s


def _timezone(v: Any) -> str:
    s = _text(example='"Asia/Shanghai"')(v)
    try:
        ZoneInfo(s)
    except (ZoneInfoNotFoundError, ValueError):
        raise _Bad(f"{s!r} is not a known time zone", 'use an IANA name such as "Asia/Shanghai"') from None
    return s


def _schedule(v: Any) -> ScheduleSpec:
    s = _text(example='"monday 09:00"')(v)
    try:
        return parse_schedule(s)
    except ValueError:
        raise _Bad(f"{s!r} is not a schedule", f"use one of {SCHEDULE_FORMATS}") from None


def _regex(v: Any) -> str:
    s = _text(allow_empty=False, example='"^[A-Z]{2,6}-\\\\d{4}-\\\\d{3}$"')(v)
    try:
        re.compile(s)
    except re.error as exc:
        raise _Bad(f"{s!r} is not a valid regular expression ({exc})", "fix the pattern; in TOML use single quotes to avoid escaping") from None
    return s


# --------------------------------------------------------------------------- sections
def _opt(check: Callable[[Any], Any], default: Any, doc: str = "") -> Any:
    """A dataclass field whose TOML value is checked by `check`."""
    if isinstance(default, (list, dict)):
        raise TypeError("use tuples / MappingProxyType for defaults")
    return field(default=default, metadata={"check": check, "doc": doc})


@dataclass(frozen=True)
class Agency:
    name: str = _opt(_text(allow_empty=False), "恒美广告 DDB")


@dataclass(frozen=True)
class Client:
    name: str = _opt(_text(allow_empty=False), "海尔 Haier")
    brands: tuple[str, ...] = _opt(_list(_text(allow_empty=False), '["海尔", "Haier"]'), ("海尔", "Haier", "卡萨帝", "Casarte"))
    product: str = _opt(_text(allow_empty=False), "海尔冰箱", "used in report subjects, e.g. 海尔冰箱")


@dataclass(frozen=True)
class Time:
    timezone: str = _opt(_timezone, "Asia/Shanghai")


@dataclass(frozen=True)
class Paths:
    watch: tuple[str, ...] = _opt(_list(_text(allow_empty=False), '["inbox"]', non_empty=True), ("inbox",))
    ledger: str = _opt(_text(allow_empty=False), "var/ledger.sqlite")
    reports: str = _opt(_text(allow_empty=False), "var/reports")
    outbox: str = _opt(_text(allow_empty=False), "var/outbox")
    feedback: str = _opt(_text(allow_empty=False), "var/feedback")
    archive: str = _opt(_text(allow_empty=False), "var/archive")
    dashboard: str = _opt(_text(allow_empty=False), "var/reports/看板 Dashboard.xlsx",
                          "the dashboard workbook, rewritten after each ingest and by the dashboard job")


@dataclass(frozen=True)
class Intake:
    settle_seconds: int = _opt(_int(0, 86400, 60), 60)
    max_file_mb: int = _opt(_int(1, 2048, 50), 50)
    max_unzipped_mb: int = _opt(_int(1, 16384, 500), 500, "unpacked size refused as a zip bomb")
    max_rows: int = _opt(_int(10, 1_000_000, 20000), 20000, "table rows read from one workbook")
    file_seconds: int = _opt(_int(5, 3600, 120), 120, "seconds one file may take to be read and checked")
    file_memory_mb: int = _opt(_int(256, 65536, 2048), 2048, "memory one file's reading may use")
    workers: int = _opt(_int(0, 64, 0), 0, "processes reading files at once (0: one per CPU core)")
    batch_files: int = _opt(_int(1, 10000, 200), 200, "files stored in one ledger transaction")


@dataclass(frozen=True)
class Film:
    bw: Decimal = _opt(_dec("0", example="120"), Decimal("120"))
    colour_proof: Decimal = _opt(_dec("0", example="380"), Decimal("380"))
    base_width_cm: Decimal = _opt(_dec("0.1", example="21.0"), Decimal("21.0"))
    base_height_cm: Decimal = _opt(_dec("0.1", example="29.7"), Decimal("29.7"))


@dataclass(frozen=True)
class Fees:
    tax_rate: Decimal = _opt(_dec("0", "1", hi_open=True, example="0.06"), Decimal("0.06"))
    oop_markup: Decimal = _opt(_dec("0", "10", example="0.0"), Decimal("0.0"))
    budget_warning: Decimal = _opt(_dec("0", "10", example="0.9"), Decimal("0.9"))
    quote_valid_days: int = _opt(_int(1, 365, 30), 30, "a priced quote is valid this many days from its date")
    quote_payment_days: int = _opt(_int(0, 365, 30), 30, "payment terms printed on the quote: days after the invoice")


def _alert_steps(v: Any) -> tuple[int, ...]:
    """Days before a right ends at which archive_watch alerts: distinct whole numbers, kept largest first."""
    steps = _list(_int(0, 3650, 30), "[90, 60, 30, 7]")(v)
    if len(set(steps)) != len(steps):
        raise _Bad(f"{_toml(list(steps))} names a step twice", "list each number of days once, e.g. [90, 60, 30, 7]")
    return tuple(sorted(steps, reverse=True))


@dataclass(frozen=True)
class Sla:
    minutes_hours: int = _opt(_int(1, 24 * 30, 24), 24)
    client_response_days: int = _opt(_int(1, 60, 3), 3)
    daily_hours_warning: Decimal = _opt(_dec("1", "24", example="12"), Decimal("12"))
    monitoring_placements_day: int = _opt(_int(1, 28, 5), 5)
    monitoring_industry_day: int = _opt(_int(1, 28, 10), 10)
    monitoring_competitors_day: int = _opt(_int(1, 28, 15), 15)
    execution_report_days: int = _opt(_int(0, 365, 10), 10)
    market_analysis_days: int = _opt(_int(0, 365, 15), 15)
    rights_alert_days: int = _opt(_int(0, 3650, 30), 30)
    rights_alert_steps: tuple[int, ...] = _opt(_alert_steps, (90, 60, 30, 7),
                                               "days before rights end: each step mailed once per document")


@dataclass(frozen=True)
class Monitoring:
    match_days: int = _opt(_int(0, 31, 0), 0)
    market_window_days: int = _opt(_int(0, 92, 14), 14)  # the market analysis: days before and after a flight
    top_advertisers: int = _opt(_int(2, 50, 10), 10)  # the industry report's TOP list
    media: tuple[str, ...] = _opt(_list(_text(allow_empty=False), '["人民日报"]'), ("人民日报", "北京晚报", "新民晚报", "广州日报"))
    competitors: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType(
            {
                "美的 Midea": ("美的", "Midea"),
                "西门子 Siemens": ("西门子", "Siemens", "博世西门子"),
                "容声 Ronshen": ("容声", "Ronshen"),
            }
        ),
        metadata={"table": "competitors"},
    )


def _buckets(v: Any) -> tuple[int, ...]:
    days = _list(_int(1, 3650, 30), "[30, 60, 90]", non_empty=True)(v)
    if any(b <= a for a, b in zip(days, days[1:])):
        raise _Bad(f"the bucket limits {list(days)} must rise strictly", "write rising day counts, e.g. [30, 60, 90]")
    return days


@dataclass(frozen=True)
class Reconcile:
    tolerance_amount: Decimal = _opt(_dec("0", example="0"), Decimal("0"),
                                     "an invoice within this many RMB of the booked net is within tolerance")
    tolerance_share: Decimal = _opt(_dec("0", "1", example="0.01"), Decimal("0"), "… or within this share of it (0.01 = 1%)")
    allow_negative: bool = _opt(_bool, False, "may an invoice below the booked net count as within tolerance")
    payment_terms_days: int = _opt(_int(0, 3650, 30), 30, "due date = invoice or billing date + this")
    ageing_buckets: tuple[int, ...] = _opt(_buckets, (30, 60, 90), "days past due: current, 1–30, 31–60, 61–90, over 90")


@dataclass(frozen=True)
class CalendarSection:
    extra_holidays: tuple[date, ...] = _opt(_list(_date, "[2027-02-08]"), ())
    extra_workdays: tuple[date, ...] = _opt(_list(_date, "[2027-02-20]"), ())


@dataclass(frozen=True)
class Forms:
    job_no_pattern: str = _opt(_regex, r"^[A-Z]{2,6}-\d{4}-\d{3}$")


@dataclass(frozen=True)
class Person:
    name: str = _opt(_text(allow_empty=False, example='"张伟"'), "")
    email: str = _opt(_email, "")
    department: str = _opt(_text(choices=DEPARTMENTS), "account")
    aliases: tuple[str, ...] = _opt(_list(_text(allow_empty=False), '["Wei Zhang"]'), (), "other names, e.g. the Windows user name shown as a workbook's author")


@dataclass(frozen=True)
class RateCard:
    """Hourly rates in force from `effective_from` on (RMB per hour)."""

    effective_from: date
    rates: Mapping[str, Decimal]


@dataclass(frozen=True)
class Exchange:
    service_endpoint: str = _opt(_text(example='"https://mail.agency.example/EWS/Exchange.asmx"'), "")
    username: str = _opt(_text(example='"AGENCY\\\\svc-adtools"'), "")
    auth: str = _opt(_text(choices=("ntlm", "basic")), "ntlm")
    version: str = _opt(_text(choices=("Exchange2010", "Exchange2010_SP1", "Exchange2010_SP2", "Exchange2013", "Exchange2013_SP1", "Exchange2016", "Exchange2019")), "Exchange2016")
    password_env: str = _opt(_text(allow_empty=False), "ADTOOLS_EXCHANGE_PASSWORD")
    verify_tls: bool = _opt(_bool, True)
    max_wait_seconds: int = _opt(_int(0, 3600, 120), 120, "how long exchangelib may retry a throttled server")


@dataclass(frozen=True)
class Graph:
    tenant_id: str = _opt(_text(), "")
    client_id: str = _opt(_text(), "")
    secret_env: str = _opt(_text(allow_empty=False), "ADTOOLS_GRAPH_SECRET")
    authority: str = _opt(_text(allow_empty=False), "https://login.microsoftonline.com")
    graph_endpoint: str = _opt(_text(allow_empty=False), "https://graph.microsoft.com")
    timeout_seconds: int = _opt(_int(1, 600, 30), 30)
    max_wait_seconds: int = _opt(_int(0, 3600, 120), 120, "how long to honour Retry-After (429/503) before leaving a message for a later flush")


@dataclass(frozen=True)
class Smtp:
    host: str = _opt(_text(example='"smtp.agency.example"'), "")
    port: int = _opt(_int(1, 65535, 587), 587)
    starttls: bool = _opt(_bool, True)
    ssl: bool = _opt(_bool, False, "implicit TLS (usually port 465) instead of STARTTLS")
    username: str = _opt(_text(), "")
    password_env: str = _opt(_text(allow_empty=False), "ADTOOLS_SMTP_PASSWORD")
    timeout_seconds: int = _opt(_int(1, 600, 30), 30)


@dataclass(frozen=True)
class Mail:
    transport: str = _opt(_text(choices=TRANSPORTS), "file")
    sender: str = _opt(_email, "account.haier@agency.example")
    admins: tuple[str, ...] = _opt(_list(_email, '["it@agency.example"]'), ("it@agency.example",))
    max_attempts: int = _opt(_int(1, 100, 6), 6, "deliveries tried before a message is marked failed")
    retry_base_seconds: int = _opt(_int(1, 86400, 60), 60, "first back-off; doubles on each failure")
    recipients: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType(_registry.default_recipients()),
        metadata={"table": "recipients"},
    )
    exchange: Exchange = field(default_factory=Exchange, metadata={"section": Exchange})
    graph: Graph = field(default_factory=Graph, metadata={"section": Graph})
    smtp: Smtp = field(default_factory=Smtp, metadata={"section": Smtp})


DEFAULT_TURNAROUND = MappingProxyType(
    {
        "media_plan": 5,
        "schedule_national": 5,
        "schedule_local": 3,
        "creative_concept": 7,
        "copy_layout": 5,
        "artwork": 3,
        "colour_proof": 2,
        "film": 2,
        "tv_radio_creative": 15,
    }
)
DEFAULT_RATES = MappingProxyType(
    {
        "print_creative": Decimal("800"),
        "print_artwork": Decimal("300"),
        "pop_creative": Decimal("600"),
        "pop_artwork": Decimal("250"),
        "tv_radio_creative": Decimal("1000"),
    }
)
DEFAULT_SCHEDULE = MappingProxyType(_registry.default_schedule())  # the registry's jobs, each with its default phrase
CATCH_UP_POLICIES = ("latest", "all", "skip")


@dataclass(frozen=True)
class CatchUp:
    """[schedule.catch_up]: per job, what the scheduler does with periods missed while it was down."""

    policies: Mapping[str, str] = field(default_factory=lambda: MappingProxyType(_registry.default_catch_up()))
    max_late_days: int = 7  # a period due longer ago than this is recorded as skipped, not run

    def policy(self, job: str) -> str:
        """latest | all | skip for `job` (the registry's default when config.toml names none)."""
        return self.policies.get(job, "latest")


@dataclass(frozen=True)
class Scheduler:
    """[scheduler]: the loop of `adtools scheduler`."""

    tick_seconds: int = _opt(_int(5, 3600, 30), 30, "how often the loop looks for due jobs")
    time_limit_minutes: int = _opt(_int(1, 24 * 60, 30), 30, "a job running longer is stopped and recorded as failed")
    heartbeat_stale_minutes: int = _opt(_int(1, 24 * 60, 10), 10, "`adtools jobs status` fails when the heartbeat is older")
    retry_minutes: int = _opt(_int(1, 24 * 60, 10), 10, "a failed job is tried again after this long")
    grace_minutes: int = _opt(_int(1, 24 * 60, 60), 60, "catch_up = skip: a period this late still runs")
    log: str = _opt(_text(allow_empty=False), "var/log/scheduler.log")
    log_max_mb: int = _opt(_int(1, 1024, 10), 10)
    log_backups: int = _opt(_int(0, 100, 5), 5)


@dataclass(frozen=True)
class Config:
    """The whole configuration.  Paths are absolute (resolved against the config file's folder)."""

    source: Path | None
    base_dir: Path
    agency: Agency = field(default_factory=Agency)
    client: Client = field(default_factory=Client)
    time: Time = field(default_factory=Time)
    paths: Paths = field(default_factory=Paths)
    intake: Intake = field(default_factory=Intake)
    turnaround: Mapping[str, int] = field(default_factory=lambda: DEFAULT_TURNAROUND)
    rates: Mapping[str, Decimal] = field(default_factory=lambda: DEFAULT_RATES)
    rate_cards: tuple[RateCard, ...] = ()
    film: Film = field(default_factory=Film)
    fees: Fees = field(default_factory=Fees)
    sla: Sla = field(default_factory=Sla)
    monitoring: Monitoring = field(default_factory=Monitoring)
    reconcile: Reconcile = field(default_factory=Reconcile)
    calendar: CalendarSection = field(default_factory=CalendarSection)
    forms: Forms = field(default_factory=Forms)
    people: tuple[Person, ...] = ()
    mail: Mail = field(default_factory=Mail)
    schedule: Mapping[str, ScheduleSpec] = field(
        default_factory=lambda: MappingProxyType({k: parse_schedule(v) for k, v in DEFAULT_SCHEDULE.items()})
    )
    catch_up: CatchUp = field(default_factory=CatchUp)  # [schedule.catch_up]
    scheduler: Scheduler = field(default_factory=Scheduler)

    # ---- derived values, so that callers never re-resolve paths themselves
    def path(self, p: str) -> Path:
        q = Path(p).expanduser()
        return q if q.is_absolute() else (self.base_dir / q)

    @property
    def watch_dirs(self) -> tuple[Path, ...]:
        return tuple(self.path(p) for p in self.paths.watch)

    @property
    def reports_dir(self) -> Path:
        return self.path(self.paths.reports)

    @property
    def dashboard_path(self) -> Path:
        return self.path(self.paths.dashboard)

    @property
    def outbox_dir(self) -> Path:
        return self.path(self.paths.outbox)

    @property
    def feedback_dir(self) -> Path:
        return self.path(self.paths.feedback)

    @property
    def archive_dir(self) -> Path:
        return self.path(self.paths.archive)

    @property
    def ledger_url(self) -> str:
        """A SQLAlchemy URL: `[paths] ledger` as given if it is a URL, else a SQLite file."""
        if "://" in self.paths.ledger:
            return self.paths.ledger
        return "sqlite:///" + self.path(self.paths.ledger).as_posix()

    @property
    def scheduler_log(self) -> Path:
        """`[scheduler] log`: the scheduler's rotating log file."""
        return self.path(self.scheduler.log)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time.timezone)

    @property
    def hourly_categories(self) -> tuple[str, ...]:
        return tuple(self.rates)

    def rates_on(self, day: date) -> Mapping[str, Decimal]:
        """The rate card in force on `day`: [rates] overlaid by every [[rate_cards]] entry effective by then."""
        merged = dict(self.rates)
        for card in self.rate_cards:  # sorted by effective_from at load
            if card.effective_from <= day:
                merged.update(card.rates)
        return MappingProxyType(merged)

    def person(self, name: str) -> Person | None:
        """The [[people]] entry for a name or alias (case and spaces ignored)."""
        want = "".join(name.split()).casefold()
        for p in self.people:
            if want in {"".join(n.split()).casefold() for n in (p.name, *p.aliases)}:
                return p
        return None

    def secret(self, env_name: str) -> str:
        """A secret from the environment variable the config names; never from the file."""
        value = os.environ.get(env_name, "")
        if not value:
            raise ConfigError(
                f"环境变量 {env_name} 未设置 / The environment variable {env_name} is not set. "
                f"Fix: set it in the service's environment (the config names the variable, never the secret)."
            )
        return value

    def with_overrides(self, **sections: Any) -> "Config":
        """A copy with whole sections replaced: for tests."""
        return replace(self, **sections)


# --------------------------------------------------------------------------- loading
class _Errors:
    def __init__(self, file: str):
        self.file = file
        self.items: list[str] = []

    def add(self, key: str, expected: str, fix: str) -> None:
        self.items.append(f"{self.file}: {key}: {expected}. Fix: {fix}.")

    def unknown(self, where: str, key: str, valid: list[str]) -> None:
        close = difflib.get_close_matches(key, valid, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        self.add(
            f"{where}{key}" if where else key,
            "unknown key (未知配置项)",
            f"{hint}remove it or use one of: {', '.join(valid)}",
        )


def _label(section: str, key: str) -> str:
    return f"[{section}] {key}" if section else key


def _build(cls: type, raw: Any, section: str, errs: _Errors) -> Any:
    """Check a TOML table against a section dataclass; collect every error."""
    if not isinstance(raw, dict):
        errs.add(f"[{section}]", f"expected a table, got {_kind(raw)}", f"write it as a [{section}] section")
        return cls()
    known = {f.name: f for f in fields(cls) if f.metadata}
    values: dict[str, Any] = {}
    for key, v in raw.items():
        f = known.get(key)
        if f is None:
            errs.unknown(f"[{section}] ", key, sorted(known))
            continue
        if "section" in f.metadata:
            values[key] = _build(f.metadata["section"], v, f"{section}.{key}", errs)
        elif "table" in f.metadata:
            values[key] = _string_lists(v, f"{section}.{key}", errs, emails=(cls is Mail))
        else:
            try:
                values[key] = f.metadata["check"](v)
            except _Bad as bad:
                errs.add(_label(section, key), bad.expected, bad.fix)
    return cls(**values)


def _string_lists(raw: Any, section: str, errs: _Errors, emails: bool) -> Mapping[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        errs.add(f"[{section}]", f"expected a table, got {_kind(raw)}", f"write it as a [{section}] section")
        return MappingProxyType({})
    out: dict[str, tuple[str, ...]] = {}
    item = _email if emails else _text(allow_empty=False)
    for key, v in raw.items():
        if emails and key not in REPORT_KEYS:
            errs.unknown(f"[{section}] ", key, list(REPORT_KEYS))
            continue
        try:
            out[key] = _list(item, '["a@agency.example"]' if emails else '["美的", "Midea"]')(v)
        except _Bad as bad:
            errs.add(_label(section, key), bad.expected, bad.fix)
    if emails:  # reports not named keep their default recipients
        merged = dict(Mail().recipients)
        merged.update(out)
        out = merged
    return MappingProxyType(out)


def _known_jobs(raw: Any, errs: _Errors) -> Any:
    """[schedule] without the keys that name no registered job, each refused as such (did-you-mean, the jobs there are)."""
    if not isinstance(raw, dict):
        return raw
    jobs = list(DEFAULT_SCHEDULE)
    for key in raw:
        if key not in DEFAULT_SCHEDULE:
            close = difflib.get_close_matches(key, jobs, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            errs.add(f"[schedule] {key}", "unknown key: no such job (未知配置项：没有这个任务)", f"{hint}remove it or use one of: {', '.join(jobs)}")
    return {k: v for k, v in raw.items() if k in DEFAULT_SCHEDULE}


def _number_table(raw: Any, section: str, defaults: Mapping[str, Any], check, errs: _Errors, allow_new: bool = True) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        errs.add(f"[{section}]", f"expected a table, got {_kind(raw)}", f"write it as a [{section}] section")
        return defaults
    merged = dict(defaults)
    for key, v in raw.items():
        if not _KEY_RE.match(key):
            errs.add(_label(section, key), "a key must be lower-case letters, digits and _", "rename it, e.g. print_creative")
            continue
        if not allow_new and key not in defaults:
            errs.unknown(f"[{section}] ", key, sorted(defaults))
            continue
        try:
            merged[key] = check(v)
        except _Bad as bad:
            errs.add(_label(section, key), bad.expected, bad.fix)
    return MappingProxyType(merged)


_TOP = {
    "agency": Agency,
    "client": Client,
    "time": Time,
    "paths": Paths,
    "intake": Intake,
    "film": Film,
    "fees": Fees,
    "sla": Sla,
    "monitoring": Monitoring,
    "reconcile": Reconcile,
    "calendar": CalendarSection,
    "forms": Forms,
    "mail": Mail,
    "scheduler": Scheduler,
}
_TABLES = ("turnaround", "rates", "rate_cards", "people", "schedule")


def config_from_dict(data: Mapping[str, Any], *, source: Path | None = None, base_dir: Path | None = None) -> Config:
    """Build a Config from parsed TOML (numbers as Decimal); raise ConfigError listing every problem."""
    file = str(source) if source else "config"
    errs = _Errors(file)
    base = (base_dir or (source.parent if source else Path.cwd())).resolve()
    kwargs: dict[str, Any] = {}
    valid_top = sorted([*_TOP, *_TABLES])
    for key, raw in data.items():
        if key in _TOP:
            kwargs[key] = _build(_TOP[key], raw, key, errs)
        elif key == "turnaround":
            kwargs[key] = _number_table(raw, key, DEFAULT_TURNAROUND, _int(0, 250, 5), errs)
        elif key == "rates":
            kwargs[key] = _number_table(raw, key, DEFAULT_RATES, _dec("0", example="800"), errs)
        elif key == "schedule":
            if isinstance(raw, dict) and "catch_up" in raw:
                raw = dict(raw)
                kwargs["catch_up"] = _catch_up(raw.pop("catch_up"), errs)
            kwargs[key] = _number_table(
                _known_jobs(raw, errs), key, {k: parse_schedule(v) for k, v in DEFAULT_SCHEDULE.items()}, _schedule, errs,
                allow_new=False,
            )
        elif key == "people":
            kwargs[key] = _people(raw, errs)
        elif key == "rate_cards":
            pass  # needs the final [rates]; done below
        else:
            errs.unknown("", key, valid_top)
    rates = kwargs.get("rates", DEFAULT_RATES)
    if "rate_cards" in data:
        kwargs["rate_cards"] = _rate_cards(data["rate_cards"], rates, errs)
    cfg = Config(source=source, base_dir=base, **kwargs)
    _cross_checks(cfg, errs)
    if errs.items:
        head = f"配置文件有误 / The configuration in {file} cannot be used:"
        raise ConfigError("\n".join([head, *("  - " + e for e in errs.items)]))
    return cfg


def _catch_up(raw: Any, errs: _Errors) -> CatchUp:
    """[schedule.catch_up]: a policy per registered job, and max_late_days."""
    if not isinstance(raw, dict):
        errs.add("[schedule.catch_up]", f"expected a table, got {_kind(raw)}", "write it as a [schedule.catch_up] section")
        return CatchUp()
    policies = dict(_registry.default_catch_up())
    max_late = CatchUp.max_late_days
    policy = _text(choices=CATCH_UP_POLICIES)
    for key, v in raw.items():
        if key == "max_late_days":
            try:
                max_late = _int(0, 366, 7)(v)
            except _Bad as bad:
                errs.add("[schedule.catch_up] max_late_days", bad.expected, bad.fix)
            continue
        if key not in DEFAULT_SCHEDULE:
            close = difflib.get_close_matches(key, list(DEFAULT_SCHEDULE), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            errs.add(f"[schedule.catch_up] {key}", "unknown key: no such job (未知配置项：没有这个任务)",
                     f"{hint}remove it or use one of: max_late_days, {', '.join(DEFAULT_SCHEDULE)}")
            continue
        try:
            policies[key] = policy(v)
        except _Bad as bad:
            errs.add(f"[schedule.catch_up] {key}", bad.expected, bad.fix)
    return CatchUp(MappingProxyType(policies), max_late)


def _people(raw: Any, errs: _Errors) -> tuple[Person, ...]:
    if not isinstance(raw, list):
        errs.add("[[people]]", f"expected a list of [[people]] tables, got {_kind(raw)}", 'write each person as a [[people]] table with name, email and department')
        return ()
    people = []
    for i, item in enumerate(raw, 1):
        sec = f"people[{i}]"
        p = _build(Person, item, sec, errs)
        for key in ("name", "email"):
            if isinstance(item, dict) and key not in item:
                errs.add(_label(sec, key), "is required for every person", f'add {key} = "..."')
        people.append(p)
    names = [p.name for p in people if p.name]
    for n in {n for n in names if names.count(n) > 1}:
        errs.add("[[people]] name", f"{n!r} appears more than once", "give each person one entry; put other spellings in aliases")
    return tuple(people)


def _rate_cards(raw: Any, rates: Mapping[str, Decimal], errs: _Errors) -> tuple[RateCard, ...]:
    if not isinstance(raw, list):
        errs.add("[[rate_cards]]", f"expected a list of [[rate_cards]] tables, got {_kind(raw)}", "write each card as a [[rate_cards]] table")
        return ()
    cards = []
    check = _dec("0", example="850")
    for i, item in enumerate(raw, 1):
        sec = f"rate_cards[{i}]"
        if not isinstance(item, dict):
            errs.add(f"[[rate_cards]] {i}", f"expected a table, got {_kind(item)}", "write it as a [[rate_cards]] table")
            continue
        eff = None
        if "effective_from" not in item:
            errs.add(_label(sec, "effective_from"), "is required", "add effective_from = 2027-01-01")
        else:
            try:
                eff = _date(item["effective_from"])
            except _Bad as bad:
                errs.add(_label(sec, "effective_from"), bad.expected, bad.fix)
        card: dict[str, Decimal] = {}
        for key, v in item.items():
            if key == "effective_from":
                continue
            if key not in rates:
                errs.unknown(f"[{sec}] ", key, ["effective_from", *rates])
                continue
            try:
                card[key] = check(v)
            except _Bad as bad:
                errs.add(_label(sec, key), bad.expected, bad.fix)
        if eff is not None:
            cards.append(RateCard(eff, MappingProxyType(card)))
    dates = [c.effective_from for c in cards]
    for d in {d for d in dates if dates.count(d) > 1}:
        errs.add("[[rate_cards]] effective_from", f"{d} appears on more than one card", "merge the cards of the same date")
    return tuple(sorted(cards, key=lambda c: c.effective_from))


def _cross_checks(cfg: Config, errs: _Errors) -> None:
    overlap = set(cfg.calendar.extra_holidays) & set(cfg.calendar.extra_workdays)
    for d in sorted(overlap):
        errs.add("[calendar]", f"{d} is both an extra holiday and an extra workday", "keep it in one list only")
    if "non_billable" in cfg.rates:
        errs.add("[rates] non_billable", "non_billable is reserved for hours never charged", "remove it from [rates]")
    names = [p.name for p in cfg.people]
    for person in cfg.people:
        if person.name and names.count(person.name) == 1 and cfg.person(person.name) is not person:
            errs.add("[[people]] aliases", f"{person.name!r} is also another person's alias", "make names and aliases unique")


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """Load and check a config file; None gives the built-in defaults (relative to the working folder)."""
    if path is None:
        return default_config()
    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(
            f"找不到配置文件 / Config file not found: {p}. "
            "Fix: pass --config PATH, set ADTOOLS_CONFIG, or create one with `adtools init DIR`."
        )
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"配置文件格式错误 / {p} is not valid TOML: {exc}. Fix: correct the syntax at that line.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"无法读取配置文件 / Cannot read {p}: {exc}. Fix: save it as UTF-8 text.") from None
    return config_from_dict(data, source=p.resolve())


def default_config(base_dir: Path | None = None) -> Config:
    """Every key at its default; no [[people]] (the shipped config.toml, which `adtools init` writes, names the staff)."""
    return config_from_dict({}, base_dir=base_dir or Path.cwd())


def find_config_path(explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Path | None:
    """--config, else ./config.toml, else $ADTOOLS_CONFIG; None when there is none."""
    if explicit:
        return Path(explicit)
    local = (cwd or Path.cwd()) / "config.toml"
    if local.is_file():
        return local
    env = os.environ.get("ADTOOLS_CONFIG")
    if env:
        return Path(env)
    return None
