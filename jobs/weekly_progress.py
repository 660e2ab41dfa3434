"""Scheduled job `weekly_progress`: The Monday progress list as of last Friday, queued to [mail.recipients] weekly."""
from __future__ import annotations

from datetime import datetime

from adtools.config import Config
from adtools.tasks import TaskResult, weekly_task


def run(config: Config, now: datetime | None = None) -> TaskResult:
    return weekly_task(config, now=now)
