"""The scheduled jobs, made from the registry (adtools.registry.JOBS), keyed as in config.toml's [schedule].

`JOBS[name](config, now=None)` runs one job as the scheduler does; for cron or
Windows Task Scheduler: `python -m jobs weekly_progress` (same as `adtools run
weekly_progress`).  The work lives in `adtools.tasks`, so every way of starting
a job does the same thing; adding a report adds its job here by itself.
"""
from __future__ import annotations

from datetime import datetime
from functools import partial
from types import MappingProxyType
from typing import Callable, Mapping

from adtools.config import Config
from adtools.registry import JOBS as _DECLARED
from adtools.tasks import TaskResult, run_task

JOBS: Mapping[str, Callable[..., TaskResult]] = MappingProxyType({j.name: partial(run_task, j.name) for j in _DECLARED})


def run(name: str, config: Config, now: datetime | None = None) -> TaskResult:
    """Run the job `name` (a key of JOBS) as of `now`."""
    return run_task(name, config, now=now)


__all__ = ["JOBS", "run"]
