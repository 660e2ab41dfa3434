"""The demo's planted archive and rights events show in `adtools report archive`, and nothing else is flagged."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from adtools.cli import main
from adtools.config import load_config

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


def test_the_weekly_internal_report_and_the_dashboard_count_the_rights(demo_built):
    """Issue 14: the account team's Monday report and the dashboard show expiring and expired-in-use rights."""
    import openpyxl

    from adtools import clock
    from adtools.ledger.store import Ledger
    from adtools.reports.weekly_internal import build_weekly_internal
    from adtools.tasks import write_dashboard

    cfg = load_config(demo_built.root / "config.toml")
    with Ledger.open(cfg) as ledger:
        result = build_weekly_internal(cfg, ledger, out_dir=demo_built.root / "var" / "check")
    assert result.data["rights"] == {"expiring": 1, "expired_in_use": 5}
    assert "Rights ending within" in result.html and "Insertions booked after their rights ended" in result.text
    path = write_dashboard(cfg, now=clock.now(cfg.tz))
    overview = openpyxl.load_workbook(path).worksheets[0]
    shown = {r[0]: r[1] for r in overview.iter_rows(values_only=True) if r and isinstance(r[0], str)}
    assert shown["授权到期后仍排期刊登 Insertions booked after their rights ended"] == 5
