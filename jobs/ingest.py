"""Scheduled job `ingest`: Read new and changed workbooks of the watch folders into the ledger (every few minutes)."""
from __future__ import annotations

from datetime import datetime

from adtools.config import Config
from adtools.tasks import TaskResult, ingest_task


def run(config: Config, now: datetime | None = None) -> TaskResult:
    return ingest_task(config, now=now)
