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

Run from the repository root:  python benchmarks/report_suite_bench.py [--scales 1 4] [--repeat 3]
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
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = "2026-12-02T09:00+08:00"
MONTH = "2026-11"
INGESTED = datetime(2026, 11, 30, 16, 0, tzinfo=timezone.utc)
YEAR_START = date(2026, 1, 5)  # a Monday: 52 weeks from here
DEPTS = ("account", "creative", "media", "production")

REPORTS = (
    ("weekly", ["report", "weekly"]),
    ("fees", ["report", "fees", "--month", MONTH]),
    ("reconciliation", ["report", "reconciliation"]),
    ("monitoring", ["report", "monitoring", "--month", MONTH]),
    ("archive", ["report", "archive"]),
    ("dashboard", ["run", "dashboard"]),
)


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
def run_child(argv: list[str], cfg_path: Path) -> float:
    """Seconds of one whole process."""
    env = {**os.environ, "ADTOOLS_NOW": NOW, "ADTOOLS_CONFIG": str(cfg_path)}
    t = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cfg_path.parent, capture_output=True)
    elapsed = time.perf_counter() - t
    if proc.returncode not in (0, 1):  # 1: a report that found something to flag
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr.decode()[-3000:]}")
    return elapsed


def timed(argv: list[str], cfg_path: Path, repeat: int) -> tuple[float, float]:
    """Minimum time of `repeat` runs and the peak memory of one, measured in a fresh helper process."""
    best = min(run_child(argv, cfg_path) for _ in range(repeat))
    peak = _peak(argv, cfg_path)
    return best, peak


def _peak(argv: list[str], cfg_path: Path) -> float:
    # RUSAGE_CHILDREN is a maximum over every child ever waited for: ask a fresh process to measure one child
    code = ("import os,resource,subprocess,sys;subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,"
            "stderr=subprocess.DEVNULL);print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    env = {**os.environ, "ADTOOLS_NOW": NOW, "ADTOOLS_CONFIG": str(cfg_path)}
    out = subprocess.run([sys.executable, "-c", code, *argv], env=env, cwd=cfg_path.parent,
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[-1]) / 1024


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path(os.environ.get("TMPDIR", "/tmp")) / "adtools-report-suite")
    ap.add_argument("--only", nargs="*", help="only these reports (keys)")
    args = ap.parse_args()
    adtools = [sys.executable, "-m", "adtools"]
    results: dict[int, dict[str, tuple[float, float]]] = {}
    for scale in args.scales:
        t = time.perf_counter()
        cfg_path = build(args.dir / f"x{scale}", scale)
        rows = sum(sqlite3.connect(cfg_path.parent / "var" / "ledger.sqlite").execute(
            f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in _form_tables(cfg_path))
        print(f"x{scale}: {rows:,} form rows  ({(cfg_path.parent / 'built.ok').read_text().strip()}; "
              f"ready in {time.perf_counter() - t:.1f} s)", flush=True)
        res: dict[str, tuple[float, float]] = {}
        res["(start-up: adtools --version)"] = timed([*adtools, "--version"], cfg_path, args.repeat)
        res["(bare SELECT of every form row)"] = (bare_select(cfg_path, args.repeat), float("nan"))
        for key, argv in REPORTS:
            if args.only and key not in args.only:
                continue
            res[key] = timed([*adtools, *argv], cfg_path, args.repeat)
            print(f"  {key:<16} {res[key][0]:6.2f} s  {res[key][1]:6.0f} MiB", flush=True)
        results[scale] = res
    print()
    scales = args.scales
    head = "".join(f"  x{s} time   x{s} MiB" for s in scales)
    ratio = f"  x{scales[-1]}/x{scales[0]}" if len(scales) > 1 else ""
    print(f"{'report':<34}{head}{ratio}  ÷ bare SELECT (x{scales[0]})")
    names = list(results[scales[0]])
    suite = {s: sum(results[s][k][0] for k in names if not k.startswith("(")) for s in scales}
    peak = {s: max(results[s][k][1] for k in names if not k.startswith("(")) for s in scales}
    base = results[scales[0]]["(bare SELECT of every form row)"][0]
    for k in names:
        cells = "".join(f"  {results[s][k][0]:7.2f} s  {results[s][k][1]:6.0f}" for s in scales)
        r = f"  {results[scales[-1]][k][0] / results[scales[0]][k][0]:6.2f}x" if len(scales) > 1 else ""
        print(f"{k:<34}{cells}{r}  {results[scales[0]][k][0] / base:8.1f}")
    cells = "".join(f"  {suite[s]:7.2f} s  {peak[s]:6.0f}" for s in scales)
    r = f"  {suite[scales[-1]] / suite[scales[0]]:6.2f}x" if len(scales) > 1 else ""
    print(f"{'suite (sum), peak of any':<34}{cells}{r}")
    print("targets: suite <= 10 s and peak <= 1024 MiB at x1; x4 suite <= 4.4x x1")


def _form_tables(cfg_path: Path) -> list[str]:
    con = sqlite3.connect(cfg_path.parent / "var" / "ledger.sqlite")
    return [n for (n,) in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'f\\_%' ESCAPE '\\'")]


if __name__ == "__main__":
    main()
