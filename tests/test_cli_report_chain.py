"""`adtools report A [OPTIONS] B [OPTIONS] …`: several reports built by one command, side by side, each as its own
command builds it, shown in the order given; one that fails stops no other."""
from __future__ import annotations

import json
import multiprocessing as mp
import os

import pytest
from click.testing import CliRunner

from adtools.cli import main
from tests._cli_support import json_documents

pytestmark = pytest.mark.dates  # the reports' default as-of day is the clock's (CI runs these again under faketime)


@pytest.mark.parametrize("workers", ["0", "1"], ids=["side-by-side", "one-after-the-other"])
def test_chained_reports_are_each_the_report_its_own_command_builds(demo_built, tmp_path, workers):
    config = str(demo_built.root / "config.toml")
    runner = CliRunner()
    alone = {}
    for key, extra in (("archive", []), ("fees", ["--month", "2026-11"])):
        out = runner.invoke(main, ["--config", config, "report", key, *extra, "--json", "--out", str(tmp_path / f"alone_{key}")])
        assert out.exit_code == 0, out.output
        alone[key] = json.loads(out.stdout)

    chained = runner.invoke(main, ["--config", config, "report", "--workers", workers,
                                   "archive", "--json", "--out", str(tmp_path / "chain_archive"),
                                   "fees", "--month", "2026-11", "--json", "--out", str(tmp_path / "chain_fees")])
    assert chained.exit_code == 0, chained.output
    assert json_documents(chained.stdout) == [alone["archive"], alone["fees"]]  # in the order given
    for key in ("archive", "fees"):
        (one,) = (tmp_path / f"alone_{key}").glob("*.xlsx")
        (other,) = (tmp_path / f"chain_{key}").glob("*.xlsx")
        assert one.name == other.name and one.read_bytes() == other.read_bytes()


def test_a_bad_option_anywhere_in_the_chain_refuses_before_any_report_is_built(demo_built, tmp_path):
    out = CliRunner().invoke(main, ["--config", str(demo_built.root / "config.toml"), "report",
                                    "archive", "--out", str(tmp_path / "archive"), "fees", "--month", "2026-1"])
    assert out.exit_code == 2
    assert "--month 2026-01" in out.output  # the fees command's own bilingual refusal
    assert not (tmp_path / "archive").exists()


def test_the_report_help_says_reports_chain():
    out = CliRunner().invoke(main, ["report", "--help"], prog_name="adtools").output
    assert "REPORT [OPTIONS] [REPORT [OPTIONS]]..." in out
    assert "adtools report fees --month 2026-11 reconciliation archive" in out


def _dies_on_archive(cfg, key, options, out_dir, now):  # a worker process that ends while building the archive report
    from adtools import tasks

    if key == "archive":
        os._exit(3)
    return tasks.make_report(cfg, key, options, now=now, out_dir=out_dir)[0], None


def test_a_report_that_fails_stops_no_other(demo_built, tmp_path):
    out = CliRunner().invoke(main, ["--config", str(demo_built.root / "config.toml"), "report",
                                    "flight", "--campaign", "无此活动 no such campaign", "--flight", "没有这一波 no such flight",
                                    "--out", str(tmp_path / "flight"),
                                    "archive", "--json", "--out", str(tmp_path / "archive")])
    assert out.exit_code == 1
    assert "flight:" in out.stderr and "没有这一波 no such flight" in out.stderr  # said, in the order given
    assert "expiring" in json_documents(out.stdout)[0]  # the archive report after it, built and shown
    assert list((tmp_path / "archive").glob("*.xlsx")) and not (tmp_path / "flight").exists()


def test_a_worker_that_dies_fails_only_its_report(demo_built, tmp_path, monkeypatch):
    from adtools import tasks

    if mp.get_start_method(allow_none=True) not in (None, "fork") or os.name != "posix":
        pytest.skip("the stand-in worker function reaches the workers by fork")
    monkeypatch.setattr(tasks, "_build_in_worker", _dies_on_archive)
    out = CliRunner().invoke(main, ["--config", str(demo_built.root / "config.toml"), "report", "--workers", "2",
                                    "archive", "--out", str(tmp_path / "archive"),
                                    "fees", "--month", "2026-11", "--json", "--out", str(tmp_path / "fees")])
    assert out.exit_code == 1
    assert "archive:" in out.stderr and "ended unexpectedly" in out.stderr
    assert not list((tmp_path / "archive").glob("*.xlsx"))
    (fees,) = json_documents(out.stdout)  # the report beside it, whose worker the broken pool took down too, is
    assert fees["month"] == "2026-11"  # built again on its own
    assert list((tmp_path / "fees").glob("*.xlsx"))


def test_spawned_workers_build_the_same_reports(demo_built, tmp_path, monkeypatch):
    """Windows spawns its workers (they import adtools afresh): the same reports, the same bytes."""
    from adtools.ledger import workers

    config = str(demo_built.root / "config.toml")
    runner = CliRunner()
    alone = runner.invoke(main, ["--config", config, "report", "--workers", "1", "archive", "--json",
                                 "--out", str(tmp_path / "alone")])
    monkeypatch.setattr(workers, "process_context", lambda: mp.get_context("spawn"))
    spawned = runner.invoke(main, ["--config", config, "report", "--workers", "2",
                                   "archive", "--json", "--out", str(tmp_path / "spawned"),
                                   "fees", "--month", "2026-11", "--json", "--out", str(tmp_path / "fees")])
    assert spawned.exit_code == 0, spawned.output
    assert json_documents(spawned.stdout)[0] == json.loads(alone.stdout)
    (one,) = (tmp_path / "alone").glob("*.xlsx")
    (other,) = (tmp_path / "spawned").glob("*.xlsx")
    assert one.read_bytes() == other.read_bytes()
