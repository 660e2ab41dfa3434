"""How long a year's three-way match takes: 6,000 bookings, 24,000 clippings, 6,000 invoice lines.

Prints the reconciliation's time and its ratio to a baseline measured in the same
run on the same frames: two plain pandas merges (bookings with clippings on media,
date and size; bookings with invoice lines on booking ref), which is the least any
match must do.  Target: the reconciliation in under 2 s.

    .venv/bin/python benchmarks/reconcile_bench.py
"""
from __future__ import annotations

import random
import time
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd

from adtools.config import default_config
from adtools.reconcile import reconcile

MEDIA = ["人民日报", "北京晚报", "新民晚报", "广州日报", "解放日报", "南方都市报", "羊城晚报", "扬子晚报"]
SIZES = ["整版", "半版", "通栏", "35×24cm", "1/4版"]


def year_of_frames(seed: int = 7) -> dict[str, pd.DataFrame]:
    rng = random.Random(seed)
    start = date(2026, 1, 1)
    bookings, clips, invoices = [], [], []
    for i in range(6000):
        day = start + timedelta(days=rng.randrange(330))
        media, size = rng.choice(MEDIA), rng.choice(SIZES)
        net = Decimal(rng.randrange(100000, 30000000)).scaleb(-2)
        status = "cancelled" if i % 50 == 0 else "booked"
        ref = f"OMD-{i:05d}"
        bookings.append({"campaign": f"C{i % 12}", "flight": f"F{i % 4}", "version": 1, "job_no": f"HRFR-2026-{i % 12:03d}",
                         "media": media, "date": day, "size": size, "net": net, "gross": net, "status": status,
                         "booking_ref": ref, "_file": "media/s.xlsx", "_sheet": "媒体排期表", "_row": i + 5,
                         "_cell_net": f"L{i + 5}"})
        if i % 10 != 0:
            clips.append({"date": day, "media": media, "advertiser": "海尔", "size": size, "clipping_ref": f"JB-{i:05d}"})
        amount = net + (Decimal("100.00") if i % 97 == 0 else 0)
        invoices.append({"invoice_no": f"{44000000 + i}", "media": media, "date": day, "size": size,
                         "booking_ref": ref if i % 7 else None, "amount": amount})
    while len(clips) < 24000:  # the rest of the industry: competitors' ads in the same titles
        clips.append({"date": start + timedelta(days=rng.randrange(330)), "media": rng.choice(MEDIA),
                      "advertiser": rng.choice(["美的", "西门子", "容声", "美菱"]), "size": rng.choice(SIZES),
                      "clipping_ref": f"JB-X{len(clips):05d}"})
    return {"media_schedule": pd.DataFrame(bookings).assign(date=lambda d: pd.to_datetime(d["date"])),
            "monitoring": pd.DataFrame(clips).assign(date=lambda d: pd.to_datetime(d["date"])),
            "media_invoice": pd.DataFrame(invoices).assign(date=lambda d: pd.to_datetime(d["date"]))}


def baseline(frames: dict[str, pd.DataFrame]) -> int:
    b, c, i = frames["media_schedule"], frames["monitoring"], frames["media_invoice"]
    one = b.merge(c, on=["media", "date", "size"], how="left")
    two = b.merge(i, on="booking_ref", how="left")
    return len(one) + len(two)


def best_of(n: int, fn) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    frames = year_of_frames()
    cfg = default_config()
    as_of = date(2026, 12, 31)
    rec = reconcile(frames, cfg, as_of)
    t_base = best_of(5, lambda: baseline(frames))
    t_rec = best_of(3, lambda: reconcile(frames, cfg, as_of))
    counts = rec.insertions["status"].value_counts().to_dict()
    print(f"bookings {len(frames['media_schedule'])}, clippings {len(frames['monitoring'])}, "
          f"invoice lines {len(frames['media_invoice'])}")
    print(f"codes: {counts}; exceptions {len(rec.exceptions)}")
    print(f"baseline (two plain pandas merges): {t_base:.3f} s")
    print(f"reconcile (match, codes, exceptions, statement, ageing): {t_rec:.3f} s "
          f"= {t_rec / t_base:.1f}x the baseline; target < 2 s: {'met' if t_rec < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()
