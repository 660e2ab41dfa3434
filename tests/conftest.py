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
