"""Shared fixtures: a config built in the test's own folder, and the repo root."""
from __future__ import annotations

from pathlib import Path

import pytest

from adtools.config import config_from_dict

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture
def cfg(tmp_path: Path):
    """The repo's documented config, with every path inside tmp_path."""
    import tomllib
    from decimal import Decimal

    data = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"), parse_float=Decimal)
    data["intake"]["settle_seconds"] = 0
    return config_from_dict(data, base_dir=tmp_path)


# --------------------------------------------------------------------------- the clock and the time zone, pinned
PINNED_NOW = "2026-11-26T12:00:00+08:00"  # a Thursday: the last Friday is 2026-11-20, the previous month 2026-10


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch):
    """Every test runs at PINNED_NOW in a pinned process time zone, whatever the machine's date and zone.

    Through the environment (ADTOOLS_NOW), so that the CLI, the demo and any
    child process a test starts see the same moment. A test that needs another
    moment sets ADTOOLS_NOW itself or uses `adtools.clock.pinned`.
    """
    import time

    from adtools.clock import ENV_NOW

    monkeypatch.setenv(ENV_NOW, PINNED_NOW)
    monkeypatch.setenv("TZ", "UTC")
    if hasattr(time, "tzset"):  # not on Windows, where TZ is not read this way
        time.tzset()
    yield PINNED_NOW
    if hasattr(time, "tzset"):
        monkeypatch.undo()
        time.tzset()
