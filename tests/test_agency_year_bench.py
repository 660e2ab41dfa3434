"""Smoke test of benchmarks/agency_year.py (not timed): its generated agency-year is one the ingest accepts.

The benchmark's `--small` plan (2 staff x 2 weeks and a little of every form) is
generated through the real templates into a cache folder, then ingested; every
file must be taken in, the cache must be found again, and the 1% changed copies
must be real changes the ingest reads as new versions.
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
from datetime import datetime
from pathlib import Path

import pytest

from adtools.config import load_config
from adtools.forms.catalog import FORMS
from adtools.ledger.ingest import ingest

REPO = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("agency_year_bench", REPO / "benchmarks" / "agency_year.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    bench = _bench()
    cache = tmp_path_factory.mktemp("agency_year_cache")
    messages: list[str] = []
    data = bench.generate(bench.Plan.of(1, small=True), cache, workers=1, log=messages.append)
    return bench, cache, data, messages


def test_the_small_agency_year_is_ingested_whole(small, tmp_path):
    bench, _cache, data, _ = small
    import json

    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["by_form"]) == set(FORMS)  # every form of the catalog is in the year
    ws = tmp_path / "ws"
    shutil.copytree(data / "clean", ws)
    cfg = load_config(ws / "config.toml")
    assert len(cfg.people) == 2
    now = datetime.fromisoformat(bench.DEFAULT_NOW)
    summary = ingest(cfg, now=now)
    bad = [(f.path, f.status, f.reason) for f in summary.files if f.status != "ingested"]
    assert summary.rejected == 0 and not bad, bad
    assert summary.ingested == manifest["files"] == len(list((ws / manifest["inbox"]).rglob("*.xlsx")))
    warnings = sum(f.warnings for f in summary.files)
    assert warnings <= manifest["files"], warnings  # consistent data: few warnings (unknown media, …)

    # the changed copies are real changes: each is read again as a new version, nothing else is
    for rel in manifest["changed"]:
        shutil.copy2((data / "changed").joinpath(*rel.split("/")), (ws / manifest["inbox"]).joinpath(*rel.split("/")))
    again = ingest(cfg, now=now)
    assert again.ingested == len(manifest["changed"]) >= 1
    assert again.rejected == 0 and again.unchanged == manifest["files"] - len(manifest["changed"])


def test_a_second_run_finds_the_cache(small):
    bench, cache, data, messages = small
    assert any(m.startswith("generating small") for m in messages)
    again: list[str] = []
    assert bench.generate(bench.Plan.of(1, small=True), cache, workers=1, log=again.append) == data
    assert again == [f"cached: {data}"]


def test_the_x1_plan_is_the_agency_year_of_the_issue():
    bench = _bench()
    p = bench.Plan.of(1)
    assert (p.staff, p.weeks, p.rows_per_sheet, p.work_orders, p.sign_offs) == (40, 52, 25, 300, 1200)
    assert (p.months, p.clippings, p.campaigns * p.flights * p.insertions, p.invoice_lines, p.payments) == \
        (12, 2000, 6000, 6000, 500)
    p4 = bench.Plan.of(4)
    assert (p4.staff, p4.weeks, p4.work_orders, p4.campaigns * p4.flights * p4.insertions) == (160, 52, 1200, 24000)


@pytest.mark.skipif(not hasattr(__import__("os"), "wait4"), reason="peak memory per child needs os.wait4 (POSIX)")
def test_a_child_reports_its_own_time_and_peak_memory(tmp_path):
    bench = _bench()
    s = bench.run_child([sys.executable, "-c", "b = bytearray(80 * 1024 * 1024); print(len(b))"], tmp_path, {})
    assert s.stdout.strip() == str(80 * 1024 * 1024)
    assert s.peak_mb is not None and s.peak_mb >= 80
    assert s.seconds > 0


def test_the_suite_in_one_process_builds_the_reports_of_the_separate_commands():
    """The target's suite chains the per-command reports, each with its own options and in their order, in one command."""
    from adtools import registry

    bench = _bench()
    now = datetime.fromisoformat(bench.DEFAULT_NOW)
    separate = bench.report_commands(now)
    (name, chained), *rest = bench.suite_commands(now)
    assert name == "reports" and chained[0] == "report"
    assert chained[1:] == [a for _n, argv in separate if argv[0] == "report" for a in argv[1:]]
    assert rest == [(n, argv) for n, argv in separate if argv[0] != "report"] == [("dashboard", ["run", "dashboard"])]
    keys = [a for i, a in enumerate(chained) if i and not a.startswith("--") and chained[i - 1] != "--month"]
    assert keys == ["weekly", "fees", "reconciliation", "monitoring", "archive"]
    assert all(registry.report(k) for k in keys)
