"""Times read_workbook on a large timesheet with each engine and prints the ratios (not a test).

    python benchmarks/read_bench.py [--rows 5000] [--repeat 5] [--formulas]

Builds a filled-in timesheet (openpyxl, FORMS.md conventions: _meta, defined
names, table t_timesheet) in a temporary folder, then reads it with the
python-calamine path and the openpyxl path, `--repeat` times each, and prints
the best time of each and openpyxl / calamine.  `--formulas` puts a formula in
every row (the reader then scans the sheet XML for formula cells).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import openpyxl
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adtools.config import default_config  # noqa: E402
from adtools.forms.catalog import FORMS  # noqa: E402
from adtools.forms.reader import read_workbook  # noqa: E402


def build(path: Path, rows: int, formulas: bool) -> None:
    form = FORMS["timesheet"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = form.sheet_name
    header = {"staff": "张伟", "department": "客户部 Account", "week_start": date(2026, 11, 2)}
    for i, f in enumerate(form.header, start=3):
        ws.cell(row=i, column=1, value=f.label)
        ws.cell(row=i, column=2, value=header[f.key])
        wb.defined_names[f"f_{f.key}"] = DefinedName(f"f_{f.key}", attr_text=f"'{ws.title}'!$B${i}")
    top = 3 + len(form.header) + 1
    for j, f in enumerate(form.columns, start=1):
        ws.cell(row=top, column=j, value=f.label)
    cats = ["平面创意", "平面完稿", "print_creative", "非计费 Non-billable"]
    for i in range(rows):
        r = top + 1 + i
        ws.cell(row=r, column=1, value=date(2026, 11, 2) + timedelta(days=i % 5)).number_format = "yyyy-mm-dd"
        ws.cell(row=r, column=2, value=f"HRFR-2026-{i % 900 + 1:03d}")
        ws.cell(row=r, column=3, value=cats[i % len(cats)])
        ws.cell(row=r, column=4, value=f"=0.25*{i % 8 + 1}" if formulas else 0.25 * (i % 8 + 1))
        ws.cell(row=r, column=5, value=f"第 {i + 1} 项工作 work item {i + 1}")
    ws.add_table(Table(displayName=form.table_name, ref=f"A{top}:E{top + rows}"))
    meta = wb.create_sheet("_meta")
    meta.append(["form_id", "timesheet"])
    meta.append(["form_version", form.version])
    meta.sheet_state = "hidden"
    wb.save(path)


def best_of(path: Path, engine: str, repeat: int, cfg) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        raw = read_workbook(path, cfg, engine=engine)
        times.append(time.perf_counter() - t0)
        n = len(raw.rows)
        assert raw.engine == engine and raw.form_id == "timesheet", raw.findings
    return min(times), n


def engine_only(path: Path, repeat: int) -> dict[str, float]:
    """The engines' own share: values of the input sheet, nothing else."""
    import python_calamine

    def calamine() -> None:
        python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_name("工时表").to_python()

    def opx() -> None:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for _row in wb["工时表"].iter_rows(values_only=True):
            pass
        wb.close()

    out = {}
    for name, fn in (("calamine", calamine), ("openpyxl", opx)):
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        out[name] = min(times)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--formulas", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "timesheet.xlsx"
        t0 = time.perf_counter()
        build(path, args.rows, args.formulas)
        built = time.perf_counter() - t0
        cfg = default_config(Path(tmp))
        print(f"timesheet: {args.rows} rows{' with formulas' if args.formulas else ''}, "
              f"{path.stat().st_size / 1024:.0f} KiB (built in {built:.2f} s); best of {args.repeat}")
        results = {e: best_of(path, e, args.repeat, cfg) for e in ("calamine", "openpyxl")}
        raw = engine_only(path, args.repeat)
    base = results["calamine"][0]
    print("read_workbook (engine + locating + RawCells + checks):")
    for engine, (secs, n) in results.items():
        print(f"  {engine:9s} {secs * 1000:8.1f} ms  {n} rows  x{secs / base:.2f}")
    print("engine alone (the input sheet's values):")
    for engine, secs in raw.items():
        print(f"  {engine:9s} {secs * 1000:8.1f} ms  x{secs / raw['calamine']:.2f}")
    print(f"openpyxl / calamine = {results['openpyxl'][0] / base:.2f} (read_workbook), "
          f"{raw['openpyxl'] / raw['calamine']:.2f} (engine alone)")


if __name__ == "__main__":
    main()
