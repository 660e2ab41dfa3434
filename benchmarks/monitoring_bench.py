"""Benchmark: 12 months x 2,000 clippings (and the year before) through the monthly monitoring analysis.

Prints the time of brand normalisation (`classify`) and of the three parts of one
month (`monitoring_month`: shares, MoM/YoY, ranks, trailing 12 months, by media,
competitors), each against a baseline measured in the same run on the same frame:
a plain pandas group-by count and sum per advertiser and month.

Run from the repository root:  python benchmarks/monitoring_bench.py [--repeat 5]
Target: the analysis well under a second.
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
from adtools.monitoring import brand_map, classify, monitoring_month  # noqa: E402

SPELLINGS = ["海尔", "Haier", "ＨＡＩＥＲ", "卡萨帝", "美的", "Midea", "ｍｉｄｅａ", "美 的", "西门子", "Siemens", "博世西门子",
             "容声", "Ronshen"] + [f"品牌{i:02d}" for i in range(40)]  # 40 advertisers nobody mapped
MEDIA = ["人民日报", "北京晚报", "新民晚报", "广州日报", "南方都市报", "扬子晚报"]
SIZES = ["整版", "半版", "通栏", "1/4版", "35×24cm"]


def clippings(months: int = 13, per_month: int = 2000, seed: int = 13) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    first = date(2025, 10, 1)
    for k in range(months):
        start = date(first.year + (first.month - 1 + k) // 12, (first.month - 1 + k) % 12 + 1, 1)
        for i in range(per_month):
            rows.append({
                "date": pd.Timestamp(start + timedelta(days=rng.randrange(28))),
                "media": rng.choice(MEDIA), "advertiser": rng.choice(SPELLINGS), "size": rng.choice(SIZES),
                "theme": f"主题{rng.randrange(300)}", "est_cost": Decimal(rng.randint(1_000_00, 600_000_00)).scaleb(-2),
                "new_creative": rng.random() < 0.1, "clipping_ref": f"JB-{start:%Y%m}-{i:04d}",
            })
    return pd.DataFrame(rows)


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
    clips = clippings()
    cfg = config_from_dict({}, base_dir=Path.cwd())
    bmap = brand_map(cfg)
    print(f"clippings: {len(clips):,} in {clips['date'].dt.strftime('%Y-%m').nunique()} months, "
          f"{clips['advertiser'].nunique()} spellings")
    month = clips.assign(month=clips["date"].dt.strftime("%Y-%m"), fen=1)
    baseline = best(lambda: month.groupby(["advertiser", "month"])["fen"].agg(["size", "sum"]), args.repeat)
    classified = classify(clips, bmap)
    t_classify = best(lambda: classify(clips, bmap), args.repeat)
    t_month = best(lambda: monitoring_month(classified, "2026-10", client=bmap.client, competitors=bmap.competitors),
                   args.repeat)
    print(f"baseline (group-by count and sum per advertiser x month): {baseline * 1000:8.1f} ms")
    print(f"classify (brand normalisation):                          {t_classify * 1000:8.1f} ms  "
          f"({t_classify / baseline:5.1f}x baseline)")
    print(f"monitoring_month (three parts of 2026-10):               {t_month * 1000:8.1f} ms  "
          f"({t_month / baseline:5.1f}x baseline)")
    total = t_classify + t_month
    print(f"total:                                                   {total * 1000:8.1f} ms  "
          f"({total / baseline:5.1f}x baseline; target well under 1 s)")


if __name__ == "__main__":
    main()
