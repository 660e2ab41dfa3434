"""`adtools demo` runs on an empty folder and again on the same folder."""
from __future__ import annotations

import json
from datetime import date

from click.testing import CliRunner

from adtools.cli import main
from adtools.demo import run_demo


def test_demo_runs_on_a_temporary_folder(tmp_path):
    result = run_demo(tmp_path / "demo", today=date(2026, 11, 26))
    assert (tmp_path / "demo" / "config.toml").is_file()
    assert result.lines, "the demo reports what it did"
    again = run_demo(tmp_path / "demo", today=date(2026, 11, 26))
    assert [l.step for l in again.lines] == [l.step for l in result.lines]


def test_demo_cli_json(tmp_path):
    out = CliRunner().invoke(main, ["demo", str(tmp_path / "d"), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["steps"] and data["root"].endswith("d")
