"""Per-file cost of validate_file (the per-file work of ingest) against a bare calamine read (not a test).

    python benchmarks/validate_bench.py [--timesheets 200] [--others 3] [--repeat 3] [--profile cprofile|pyinstrument]

Fills, through the real templates (forms.fill.Filler, rows from forms.samples),
`--timesheets` weekly timesheets of ~25 rows and `--others` files of every other
form into a cache folder (reused between runs; `--fresh` rebuilds it), then in
one run, on the same files, measures best of `--repeat`:
  floor      every sheet of every file read with python-calamine and nothing else
             (CalamineWorkbook.from_path + to_python of each sheet);
  validate   adtools.forms.validate.validate_file(path, cfg, known_jobs=...) of
             every file, as ingest calls it.
It prints ms per file of each and the ratio validate / floor (the issue's target
for the reader and validation: at most 2).  `--profile` profiles one validate
pass instead (cProfile: top functions by own time; pyinstrument: the call tree).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adtools.config import load_config  # noqa: E402
from adtools.forms.catalog import FORMS  # noqa: E402
from adtools.forms.fill import Filler  # noqa: E402
from adtools.forms.samples import sample_rows  # noqa: E402
from adtools.forms.validate import validate_file  # noqa: E402

TIMESHEET_ROWS = 25


def build(folder: Path, cfg, timesheets: int, others: int) -> list[Path]:
    """The sample files (cached: a folder already holding them is reused)."""
    stamp = folder / f".built-{timesheets}-{others}"
    files = sorted(folder.glob("*.xlsx"))
    if stamp.exists():
        return files
    for f in files:
        f.unlink()
    filler = Filler(cfg)
    out = []
    for i in range(timesheets):
        header, rows = sample_rows(FORMS["timesheet"], cfg, TIMESHEET_ROWS, seed=i)
        out.append(filler.fill(FORMS["timesheet"], header, rows, folder / f"timesheet-{i:04d}.xlsx"))
    for form in FORMS.values():
        if form.form_id == "timesheet":
            continue
        for i in range(others):
            header, rows = sample_rows(form, cfg, 20, seed=i)
            out.append(filler.fill(form, header, rows, folder / f"{form.form_id}-{i:02d}.xlsx"))
    stamp.touch()
    return sorted(out)


def floor(files: list[Path]) -> None:
    import python_calamine

    for p in files:
        wb = python_calamine.CalamineWorkbook.from_path(str(p))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
        wb.close()


def validate_all(files: list[Path], cfg, known: set[str]) -> int:
    n = 0
    for p in files:
        result = validate_file(p, cfg, known_jobs=known)
        n += len(result.findings)
    return n


def best_of(fns: dict, repeat: int) -> dict[str, tuple[float, float]]:
    """name -> (best wall time, best CPU time) of each function; the runs of the functions
    alternate, so that a load on the machine weighs on each alike."""
    wall: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    return {k: (min(wall[k]), min(cpu[k])) for k in fns}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--timesheets", type=int, default=200)
    ap.add_argument("--others", type=int, default=3, help="files of every other form")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "adtools-validate-bench")
    ap.add_argument("--fresh", action="store_true", help="rebuild the sample files")
    ap.add_argument("--only", choices=("all", "timesheet"), default="all", help="which files to time")
    ap.add_argument("--profile", choices=("cprofile", "pyinstrument"))
    args = ap.parse_args()
    cfg = load_config(ROOT / "config.toml")
    args.cache.mkdir(parents=True, exist_ok=True)
    if args.fresh:
        for f in args.cache.glob(".built-*"):
            f.unlink()
    t0 = time.perf_counter()
    files = build(args.cache, cfg, args.timesheets, args.others)
    if args.only == "timesheet":
        files = [f for f in files if f.name.startswith("timesheet-")]
    print(f"{len(files)} files in {args.cache} (ready in {time.perf_counter() - t0:.1f} s)")
    known = {r.values["job_no"] for f in files for r in [validate_file(f, cfg).header]
             if r.values.get("job_no")}  # also warms imports and caches
    if args.profile == "cprofile":
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        validate_all(files, cfg, known)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(30)
        return
    if args.profile == "pyinstrument":
        import pyinstrument

        prof = pyinstrument.Profiler(interval=0.0005)
        prof.start()
        validate_all(files, cfg, known)
        prof.stop()
        print(prof.output_text(unicode=True, color=False, show_all=False))
        return
    times = best_of({"floor": lambda: floor(files), "validate": lambda: validate_all(files, cfg, known)}, args.repeat)
    n = len(files)
    (base, base_cpu), (ours, ours_cpu) = times["floor"], times["validate"]
    print(f"best of {args.repeat}, ms per file:      wall     cpu")
    print(f"  floor (calamine, every sheet)  {base / n * 1000:7.2f} {base_cpu / n * 1000:7.2f}")
    print(f"  validate_file                  {ours / n * 1000:7.2f} {ours_cpu / n * 1000:7.2f}")
    print(f"validate / floor = {ours / base:.2f} wall, {ours_cpu / base_cpu:.2f} cpu  (target <= 2)")

if __name__ == "__main__":
    main()
