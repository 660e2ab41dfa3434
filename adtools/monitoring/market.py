"""The market analysis of a flight: competitors' activity around the flight against ours, and share of voice.

Pure: the media schedules' documents (the flight's dates), classified clippings and
the flight notes' rows in; a `MarketAnalysis` out.  The window is the flight and
`[monitoring] market_window_days` either side; the share of voice during the
flight is set against the same number of days just before it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from ..errors import InputError
from ..money import fmt2, from_fen
from .volume import shares

__all__ = ["PHASES", "MarketAnalysis", "flight_window", "flights", "market_analysis"]

PHASES = (("before", "波次前", "Before"), ("during", "波次期间", "During"), ("after", "波次后", "After"))


@dataclass
class MarketAnalysis:
    campaign: str
    flight: str
    flight_start: date
    flight_end: date
    window_start: date
    window_end: date
    sov_start: date  # the same number of days just before the flight
    by_brand: pd.DataFrame  # advertiser, side, {phase}_insertions, {phase}_fen, sov_during, sov_before
    clippings: pd.DataFrame  # the window's clippings of the client and competitors, by date
    notes: dict[str, list[str]]  # competitors, response (the flight notes' sections)

    def to_json(self) -> dict[str, Any]:
        def share(v):
            return None if v is None else f"{v:.4f}"

        return {
            "campaign": self.campaign,
            "flight": self.flight,
            "flight_start": self.flight_start.isoformat(),
            "flight_end": self.flight_end.isoformat(),
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "sov_before_start": self.sov_start.isoformat(),
            "by_brand": [
                {
                    "brand": r["advertiser"],
                    "side": r["side"],
                    **{f"{p}_insertions": int(r[f"{p}_insertions"]) for p, _, _ in PHASES},
                    **{f"{p}_spend": fmt2(from_fen(int(r[f"{p}_fen"]))) for p, _, _ in PHASES},
                    "sov_during": share(r["sov_during"]),
                    "sov_before": share(r["sov_before"]),
                }
                for r in self.by_brand.to_dict("records")
            ],
            "clippings": int(len(self.clippings)),
            "notes": {k: list(v) for k, v in self.notes.items()},
        }


def flights(schedules: pd.DataFrame) -> pd.DataFrame:
    """campaign, flight, flight_start, flight_end of each flight: its latest schedule version's dates."""
    if schedules is None or schedules.empty:
        return pd.DataFrame(columns=["campaign", "flight", "flight_start", "flight_end"])
    latest = schedules.sort_values("version", kind="stable").groupby(["campaign", "flight"], sort=False).tail(1)
    out = latest[["campaign", "flight", "flight_start", "flight_end"]].copy()
    out["flight_start"] = pd.to_datetime(out["flight_start"]).dt.date
    out["flight_end"] = pd.to_datetime(out["flight_end"]).dt.date
    return out.sort_values(["flight_end", "campaign", "flight"], kind="stable").reset_index(drop=True)


def flight_window(schedules: pd.DataFrame, campaign: str, flight: str) -> tuple[date, date]:
    """The flight's first and last day; InputError naming the flights there are when it is unknown."""
    fl = flights(schedules)
    hit = fl[(fl["campaign"] == campaign) & (fl["flight"] == flight)]
    if hit.empty:
        known = "、".join(f"{c} / {f}" for c, f in zip(fl["campaign"], fl["flight"])) or "（无 none）"
        raise InputError(f"排期表中没有这个波次 / No media schedule for campaign {campaign!r}, flight {flight!r}. "
                         f"Fix: use one of {known}.")
    return hit.iloc[0]["flight_start"], hit.iloc[0]["flight_end"]


def market_analysis(classified: pd.DataFrame, schedules: pd.DataFrame, notes: pd.DataFrame | None, campaign: str,
                    flight: str, *, client: str, competitors: list[str] | tuple[str, ...], margin_days: int) -> MarketAnalysis:
    """Insertions and spend of the client and each competitor before, during and after the flight; SOV during vs before."""
    start, end = flight_window(schedules, campaign, flight)
    w0, w1 = start - timedelta(days=margin_days), end + timedelta(days=margin_days)
    sov0 = start - timedelta(days=(end - start).days + 1)
    day = pd.to_datetime(classified["date"]).dt.date if not classified.empty else pd.Series(dtype=object)
    df = classified.assign(_day=day)
    ours = df[df["side"].isin(["client", "competitor"])]
    phase = pd.Series(None, index=ours.index, dtype=object)
    phase[(ours["_day"] >= w0) & (ours["_day"] < start)] = "before"
    phase[(ours["_day"] >= start) & (ours["_day"] <= end)] = "during"
    phase[(ours["_day"] > end) & (ours["_day"] <= w1)] = "after"
    window = ours.assign(phase=phase).dropna(subset=["phase"])

    names = [client, *competitors]
    grid = window.groupby(["advertiser", "phase"]).agg(insertions=("fen", "size"), fen=("fen", "sum"))
    rows = []
    for name in names:
        r: dict[str, Any] = {"advertiser": name, "side": "client" if name == client else "competitor"}
        for p, _, _ in PHASES:
            got = grid.loc[(name, p)] if (name, p) in grid.index else None
            r[f"{p}_insertions"] = int(got["insertions"]) if got is not None else 0
            r[f"{p}_fen"] = int(got["fen"]) if got is not None else 0
        rows.append(r)
    table = pd.DataFrame(rows)

    def sov(lo: date, hi: date) -> list:
        sel = df[(df["_day"] >= lo) & (df["_day"] <= hi)] if not df.empty else df
        per = sel.groupby("advertiser")["fen"].sum() if not sel.empty else pd.Series(dtype="int64")
        everyone_else = int(per.sum()) - int(per.reindex(names).fillna(0).sum())
        return shares([int(per.get(n, 0)) for n in names] + [everyone_else])[: len(names)]

    table["sov_during"] = sov(start, end)
    table["sov_before"] = sov(sov0, start - timedelta(days=1))
    clips = window.sort_values(["_day", "media", "advertiser"], kind="stable").drop(columns=["_day"]).reset_index(drop=True)
    sections: dict[str, list[str]] = {"competitors": [], "response": []}
    if notes is not None and not notes.empty:
        mine = notes[(notes["campaign"] == campaign) & (notes["flight"] == flight)]
        for s in sections:
            sections[s] = [str(t) for t in mine.loc[mine["section"] == s, "text"].dropna()]
    return MarketAnalysis(campaign, flight, start, end, w0, w1, sov0, table, clips, sections)
