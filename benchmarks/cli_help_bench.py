"""Times `adtools --help` against a bare `python -c pass` in the same run and prints the ratio (not a test).

    python benchmarks/cli_help_bench.py [--repeat 7]

The target is under 0.5 s on the server: `--help` imports every command module, so
those modules import pandas, openpyxl, xlsxwriter, SQLAlchemy and rich only inside
the commands that need them.  Each program runs `--repeat` times in a fresh
interpreter; the best time of each is printed, with the ratio help / bare Python,
and the heavy libraries `--help` loaded (there should be none).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "openpyxl", "xlsxwriter", "sqlalchemy", "rich", "numpy", "python_calamine")
TARGET_S = 0.5


def best(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return min(times)


def heavy_modules_loaded() -> list[str]:
    probe = ("import sys\nfrom click.testing import CliRunner\nfrom adtools.cli import main\n"
             "CliRunner().invoke(main, ['--help'])\n"
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    bare = best([sys.executable, "-c", "pass"], args.repeat)
    helps = best([sys.executable, "-m", "adtools", "--help"], args.repeat)
    print(f"python -c pass      : {bare:.3f} s (baseline)")
    print(f"adtools --help      : {helps:.3f} s  ratio {helps / bare:.1f}x baseline  "
          f"({'within' if helps < TARGET_S else 'OVER'} the {TARGET_S} s target)")
    loaded = heavy_modules_loaded()
    print(f"heavy imports by --help: {', '.join(loaded) if loaded else 'none'}")


if __name__ == "__main__":
    main()
