"""Scheduled job `mail_flush`: Send the queued mail that is due (every few minutes)."""
from __future__ import annotations

from datetime import datetime

from adtools.config import Config
from adtools.tasks import TaskResult, mail_flush_task


def run(config: Config, now: datetime | None = None) -> TaskResult:
    return mail_flush_task(config, now=now)
