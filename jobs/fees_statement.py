"""Scheduled job `fees_statement`: The previous month's fee statement, queued to [mail.recipients] fees (on day N of the month)."""
from __future__ import annotations

from datetime import datetime

from adtools.config import Config
from adtools.tasks import TaskResult, fees_task


def run(config: Config, now: datetime | None = None) -> TaskResult:
    return fees_task(config, now=now)
