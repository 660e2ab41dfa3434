"""The demo's planted archive and rights events show in `adtools report archive`, and nothing else is flagged."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from adtools.cli import main

pytestmark = pytest.mark.dates  # CI runs these again under faketime (.ci/run)


def test_the_demo_shows_its_expiring_release_the_ad_run_after_its_rights_and_the_missing_entry(demo_built):
    out = CliRunner().invoke(main, ["--config", str(demo_built.root / "config.toml"), "report", "archive", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["as_of"] == "2026-11-26"
    # the model release ends within [sla] rights_alert_days
    assert [(r["doc_id"], r["doc_type"]) for r in data["expiring"]] == [("MR-2026-001", "model_release")]
    assert 0 <= data["expiring"][0]["days_left"] <= 30
    # the footage licence of the media job ended before the strip ad and flight 2: one clipping proves it ran
    expired = data["expired_in_use"]
    assert expired and {r["doc_id"] for r in expired} == {"FL-2026-002"}
    assert all(r["date"] > r["rights_end"] for r in expired)
    assert len([r for r in expired if r["clipping_ref"]]) >= 1
    # the flight 1 review minutes have no archive entry; every other signed document has one
    assert [(r["document"], r["version"]) for r in data["missing_archive"]] == [("minutes", None)]
    assert data["outside_scope"] == [] and data["missing_client_copy"] == []
