"""Shared fixtures: a config built in the test's own folder, the repo root, and the demo workspace."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Iterator

import pytest

from adtools import clock
from adtools.config import config_from_dict, load_config
from adtools.demo import DemoResult, run_demo

REPO = Path(__file__).resolve().parents[1]
DEMO_TODAY = date(2026, 11, 26)  # a Thursday: the story runs up to Friday 2026-11-20


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


# ----------------------------------------------------------------- the demo, built once per session
@dataclass(frozen=True)
class DemoWorkspace:
    """The demo workspace as `run_demo(root, today=DEMO_TODAY)` left it, and what that run reported."""

    root: Path
    result: DemoResult


def _demo_moment() -> datetime:
    """09:00 of DEMO_TODAY in the documented config's zone: the demo's clock, and the tests' while they use it."""
    return datetime.combine(DEMO_TODAY, time(9, 0), tzinfo=load_config(REPO / "config.toml").tz)


@pytest.fixture(scope="session")
def _demo_session(tmp_path_factory) -> tuple[DemoWorkspace, Path]:
    """The demo, built once (each xdist worker builds its own), and an untouched copy to restore it from."""
    base = tmp_path_factory.mktemp("demo-session")
    with clock.pinned(_demo_moment()):
        result = run_demo(base / "demo", today=DEMO_TODAY)
    pristine = base / "pristine"
    shutil.copytree(result.root, pristine)  # copy2: bytes and mtimes, which the ledger's "unchanged" compares
    return DemoWorkspace(result.root, result), pristine


@pytest.fixture
def demo_built(_demo_session) -> Iterator[DemoWorkspace]:
    """The shared demo workspace, to read only (a test that changes anything takes `demo_workspace`)."""
    with clock.pinned(_demo_moment()):
        yield _demo_session[0]


@pytest.fixture
def demo_workspace(_demo_session) -> Iterator[DemoWorkspace]:
    """The shared demo workspace, for a test that changes it: put back as built afterwards.

    It stays at the path it was built at, not a copy elsewhere: the ledger names
    each workbook by its absolute path, and a workbook found at another path would
    read as a duplicate, not as unchanged.  The clock is pinned to the demo's day.
    """
    built, pristine = _demo_session
    try:
        with clock.pinned(_demo_moment()):
            yield built
    finally:
        shutil.rmtree(built.root)
        shutil.copytree(pristine, built.root)
