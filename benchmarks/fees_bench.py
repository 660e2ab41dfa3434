"""Benchmark: a year of timesheets (30 staff x 250 working days x 3 rows) through fee_statement.

Prints the time of the December statement (which reads the whole year: estimate
against actual sums every month to date) and of all twelve monthly statements,
each against a baseline measured in the same run on the same frame: a plain
pandas group-by sum of the Decimal hours per job and category.

Run from the repository root:  python benchmarks/fees_bench.py [--repeat 5]
Target: the December statement well under a second.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adtools.config import config_from_dict  # noqa: E402
from adtools.fees import fee_statement  # noqa: E402

CATEGORIES = ["print_creative", "print_artwork", "pop_creative", "pop_artwork", "tv_radio_creative", "non_billable"]


def year_frames(staff: int = 30, rows_per_day: int = 3, year: int = 2026, seed: int = 7):
    rng = random.Random(seed)
    people = [f"员工{i:02d}" for i in range(staff)]
    jobs = [f"HRFR-{year}-{i:03d}" for i in range(1, 41)]
    days = [d for d in (date(year, 1, 1) + timedelta(n) for n in range(365)) if d.weekday() < 5][:250]
    hours = [Decimal(q) / 4 for q in range(1, 17)]
    rows = []
    for p, name in enumerate(people):
        for d in days:
            week = d - timedelta(days=d.weekday())
            for k in range(rows_per_day):
                cat = rng.choice(CATEGORIES)
                n = 7 + (d.weekday() * rows_per_day) + k
                rows.append((name, "creative", week, d, None if cat == "non_billable" else rng.choice(jobs), cat,
                             rng.choice(hours), f"timesheets/{name}_{week}.xlsx", "工时表", n, f"D{n}"))
    df = pd.DataFrame(rows, columns=["staff", "department", "week_start", "date", "job_no", "category", "hours",
                                     "_file", "_sheet", "_row", "_cell_hours"])
    df["week_start"] = pd.to_datetime(df["week_start"])
    df["date"] = pd.to_datetime(df["date"])
    costs = pd.DataFrame({
        "date": pd.to_datetime([days[i % len(days)] for i in range(0, 1200)]),
        "job_no": [jobs[i % len(jobs)] for i in range(1200)],
        "vendor": "供应商", "cost_type": [["photography", "printing", "postage", "other"][i % 4] for i in range(1200)],
        "film_kind": None, "width_cm": None, "height_cm": None, "quantity": 1,
        "amount": [Decimal(rng.randint(100, 10_000_000)).scaleb(-2) for _ in range(1200)], "billable": True,
    })
    cfg = config_from_dict(
        {"people": [{"name": n, "email": f"p{i}@agency.example"} for i, n in enumerate(people)],
         "rate_cards": [{"effective_from": date(year, 7, 1), "print_creative": Decimal("850")}]},
        base_dir=Path.cwd(),
    )
    return df, costs, cfg


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    ts, costs, cfg = year_frames()
    print(f"timesheet rows: {len(ts):,}  cost rows: {len(costs):,}  staff: {ts['staff'].nunique()}")
    baseline = best(lambda: ts.groupby(["job_no", "category"])["hours"].sum(), args.repeat)
    december = best(lambda: fee_statement(ts, costs, None, cfg, "2026-12"), args.repeat)
    year = best(lambda: [fee_statement(ts, costs, None, cfg, f"2026-{m:02d}") for m in range(1, 13)], max(1, args.repeat // 2))
    print(f"baseline  pandas groupby-sum of Decimal hours : {baseline * 1000:8.1f} ms")
    print(f"fee_statement 2026-12 (whole year to date)    : {december * 1000:8.1f} ms   ratio {december / baseline:5.1f}x")
    print(f"twelve monthly statements                     : {year * 1000:8.1f} ms   ratio {year / baseline:5.1f}x")


if __name__ == "__main__":
    main()
