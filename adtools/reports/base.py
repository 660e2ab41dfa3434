"""ReportResult: what every report builder returns, for the CLI, the jobs and the mail queue."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ReportResult"]


@dataclass(frozen=True)
class ReportResult:
    """A finished report: its figures (JSON-able), its mail body and the workbooks written."""

    key: str  # the [mail.recipients] key: weekly, fees, monitoring, reconciliation, flight, archive
    period: str  # e.g. "2026-11-27" (as-of date) or "2026-11" (month): part of the mail idempotency key
    title_zh: str
    title_en: str
    subject: str  # e.g. 【周报 Weekly】海尔冰箱 工作进展 截至 2026-11-27
    data: dict[str, Any]  # exactly what `--json` prints
    html: str  # inline-styled summary for the mail body (Outlook-safe)
    text: str  # plain-text alternative
    files: tuple[Path, ...] = ()
    warnings: tuple[str, ...] = field(default_factory=tuple)
