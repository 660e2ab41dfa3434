"""The scheduled jobs, one thin module each, keyed as in config.toml's [schedule].

Each module has `run(config, now=None) -> adtools.tasks.TaskResult` and nothing
else of substance: the work lives in `adtools.tasks` (so the CLI's `adtools run
JOB`, the demo and the scheduler all do the same thing).
"""
from __future__ import annotations

from . import fees_statement, ingest, mail_flush, weekly_progress

JOBS = {
    "ingest": ingest.run,
    "weekly_progress": weekly_progress.run,
    "fees_statement": fees_statement.run,
    "mail_flush": mail_flush.run,
}

__all__ = ["JOBS"]
