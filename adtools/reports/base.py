"""ReportResult, what every report builder returns, and the subject line every report mail carries."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import registry

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["ReportResult", "report_subject"]


@dataclass(frozen=True)
class ReportResult:
    """A finished report: its figures (JSON-able), its mail body and the workbooks written."""

    key: str  # the registry's report key; sent to [mail.recipients] registry.recipients_key(key) (market -> flight)
    period: str  # e.g. "2026-11-27" (as-of date) or "2026-11" (month): part of the mail idempotency key
    title_zh: str
    title_en: str
    subject: str  # e.g. 【周报 Weekly】海尔冰箱 工作进展 截至 2026-11-27
    data: dict[str, Any]  # exactly what `--json` prints
    html: str  # inline-styled summary for the mail body (Outlook-safe)
    text: str  # plain-text alternative
    files: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)


def report_subject(config: "Config", key: str, period: str, topic: str | None = None) -> str:
    """`【周报 Weekly】海尔冰箱 工作进展 截至 2026-11-27`: the registered report's tag, `[client] product`, topic, period.

    A period that is a date (YYYY-MM-DD) reads 截至 <date> ("as of"); any other
    period (a month `2026-11`, a flight name) is printed as given.
    """
    try:
        return registry.subject(config.client.product, key, period, topic)
    except KeyError as exc:
        from ..errors import InputError

        raise InputError(f"未知的报告 / Unknown report key {key!r}: {exc.args[0]}.") from None
