"""Benchmark: an agency-year of filled-in workbooks, read, ingested and reported, as whole processes.

    python benchmarks/agency_year.py [--scale N] [--repeat 3] [--with-x4] [--profile] [--json]

Generates, through the real templates (`adtools.forms.fill.Filler`) and the
project's sample-filling code (`adtools.forms.samples.complete`), one year of an
agency's workbooks: 40 staff x 52 weekly timesheets of ~25 rows, 300 work orders,
1,200 sign-offs, 12 monitoring logs of 2,000 clippings, media schedules with
6,000 insertions, 6,000 media-invoice lines, 500 payments, and the registers
(progress, minutes, quotes, costs, archive and rights, flight notes, brand
aliases).  `--scale N` multiplies staff, jobs, campaigns and every register.
The workspace (config.toml with the staff in [[people]], templates, inbox) is
cached under `benchmarks/.cache/agency_year-x<N>-<hash>` (the hash covers this
script, the config and the bytes of every template), so a second run skips
the generation; `--cache DIR` puts it elsewhere.

Then it measures, in one run on the same files, each step as a whole process
(`sys.executable`), the best of `--repeat` (default 3):

  floor          every sheet of every file read with python-calamine, nothing else
  naive          pandas.read_excel(engine="openpyxl", sheet_name=None) of every file
  ingest cold    `adtools ingest` on a fresh copy of the workspace (no ledger)
  ingest warm    `adtools ingest` again, nothing changed
  ingest 1%      `adtools ingest` after 1% of the files were saved again with a real change
  in-process     a child that imports adtools, then times a cold and a warm ingest
                 (adtools.tasks.ingest, as `adtools ingest` and the scheduler's job run it)
  reports        weekly, fees, reconciliation, monitoring, archive of the month before now,
                 chained in one `adtools report weekly fees --month M …` command (built side
                 by side, one worker process per core), then the dashboard (`adtools run
                 dashboard`): the suite the target speaks of; and, for information, each as
                 its own `adtools report …` process
  --help         `adtools --help`

with the peak memory of each child (its own max RSS, or the sampled sum over it and
its worker processes where that is larger, Linux), and prints the ratios the
performance issue sets targets for, each PASS or MISS.  The children run with
the clock pinned (ADTOOLS_NOW, `--now`), so report periods are the same on
every run.  `--with-x4` also generates and measures x4 the data and prints
x4 / x1.  `--json` prints only JSON on stdout (progress on stderr).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable


ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT, Path(__file__).resolve().parent):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from agency_year_data import DEFAULT_NOW, Plan, generate  # noqa: E402

# ----------------------------------------------------------------------------------------------- measuring
FLOOR_SCRIPT = r'''
import os, sys
from python_calamine import CalamineWorkbook
files = rows = 0
for root, dirs, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith(".xlsx") and not name.startswith((".", "~$")):
            wb = CalamineWorkbook.from_path(os.path.join(root, name))
            for sheet in wb.sheet_names:
                rows += len(wb.get_sheet_by_name(sheet).to_python())
            files += 1
print(files, rows)
'''

NAIVE_SCRIPT = r'''
import os, sys
import pandas as pd
files = rows = 0
for root, dirs, names in os.walk(sys.argv[1]):
    for name in names:
        if name.endswith(".xlsx") and not name.startswith((".", "~$")):
            frames = pd.read_excel(os.path.join(root, name), engine="openpyxl", sheet_name=None)
            rows += sum(len(df) for df in frames.values())
            files += 1
print(files, rows)
'''

INPROC_SCRIPT = r'''
import json, sys, time
from datetime import datetime
from pathlib import Path
t0 = time.perf_counter()
from adtools import tasks
from adtools.config import load_config
from adtools.forms.validate import validate_file
cfg = load_config(sys.argv[1])
now = datetime.fromisoformat(sys.argv[2])
first = next(p for p in sorted(cfg.watch_dirs[0].rglob("*.xlsx")))
validate_file(first, cfg)  # what a running scheduler has imported already: the reader and its engines
imports = time.perf_counter() - t0
t = time.perf_counter(); cold = tasks.ingest(cfg, now=now); cold_s = time.perf_counter() - t
warm = []
for _ in range(int(sys.argv[3])):
    t = time.perf_counter(); w = tasks.ingest(cfg, now=now); warm.append(time.perf_counter() - t)
t = time.perf_counter(); job = tasks.run_task("ingest", cfg, now=now, force=True); job_s = time.perf_counter() - t
print(json.dumps({"imports": imports, "cold": cold_s, "warm": min(warm), "warm_all": warm, "job": job_s,
                  "job_status": job.status, "ingested": cold.ingested, "rejected": cold.rejected,
                  "warm_unchanged": w.unchanged, "warm_ingested": w.ingested}))
'''


@dataclass
class Sample:
    seconds: float
    peak_mb: float | None
    stdout: str = ""


@dataclass
class Step:
    key: str
    title: str
    samples: list[Sample] = field(default_factory=list)
    note: str = ""

    @property
    def seconds(self) -> float | None:
        return min(s.seconds for s in self.samples) if self.samples else None

    @property
    def peak_mb(self) -> float | None:
        peaks = [s.peak_mb for s in self.samples if s.peak_mb is not None]
        return max(peaks) if peaks else None


def _maxrss_mb(ru) -> float:  # noqa: ANN001
    return ru.ru_maxrss / (1024 * 1024) if sys.platform == "darwin" else ru.ru_maxrss / 1024


def _tree_rss_mb(pid: int) -> float | None:
    """The resident memory of a process and all its descendants now (Linux /proc), None where unknown."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmRSS:")))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue  # gone meanwhile, or no /proc
    return total / 1024 if total else None


class _TreePeak:
    """Samples the summed RSS of a process and its workers every 20 ms (Linux): what the machine must hold at once."""

    def __init__(self, pid: int):
        import threading

        self.pid, self.peak, self._stop = pid, None, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True) if Path("/proc/self/status").exists() else None
        if self._thread is not None:
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            now = _tree_rss_mb(self.pid)
            if now is not None:
                self.peak = max(self.peak or 0.0, now)

    def stop(self) -> float | None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        return self.peak


def run_child(cmd: list[str], cwd: Path, env: dict[str, str], *, check: bool = True) -> Sample:
    """Run one child to its end: wall time, its peak memory, its stdout.

    The peak is the larger of the child's own peak RSS (os.wait4, POSIX) and the sampled sum of the
    child and its worker processes (Linux): an ingest or a report chain with workers holds them all at once.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        tree = _TreePeak(proc.pid)
        peak = None
        if hasattr(os, "wait4"):
            _pid, status, ru = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            peak = _maxrss_mb(ru)
        else:
            proc.wait()
        seconds = time.perf_counter() - t0
        sampled = tree.stop()
        if sampled is not None:
            peak = max(peak or 0.0, sampled)
        out.seek(0)
        err.seek(0)
        text = out.read().decode("utf-8", "replace")
        if check and proc.returncode != 0:
            tail = err.read().decode("utf-8", "replace")[-3000:]
            raise SystemExit(f"child failed ({proc.returncode}): {' '.join(cmd)}\n{tail}")
    return Sample(seconds, peak, text)


def adtools_cmd() -> list[str]:
    """The `adtools` a user runs: the console script beside this interpreter, else `python -m adtools`."""
    exe = Path(sys.executable)
    for name in ("adtools", "adtools.exe"):
        script = exe.with_name(name)
        if script.is_file():
            return [str(script)]
    return [sys.executable, "-m", "adtools"]


def fresh_copy(src: Path, dst: Path) -> None:
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, copy_function=shutil.copy2)


def report_commands(now: datetime) -> list[tuple[str, list[str]]]:
    """The month's report suite as separate commands: (name, argv) with the options each needs at `now`."""
    from adtools.clock import previous_month

    month = previous_month(now.date())
    return [
        ("weekly", ["report", "weekly"]),
        ("fees", ["report", "fees", "--month", month]),
        ("reconciliation", ["report", "reconciliation"]),
        ("monitoring", ["report", "monitoring", "--month", month]),
        ("archive", ["report", "archive"]),
        ("dashboard", ["run", "dashboard"]),
    ]


def suite_commands(now: datetime) -> list[tuple[str, list[str]]]:
    """The same suite in as few commands as a user can run it: the reports chained in one `adtools report`, the dashboard.

    `adtools report weekly fees --month M reconciliation …` builds each report with
    the options of its own command above, side by side on the cores (start-up paid
    once); the dashboard is a job, not a report, so it stays `adtools run dashboard`.
    """
    chained: list[str] = []
    rest = []
    for name, argv in report_commands(now):
        if argv[0] == "report":
            chained += argv[1:]
        else:
            rest.append((name, argv))
    return [("reports", ["report", *chained]), *rest]


class Bench:
    def __init__(self, plan: Plan, data: Path, args, log: Callable[[str], None]):
        self.plan, self.data, self.args, self.log = plan, data, args, log
        self.manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
        self.run_dir = data / "run"
        self.ws = self.run_dir / "ws"
        self.warm_snapshot = self.run_dir / "warm"
        self.env = {k: v for k, v in os.environ.items() if k not in ("ADTOOLS_CONFIG",)}
        self.env["ADTOOLS_NOW"] = args.now
        self.env["PYTHONIOENCODING"] = "utf-8"
        self.now = datetime.fromisoformat(args.now)
        self.cmd = adtools_cmd()
        self.steps: dict[str, Step] = {}
        self.ingest_counts: dict[str, Any] = {}
        self.rejected_files: list[dict] = []

    def step(self, key: str, title: str, note: str = "") -> Step:
        s = self.steps[key] = Step(key, title, note=note)
        return s

    def script(self, name: str, text: str) -> Path:
        p = self.run_dir / name
        p.write_text(text, encoding="utf-8")
        return p

    def adtools(self, *argv: str, cwd: Path | None = None) -> Sample:
        return run_child([*self.cmd, *argv], cwd or self.ws, self.env)

    def repeat(self, key: str, title: str, n: int, fn: Callable[[int], Sample], note: str = "") -> Step:
        st = self.step(key, title, note)
        for i in range(n):
            st.samples.append(fn(i))
            self.log(f"  {title}: {st.samples[-1].seconds:.2f} s" + (f", {st.samples[-1].peak_mb:.0f} MB" if st.samples[-1].peak_mb else ""))
            if st.samples[-1].seconds > self.args.slow_seconds and i + 1 < n:  # one slow run is measure enough
                st.note = f"{i + 1} of {n} runs: slower than --slow-seconds {self.args.slow_seconds:g}"
                break
        return st

    def run(self, *, full: bool = True) -> None:
        if self.run_dir.exists():
            shutil.rmtree(self.run_dir)
        self.run_dir.mkdir(parents=True)
        clean = self.data / "clean"
        inbox = clean / self.manifest["inbox"]
        r = self.args.repeat
        floor, naive, inproc = (self.script(n, t) for n, t in
                                (("floor.py", FLOOR_SCRIPT), ("naive.py", NAIVE_SCRIPT), ("inproc.py", INPROC_SCRIPT)))
        self.log(f"[{self.plan.label}] {self.manifest['files']} files, {self.manifest['rows']:,} rows; measuring (best of {r})")
        if full:
            self.repeat("help", "adtools --help", r, lambda i: run_child([*self.cmd, "--help"], self.run_dir, self.env))
        run_child([sys.executable, str(floor), str(inbox)], self.run_dir, self.env)  # warms the page cache
        self.repeat("floor", "floor: calamine, every sheet", r,
                    lambda i: run_child([sys.executable, str(floor), str(inbox)], self.run_dir, self.env))
        if full and not self.args.no_naive:
            self.repeat("naive", "naive: pandas.read_excel(openpyxl)", self.args.naive_repeat or r,
                        lambda i: run_child([sys.executable, str(naive), str(inbox)], self.run_dir, self.env))

        cold_reps = self.args.cold_repeat or r

        def cold(i: int) -> Sample:
            fresh_copy(clean, self.ws)
            s = self.adtools("ingest", "--json")
            self._check_cold(s)
            return s

        self.repeat("cold", "adtools ingest, cold", cold_reps, cold,
                    note="" if cold_reps >= 3 else f"{cold_reps} repetition(s)")
        fresh_copy(self.ws, self.warm_snapshot)

        def warm(i: int) -> Sample:
            s = self.adtools("ingest", "--json")
            got = json.loads(s.stdout)
            if got["ingested"] or got["rejected"]:
                raise SystemExit(f"a warm ingest with nothing changed read files: {_counts(got)}")
            return s

        self.repeat("warm", "adtools ingest, warm", r, warm)
        self.reports(r)
        changed = self.manifest["changed"]

        def warm_changed(i: int) -> Sample:
            fresh_copy(self.warm_snapshot, self.ws)  # the same path: the ledger knows these files
            inbox_ws = self.ws / self.manifest["inbox"]
            for rel in changed:
                shutil.copy2((self.data / "changed").joinpath(*rel.split("/")), inbox_ws.joinpath(*rel.split("/")))
            s = self.adtools("ingest", "--json")
            got = json.loads(s.stdout)
            if got["ingested"] != len(changed):
                raise SystemExit(f"{len(changed)} files changed but the ingest says {_counts(got)}")
            return s

        if full:
            self.repeat("warm1", f"adtools ingest, {len(changed)} files (1%) changed", r, warm_changed)

            def inprocess(i: int) -> Sample:
                fresh_copy(clean, self.ws)
                return run_child([sys.executable, str(inproc), str(self.ws / "config.toml"), self.args.now, str(r)],
                                 self.ws, self.env)

            st = self.repeat("inproc", "in-process (child: import, cold, warm)", self.args.cold_repeat or r, inprocess)
            got = [json.loads(s.stdout) for s in st.samples]
            for key, title in (("inproc_cold", "in-process ingest, cold"), ("inproc_warm", "in-process ingest, warm"),
                               ("inproc_job", "in-process run_task('ingest'), warm (+dashboard)")):
                field_ = key.split("_")[1]
                self.steps[key] = Step(key, title, [Sample(g[field_], None) for g in got],
                                       note="peak: see the child above")
            self.inproc_detail = got
        if self.args.profile:
            self.profile()

    def reports(self, r: int) -> None:
        """The suite as users and the target measure it (reports chained in one command, then the dashboard),
        and, for information, as one process per command (what six separate commands cost)."""
        total = self.step("reports", "report suite: reports in one command + dashboard")
        suite: list[Step] = []
        for name, argv in suite_commands(self.now):
            suite.append(self.repeat(f"suite_{name}", f"  {_short(argv)}", r, lambda i, a=argv: self.adtools(*a)))
        total.samples = [Sample(sum(s.seconds for s in suite), max((s.peak_mb or 0) for s in suite) or None)]
        separate = self.step("reports_separate", "report suite, one process per command (info)")
        per: list[Step] = []
        for name, argv in report_commands(self.now):
            per.append(self.repeat(f"report_{name}", f"  {' '.join(argv)}", r, lambda i, a=argv: self.adtools(*a)))
        separate.samples = [Sample(sum(s.seconds for s in per), max((s.peak_mb or 0) for s in per) or None)]

    def _check_cold(self, s: Sample) -> None:
        got = json.loads(s.stdout)
        self.ingest_counts = {k: v for k, v in got.items() if k != "files"}
        self.rejected_files = [f for f in got["files"] if f["status"] not in ("ingested", "unchanged")]
        files = self.manifest["files"]
        if got["ingested"] < files * 0.99:
            lines = "\n".join(f"  {f['status']}: {f['path']}: {f.get('reason') or ''}" for f in self.rejected_files[:10])
            raise SystemExit(f"the cold ingest took in only {got['ingested']} of {files} files:\n{lines}")

    def profile(self) -> None:
        import pstats

        fresh_copy(self.data / "clean", self.ws)
        out = self.run_dir / "cold_ingest.prof"
        run_child([sys.executable, "-m", "cProfile", "-o", str(out), "-m", "adtools", "ingest", "--json"], self.ws, self.env)
        import io

        buf = io.StringIO()
        stats = pstats.Stats(str(out), stream=buf)
        stats.sort_stats("cumulative").print_stats(15)
        stats.sort_stats("tottime").print_stats(15)  # where the time is spent, not only under what
        self.profile_text = buf.getvalue()


def _short(argv: list[str], width: int = 56) -> str:
    """A command line cut to fit the table's step column."""
    text = " ".join(argv)
    return text if len(text) <= width else text[: width - 1] + "…"


def _counts(got: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in got.items() if k != "files")


# ----------------------------------------------------------------------------------------------- the table
@dataclass
class Ratio:
    name: str
    value: float | None
    target: str
    ok: bool | None


def ratios(b1: Bench, b4: Bench | None) -> list[Ratio]:
    s = b1.steps

    def sec(key: str, bench: Bench = b1) -> float | None:
        st = bench.steps.get(key)
        return st.seconds if st else None

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    out = [
        Ratio("ingest cold ÷ floor", ratio(sec("cold"), sec("floor")), "≤ 2", None),
        Ratio("naive ÷ ingest cold", ratio(sec("naive"), sec("cold")), "≥ 5", None),
        Ratio("ingest warm ÷ floor", ratio(sec("warm"), sec("floor")), "≤ 1", None),
        Ratio("in-process warm ÷ in-process cold", ratio(sec("inproc_warm"), sec("inproc_cold")), "≤ 0.01", None),
        Ratio("report suite, seconds", sec("reports"), "≤ 10", None),
        Ratio("report suite, peak MB", s["reports"].peak_mb if "reports" in s else None, "≤ 1024", None),
        Ratio("report suite, one process per command, s", sec("reports_separate"), "info", None),
        Ratio("adtools --help, seconds", sec("help"), "≤ 0.5", None),
    ]
    if b4 is not None:
        out += [
            Ratio("x4 ÷ x1 floor (the data's own growth)", ratio(sec("floor", b4), sec("floor")), "info", None),
            Ratio("x4 ÷ x1 ingest cold", ratio(sec("cold", b4), sec("cold")), "≤ 4.4", None),
            Ratio("x4 ÷ x1 ingest warm", ratio(sec("warm", b4), sec("warm")), "≤ 4.4", None),
            Ratio("x4 ÷ x1 report suite", ratio(sec("reports", b4), sec("reports")), "≤ 4.4", None),
        ]
    for r in out:
        if r.value is None or r.target == "info":
            continue
        op, lim = r.target.split()
        r.ok = r.value <= float(lim) if op == "≤" else r.value >= float(lim)
    return out


def render(benches: list[Bench], rs: list[Ratio]) -> str:
    lines = []
    for b in benches:
        m = b.manifest
        lines.append(f"\n{b.plan.label}: {m['files']} files, {m['rows']:,} rows "
                     "(" + ", ".join(f"{k} {v['files']}" for k, v in m["by_form"].items()) + ")")
        c = b.ingest_counts
        lines.append(f"cold ingest: scanned {c.get('scanned')}, ingested {c.get('ingested')}, rejected {c.get('rejected')}, "
                     f"duplicate {c.get('duplicate')}, skipped {c.get('skipped')}")
        for f in b.rejected_files[:5]:
            lines.append(f"  {f['status']}: {f['path']}: {(f.get('reason') or '')[:160]}")
        lines.append(f"{'step':58s} {'seconds':>9s} {'peak MB':>8s}  runs")
        for st in b.steps.values():
            secs = f"{st.seconds:9.2f}" if st.seconds is not None else "      n/a"
            peak = f"{st.peak_mb:8.0f}" if st.peak_mb is not None else "     n/a"
            runs = " ".join(f"{x.seconds:.2f}" for x in st.samples) if len(st.samples) > 1 else ""
            lines.append(f"{st.title:58s} {secs} {peak}  {runs} {st.note}".rstrip())
    lines.append(f"\n{'ratio':42s} {'value':>9s}  {'target':>8s}  result")
    for r in rs:
        v = f"{r.value:9.3f}" if r.value is not None else "      n/a"
        res = "" if r.ok is None else "PASS" if r.ok else "MISS"
        lines.append(f"{r.name:42s} {v}  {r.target:>8s}  {res}")
    return "\n".join(lines)


def to_json(benches: list[Bench], rs: list[Ratio]) -> dict[str, Any]:
    return {
        "now": benches[0].args.now,
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "cpus": os.cpu_count(),
        "runs": [{
            "scale": b.plan.label, "files": b.manifest["files"], "rows": b.manifest["rows"], "by_form": b.manifest["by_form"],
            "ingest": b.ingest_counts, "not_ingested": b.rejected_files,
            "steps": [{"step": st.key, "title": st.title.strip(), "seconds": st.seconds, "peak_mb": st.peak_mb,
                       "runs": [x.seconds for x in st.samples], "note": st.note} for st in b.steps.values()],
        } for b in benches],
        "ratios": [asdict(r) for r in rs],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=1, help="multiply the agency-year (default 1)")
    ap.add_argument("--small", action="store_true", help="2 staff x 2 weeks and a little of everything (smoke test)")
    ap.add_argument("--repeat", type=int, default=3, help="repetitions of each step; the best counts (default 3)")
    ap.add_argument("--cold-repeat", type=int, default=0, help="repetitions of the cold ingests (default --repeat)")
    ap.add_argument("--naive-repeat", type=int, default=0, help="repetitions of the naive pandas read (default --repeat)")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive pandas read")
    ap.add_argument("--with-x4", action="store_true", help="also generate and measure x4 the data (floor, cold and warm "
                    "ingest, report suite) and print x4 / x1")
    ap.add_argument("--x4-cold-repeat", type=int, default=1, help="repetitions of the x4 cold ingest (default 1)")
    ap.add_argument("--slow-seconds", type=float, default=120,
                    help="a step whose run takes longer is not repeated (said in the table; default 120)")
    ap.add_argument("--profile", action="store_true", help="profile one cold ingest (cProfile) and print the top 15")
    ap.add_argument("--now", default=DEFAULT_NOW, help=f"the children's clock (ADTOOLS_NOW; default {DEFAULT_NOW})")
    ap.add_argument("--cache", type=Path, default=ROOT / "benchmarks" / ".cache", help="where generated files are kept")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes generating workbooks")
    ap.add_argument("--generate-only", action="store_true", help="generate (or find cached) and stop")
    ap.add_argument("--keep", action="store_true", help="keep the run folder (workspace copies) after measuring")
    ap.add_argument("--json", action="store_true", help="print only JSON on stdout")
    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr if args.json else sys.stdout, flush=True)

    plan = Plan.of(args.scale, args.small)
    data = generate(plan, args.cache, workers=args.workers, log=log)
    plans = [(plan, data)]
    if args.with_x4:
        p4 = Plan.of(plan.scale * 4)
        plans.append((p4, generate(p4, args.cache, workers=args.workers, log=log)))
    if args.generate_only:
        return 0
    benches = []
    try:
        b1 = Bench(plan, data, args, log)
        benches.append(b1)
        b1.run(full=True)
        if args.with_x4:
            a4 = argparse.Namespace(**{**vars(args), "cold_repeat": args.x4_cold_repeat, "profile": False})
            b4 = Bench(plans[1][0], plans[1][1], a4, log)
            benches.append(b4)
            b4.run(full=False)
    finally:
        if not args.keep:
            for b in benches:
                shutil.rmtree(b.run_dir, ignore_errors=True)
    rs = ratios(benches[0], benches[1] if len(benches) > 1 else None)
    if args.json:
        out = to_json(benches, rs)
        if args.profile:
            out["profile"] = benches[0].profile_text
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print(render(benches, rs))
        if args.profile:
            print("\ncold ingest, cProfile: top 15 by cumulative time, then by own time:\n" + benches[0].profile_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
