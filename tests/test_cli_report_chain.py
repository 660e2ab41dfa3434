"""`adtools report A [OPTIONS] B [OPTIONS] …`: several reports built in one process, each as its own command builds it."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from adtools.cli import main
from tests._cli_support import json_documents

pytestmark = pytest.mark.dates  # the reports' default as-of day is the clock's (CI runs these again under faketime)


def test_chained_reports_are_each_the_report_its_own_command_builds(demo_built, tmp_path):
    config = str(demo_built.root / "config.toml")
    runner = CliRunner()
    alone = {}
    for key, extra in (("archive", []), ("fees", ["--month", "2026-11"])):
        out = runner.invoke(main, ["--config", config, "report", key, *extra, "--json", "--out", str(tmp_path / f"alone_{key}")])
        assert out.exit_code == 0, out.output
        alone[key] = json.loads(out.stdout)

    chained = runner.invoke(main, ["--config", config, "report",
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
