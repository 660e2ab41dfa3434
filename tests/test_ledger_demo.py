"""The issue's "done when" on the demo: its workbooks ingested, then unchanged every time after."""
from __future__ import annotations

from datetime import date

from adtools.config import load_config
from adtools.demo import run_demo
from adtools.ledger import frames
from adtools.ledger.ingest import ingest
from adtools.ledger.store import Ledger


def test_demo_ingests_its_workbooks_then_finds_every_file_unchanged(demo_workspace):
    result = demo_workspace.result
    line = next(l for l in result.lines if l.step.startswith("读入"))
    cfg = load_config(result.root / "config.toml")
    files = sorted(p for p in cfg.watch_dirs[0].rglob("*.xlsx"))
    assert files and line.read.startswith(f"{len(files)} 个文件")
    assert f"ingested {len(files)}," in line.produced and "rejected 0" in line.produced
    again = ingest(cfg)
    assert again.unchanged == len(files) and {f.status for f in again.files} == {"unchanged"}
    with Ledger.open(cfg) as led:
        assert led.verify() == []
        assert not frames.rows(led, "timesheet").empty
    rerun = run_demo(result.root, today=date(2026, 11, 26))
    assert f"unchanged {len(files)}," in next(l for l in rerun.lines if l.step.startswith("读入")).produced
