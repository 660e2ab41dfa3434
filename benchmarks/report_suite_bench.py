"""Benchmark: the month's report suite on an agency-year ledger, as whole processes, at x1 and x4.

An agency-year (40 staff x 52 weekly timesheets of ~25 rows, 300 work orders,
1,200 sign-offs, 12 monitoring logs of 2,000 clippings, 6,000 insertions, 6,000
invoice lines, 500 payments, registers) is stored straight through the ledger's
store API (`Ledger.store_version`, records made by `adtools.forms.samples`, no
workbooks: the workbook path has its own benchmark); `--scale N` multiplies every
count within the same year.  Ledgers are cached under `--dir` between runs.

Each report of November 2026 then runs as `adtools report ...` (and the dashboard
as `adtools run dashboard`) with the clock pinned (ADTOOLS_NOW), minimum of
`--repeat` runs, with the peak memory (ru_maxrss) of the child.  Baselines
measured in the same run: `adtools --version` (start-up), a bare `SELECT` of
every form table row, and x4 against x1.

With `--baseline DIR` (a checkout of an earlier adtools, e.g. `git worktree add /tmp/base main`) every
run of that adtools is interleaved with a run of this one, so before and after share the machine's load.

Run from the repository root:  python benchmarks/report_suite_bench.py [--scales 1 4] [--repeat 3] [--baseline DIR]
Targets (issue 16): the suite <= 10 s, peak memory <= 1 GiB, x4 <= 4.4x the time of x1.
"""
from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = "2026-12-02T09:00+08:00"
INGESTED = datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)
YEAR_START = date(2026, 1, 5)  # a Monday: 52 weeks from here
DEPTS = ("account", "creative", "media", "production")

sys.path.insert(0, str(ROOT / "benchmarks"))
from agency_year import report_commands  # noqa: E402 - the suite's commands, declared once for both benchmarks

REPORTS = tuple(report_commands(datetime.fromisoformat(NOW)))


# --------------------------------------------------------------------------- the ledger
def _config_text(staff: int) -> str:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    text = re.sub(r"\[\[people\]\].*?(?=\n\[mail\])", "", text, flags=re.S)
    people = "".join(
        f'[[people]]\nname = "员工{i:03d}"\nemail = "staff{i:03d}@agency.example"\ndepartment = "{DEPTS[i % 4]}"\n\n'
        for i in range(staff)
    )
    return text.replace("\n[mail]\n", "\n" + people + "[mail]\n", 1)


def _shift(values: dict, delta: timedelta) -> None:
    for k, v in values.items():
        if isinstance(v, (date, datetime)):
            values[k] = v + delta


def build(workdir: Path, scale: int) -> Path:
    """The workspace of an agency-year x `scale` (reused when already built); its config path."""
    from adtools.config import load_config
    from adtools.forms.catalog import FORMS
    from adtools.forms.samples import job_numbers, sample_rows
    from adtools.forms.schema import FormResult, Record
    from adtools.ledger.store import Ledger, SourceFile
    from sqlalchemy import event

    cfg_path = workdir / "config.toml"
    done = workdir / "built.ok"
    if done.is_file():
        return cfg_path
    if workdir.exists():
        import shutil

        shutil.rmtree(workdir)
    (workdir / "inbox").mkdir(parents=True)
    cfg_path.write_text(_config_text(40 * scale), encoding="utf-8")
    cfg = load_config(cfg_path)
    rng = random.Random(f"report-suite:{scale}")
    jobs = job_numbers(cfg, 2026, 300 * scale)
    people = list(cfg.people)
    n_docs = 0

    def store(ledger: Ledger, form_id: str, header: dict, rows: list[dict], key_hint: str) -> None:
        nonlocal n_docs
        form = FORMS[form_id]
        n_docs += 1
        rel = f"{form_id}/{n_docs:06d}_{key_hint}.xlsx"
        recs = [
            Record(values=r, cells={f.key: f"{chr(65 + j)}{8 + i}" for j, f in enumerate(form.columns)}, row=8 + i)
            for i, r in enumerate(rows)
        ]
        result = FormResult(
            path=Path(rel), form_id=form_id, sheet=form.sheet_name,
            header=Record(values=header, cells={f.key: f"C{3 + j}" for j, f in enumerate(form.header)}),
            rows=recs, findings=[], author="bench", form_version=form.version,
        )
        sha = hashlib.sha256(rel.encode()).hexdigest()
        src = SourceFile(workdir / "inbox" / rel, workdir / "inbox", rel, 1000, 0, sha)
        ledger.store_version(result, src, now=INGESTED, archive_path=None)

    def sample(form_id: str, n: int, seed: int) -> tuple[dict, list[dict]]:
        return sample_rows(FORMS[form_id], cfg, n, seed)

    def job() -> str:
        return rng.choice(jobs)

    t0 = time.perf_counter()
    with Ledger.open(cfg) as ledger:
        # a benchmark's scratch ledger: no fsync per document (the ledger's own pragmas run first)
        event.listen(ledger.engine, "connect", lambda dbapi_conn, _rec: dbapi_conn.execute("PRAGMA synchronous=OFF"))
        ledger.engine.dispose()
        # timesheets: every person, every week, ~25 rows
        for w in range(52):
            week = YEAR_START + timedelta(weeks=w)
            for p in people:
                h, rs = sample("timesheet", rng.randrange(22, 29), w)
                delta = week - h["week_start"]
                h.update(staff=p.name, department=p.department, week_start=week)
                for r in rs:
                    r["date"] = r["date"] + delta
                    if r.get("job_no"):
                        r["job_no"] = job()
                store(ledger, "timesheet", h, rs, f"{p.name}_{week}")
        # work orders, one per job
        for i, j in enumerate(jobs):
            h, rs = sample("work_order", rng.randrange(1, 5), i)
            _shift(h, timedelta(days=rng.randrange(0, 300) - 7 * (i % 50)))
            h.update(job_no=j, order_no=f"WO-{i:05d}")
            store(ledger, "work_order", h, rs, j)
        # registers: sign-offs, progress, costs, invoices, payments, archive, brand aliases (one file a month)
        for form_id, per_year in (("sign_off", 1200), ("progress", 2400), ("costs", 1200),
                                  ("media_invoice", 6000), ("payments", 500), ("archive", 600)):
            for m in range(12):
                n = per_year * scale // 12
                h, rs = sample(form_id, n, m * 4)
                for r in rs:
                    if r.get("job_no"):
                        r["job_no"] = job()
                h["register_id"] = f"{form_id}-{m + 1:02d}"
                store(ledger, form_id, h, rs, f"{m + 1:02d}")
        h, rs = sample("brand_aliases", 40, 1)
        store(ledger, "brand_aliases", h, rs, "aliases")
        # media schedules: 60 x scale flights of 100 insertions
        for i in range(60 * scale):
            h, rs = sample("media_schedule", 100, i)
            h.update(flight=f"F{i:03d}", job_no=job())
            store(ledger, "media_schedule", h, rs, f"F{i:03d}")
        # monitoring: one log a month, 2,000 x scale clippings
        for m in range(12):
            h, rs = sample("monitoring", 2000 * scale, m * 4 + 1)
            h["monitor"] = f"监测{m:02d}"
            store(ledger, "monitoring", h, rs, f"{m + 1:02d}")
        # minutes: 5 a week
        for i in range(260 * scale):
            h, rs = sample("minutes", rng.randrange(2, 6), i % 50)
            _shift(h, timedelta(days=rng.randrange(0, 300) - 7 * (i % 50)))
            h["job_no"], h["title"] = job(), f"会议 {i:04d}"
            store(ledger, "minutes", h, rs, f"{i:04d}")
    done.write_text(f"{n_docs} documents, built in {time.perf_counter() - t0:.0f} s\n", encoding="utf-8")
    return cfg_path


# --------------------------------------------------------------------------- measuring
# a fresh helper process runs one child and reports its time and peak memory (RUSAGE_CHILDREN is the
# maximum over every child a process ever waited for, so each measurement gets its own helper)
_HELPER = """
import subprocess, sys, time
try:
    import resource
except ImportError:  # Windows: no peak memory
    resource = None
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if resource else -1
if rc.returncode not in (0, 1):  # 1: a report that found something to flag
    sys.stderr.write(rc.stderr.decode(errors="replace")[-3000:])
    sys.exit(2)
print(elapsed, rss)
"""


def run_child(argv: list[str], cfg_path: Path, tree: Path | None = None) -> tuple[float, float]:
    """Seconds and peak MiB of one whole process; `tree`: run that checkout's adtools (the baseline)."""
    env = {**os.environ, "ADTOOLS_NOW": NOW, "ADTOOLS_CONFIG": str(cfg_path)}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    proc = subprocess.run([sys.executable, "-c", _HELPER, *argv], env=env, cwd=cfg_path.parent,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr}")
    elapsed, rss = proc.stdout.split()
    return float(elapsed), int(rss) / (1024 if sys.platform != "darwin" else 1024 * 1024)


def timed(argv: list[str], cfg_path: Path, repeat: int, baseline: Path | None) -> dict[str, tuple[float, float]]:
    """Minimum time and peak memory of `repeat` runs, baseline and current interleaved (the same load on both)."""
    runs: dict[str, list[tuple[float, float]]] = {"now": [], "before": []}
    for _ in range(repeat):
        if baseline is not None:
            runs["before"].append(run_child(argv, cfg_path, baseline))
        runs["now"].append(run_child(argv, cfg_path))
    return {k: (min(t for t, _ in v), max(m for _, m in v)) for k, v in runs.items() if v}


def bare_select(cfg_path: Path, repeat: int) -> float:
    """Every row of every form table fetched with the sqlite3 module: what reading the ledger costs at least."""
    db = cfg_path.parent / "var" / "ledger.sqlite"
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        con = sqlite3.connect(db)
        for name in _form_tables(cfg_path):
            con.execute(f'SELECT * FROM "{name}"').fetchall()
        con.close()
        times.append(time.perf_counter() - t)
    return min(times)


def _form_tables(cfg_path: Path) -> list[str]:
    con = sqlite3.connect(cfg_path.parent / "var" / "ledger.sqlite")
    try:
        return [n for (n,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'f\\_%' ESCAPE '\\'")]
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "adtools-report-suite")
    ap.add_argument("--baseline", type=Path, help="a checkout of an earlier adtools (e.g. `git worktree add /tmp/base "
                                                  "main`), run interleaved with this one: before/after in one run")
    ap.add_argument("--only", nargs="*", help="only these reports (keys)")
    args = ap.parse_args()
    adtools = [sys.executable, "-m", "adtools"]
    steps = [("(start-up: adtools --version)", ["--version"])]
    steps += [(k, argv) for k, argv in REPORTS if not args.only or k in args.only]
    res: dict[int, dict[str, dict[str, tuple[float, float]]]] = {}
    bare: dict[int, float] = {}
    for scale in args.scales:
        t = time.perf_counter()
        cfg_path = build(args.dir / f"x{scale}", scale)
        con = sqlite3.connect(cfg_path.parent / "var" / "ledger.sqlite")
        rows = sum(con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in _form_tables(cfg_path))
        con.close()
        print(f"x{scale}: {rows:,} form rows  ({(cfg_path.parent / 'built.ok').read_text().strip()}; "
              f"ready in {time.perf_counter() - t:.1f} s)", flush=True)
        bare[scale] = bare_select(cfg_path, args.repeat)
        res[scale] = {}
        for key, argv in steps:
            res[scale][key] = timed([*adtools, *argv], cfg_path, args.repeat, args.baseline)
            got = res[scale][key]
            was = f"   before {got['before'][0]:6.2f} s {got['before'][1]:5.0f} MiB" if "before" in got else ""
            print(f"  {key:<32} {got['now'][0]:6.2f} s {got['now'][1]:5.0f} MiB{was}", flush=True)
    _table(args.scales, res, bare, "now")
    if args.baseline is not None:
        print(f"\nbefore ({args.baseline}), measured interleaved with the above:")
        _table(args.scales, res, bare, "before")
        lo = args.scales[0]
        suite = {w: sum(res[lo][k][w][0] for k, _ in steps if not k.startswith("(")) for w in ("now", "before")}
        print(f"\nsuite x{lo}: after / before = {suite['now'] / suite['before']:.2f}")
    print("targets: suite <= 10 s and peak <= 1024 MiB at x1; x4 suite <= 4.4x x1")


def _table(scales: list[int], res, bare: dict[int, float], which: str) -> None:  # noqa: ANN001
    lo, hi = scales[0], scales[-1]
    head = "".join(f"   x{s} time  x{s} MiB" for s in scales)
    ratio = f"  x{hi}/x{lo}" if len(scales) > 1 else ""
    print(f"\n{'report':<32}{head}{ratio}   ÷ bare SELECT")
    keys = list(res[lo])
    for k in keys:
        cells = "".join(f"  {res[s][k][which][0]:7.2f} s  {res[s][k][which][1]:6.0f}" for s in scales)
        r = f"  {res[hi][k][which][0] / res[lo][k][which][0]:6.2f}x" if len(scales) > 1 else ""
        print(f"{k:<32}{cells}{r}  {res[lo][k][which][0] / bare[lo]:8.1f}")
    reports = [k for k in keys if not k.startswith("(")]
    suite = {s: sum(res[s][k][which][0] for k in reports) for s in scales}
    peak = {s: max(res[s][k][which][1] for k in reports) for s in scales}
    cells = "".join(f"  {suite[s]:7.2f} s  {peak[s]:6.0f}" for s in scales)
    r = f"  {suite[hi] / suite[lo]:6.2f}x" if len(scales) > 1 else ""
    print(f"{'suite (sum; peak of any)':<32}{cells}{r}")
    print(f"{'(bare SELECT of every form row)':<32}" + "".join(f"  {bare[s]:7.2f} s        " for s in scales))


if __name__ == "__main__":
    main()
