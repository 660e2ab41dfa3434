"""The monthly monitoring analysis: placements and new clippings, industry ad volume, competitors.

Pure: classified clippings (`brands.classify`) and a month in, a `MonitoringMonth`
out.  Every figure is a pandas group-by over the clipping frame with money in
integer fen; shares are Decimals rounded to `SHARE_PLACES` by the largest
remainder, so the shares of a month sum to exactly 1 over every advertiser,
"other" included.
"""
from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Iterable, Sequence

import pandas as pd

from ..errors import InputError
from ..money import fmt2, from_fen
from ..reconcile.sizes import parse_size
from .brands import OTHER

__all__ = [
    "SHARE_PLACES", "PARTS", "MonitoringMonth", "month_add", "months_back", "months_read", "shares", "change", "monitoring_month",
]

SHARE_PLACES = 4
PARTS = ("placements", "industry", "competitors")
_Q = Decimal(1).scaleb(-SHARE_PLACES)


# --------------------------------------------------------------------------- small exact helpers
def month_add(month: str, n: int) -> str:
    """`2026-11` + -1 -> `2026-10`; a bad month is refused (InputError) in Chinese and English."""
    try:
        y, m = (int(x) for x in month.split("-"))
        if not 1 <= m <= 12 or len(month) != 7:
            raise ValueError
    except ValueError:
        raise InputError(f"月份无效 / Not a month: {month!r}. Fix: write it YYYY-MM, e.g. 2026-10.") from None
    k = y * 12 + (m - 1) + n
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def months_read(month: str) -> tuple[date, date]:
    """The first and last day of the clippings `monitoring_month` reads: the month a year before to the month."""
    y0, m0 = (int(x) for x in month_add(month, -12).split("-"))
    y1, m1 = (int(x) for x in month_add(month, 0).split("-"))
    return date(y0, m0, 1), date(y1, m1, monthrange(y1, m1)[1])


def months_back(month: str, n: int) -> list[str]:
    """The `n` months ending with `month`, oldest first."""
    return [month_add(month, -i) for i in range(n - 1, -1, -1)]


def shares(values: Sequence[int]) -> list[Decimal | None]:
    """Each value's share of their sum, rounded to SHARE_PLACES so that they sum to exactly 1 (largest remainder).

    All None when the sum is 0 (no share can be given).
    """
    total = sum(int(v) for v in values)
    if total <= 0:
        return [None] * len(values)
    unit = 10 ** SHARE_PLACES
    exact = [int(v) * unit for v in values]
    floors = [e // total for e in exact]
    left = unit - sum(floors)
    order = sorted(range(len(values)), key=lambda i: (-(exact[i] % total), i))
    for i in order[:left]:
        floors[i] += 1
    return [Decimal(f) / unit for f in floors]


def change(now: int, before: int) -> Decimal | None:
    """(now − before) ÷ before as a Decimal (0.25 = +25 %); None when there was nothing before."""
    if not before:
        return None
    return (Decimal(int(now) - int(before)) / Decimal(int(before))).quantize(_Q)


def _share_text(v: Decimal | None) -> str | None:
    """A share or a change as JSON prints it: a decimal string with SHARE_PLACES places."""
    return None if v is None else f"{v:.{SHARE_PLACES}f}"


# --------------------------------------------------------------------------- the result
@dataclass
class MonitoringMonth:
    """Every figure of the three monthly monitoring parts of one month."""

    month: str
    client: str
    clippings: int  # all clippings of the month
    new_creatives: int
    by_brand: pd.DataFrame  # advertiser, side, insertions, fen, sov_spend, sov_insertions, prev_*, yoy_*, change_*, rank, rank_change
    top: pd.DataFrame  # the first top_n of by_brand by rank
    gap: dict[str, Any]  # first, second, fen, insertions, share
    by_media: pd.DataFrame  # media, advertiser, insertions, fen, sov_spend
    trailing: pd.DataFrame  # advertiser, insertions, fen, sov_spend over the trailing 12 months
    spend_series: pd.DataFrame  # advertiser x month (trailing 12), fen (the chart's top advertisers, the rest summed)
    sov_series: pd.DataFrame  # advertiser x month, Decimal shares of spend
    new_advertisers: list[str]
    stopped_advertisers: list[str]
    unmapped: list[dict[str, Any]]
    placements: pd.DataFrame  # the client's and competitors' clippings of the month, new creatives first
    placement_counts: pd.DataFrame  # brand x media counts (client brands, competitors)
    competitors: pd.DataFrame  # the client and each competitor: insertions, fen, changes, top media, size mix, new themes
    group_share: pd.DataFrame  # the pie: the client, each competitor and everyone else, share of spend
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The issue's shape: month, counts, by_brand, unmapped, new and stopped advertisers."""
        return {
            "month": self.month,
            "clippings": self.clippings,
            "new_creatives": self.new_creatives,
            "by_brand": [
                {
                    "brand": r["advertiser"],
                    "insertions": int(r["insertions"]),
                    "spend": fmt2(from_fen(int(r["fen"]))),
                    "sov_spend": _share_text(r["sov_spend"]),
                    "sov_insertions": _share_text(r["sov_insertions"]),
                    "change_insertions": _share_text(r["change_insertions"]),
                    "change_spend": _share_text(r["change_spend"]),
                    "rank": None if pd.isna(r["rank"]) else int(r["rank"]),
                    "rank_change": None if pd.isna(r["rank_change"]) else int(r["rank_change"]),
                }
                for r in self.by_brand.to_dict("records")
            ],
            "unmapped": list(self.unmapped),
            "new_advertisers": list(self.new_advertisers),
            "stopped_advertisers": list(self.stopped_advertisers),
        }


# --------------------------------------------------------------------------- group-bys
def _volume(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    if df.empty:
        return pd.DataFrame({**{k: pd.Series(dtype=object) for k in by},
                             "insertions": pd.Series(dtype="int64"), "fen": pd.Series(dtype="int64")})
    return df.groupby(by, sort=False).agg(insertions=("fen", "size"), fen=("fen", "sum")).reset_index()


def _ranks(vol: pd.DataFrame) -> dict[str, int]:
    """advertiser -> rank by spend, then insertions, then name; "other" is not ranked."""
    named = vol[vol["advertiser"] != OTHER].sort_values(
        ["fen", "insertions", "advertiser"], ascending=[False, False, True], kind="stable")
    return {a: i for i, a in enumerate(named["advertiser"], 1)}


def _lookup(vol: pd.DataFrame, col: str) -> dict[str, int]:
    return dict(zip(vol["advertiser"], vol[col].astype("int64")))


def _by_brand(month_df: pd.DataFrame, prev_df: pd.DataFrame, yoy_df: pd.DataFrame) -> pd.DataFrame:
    cur, prev, yoy = _volume(month_df, ["advertiser", "side"]), _volume(prev_df, ["advertiser"]), _volume(yoy_df, ["advertiser"])
    rank, prev_rank = _ranks(cur), _ranks(prev)
    cur["rank"] = cur["advertiser"].map(rank).astype("Int64")
    cur["rank_change"] = pd.array(
        [prev_rank[a] - rank[a] if a in rank and a in prev_rank else None for a in cur["advertiser"]], dtype="Int64")
    cur["sov_spend"] = shares(cur["fen"].tolist())
    cur["sov_insertions"] = shares(cur["insertions"].tolist())
    for label, other in (("prev", prev), ("yoy", yoy)):
        for col in ("insertions", "fen"):
            cur[f"{label}_{col}"] = cur["advertiser"].map(_lookup(other, col)).fillna(0).astype("int64")
    cur["change_insertions"] = [change(a, b) for a, b in zip(cur["insertions"], cur["prev_insertions"])]
    cur["change_spend"] = [change(a, b) for a, b in zip(cur["fen"], cur["prev_fen"])]
    cur["yoy_change_insertions"] = [change(a, b) for a, b in zip(cur["insertions"], cur["yoy_insertions"])]
    cur["yoy_change_spend"] = [change(a, b) for a, b in zip(cur["fen"], cur["yoy_fen"])]
    cur["_other"] = cur["advertiser"] == OTHER
    cur = cur.sort_values(["_other", "rank", "advertiser"], kind="stable", na_position="last")
    return cur.drop(columns="_other").reset_index(drop=True)


def _series(window: pd.DataFrame, months: list[str], keep: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spend (fen) and share of spend per advertiser x month; advertisers outside `keep` summed as the rest."""
    rest = "其余 The rest"
    name = window["advertiser"].where(window["advertiser"].isin(keep), rest)
    fen = window.assign(advertiser=name).pivot_table(index="advertiser", columns="month", values="fen",
                                                     aggfunc="sum", fill_value=0)
    fen = fen.reindex(columns=months, fill_value=0)
    order = [a for a in keep if a in fen.index] + ([rest] if rest in fen.index else [])
    fen = fen.reindex(order).astype("int64")
    sov = pd.DataFrame({m: shares(fen[m].tolist()) for m in months}, index=fen.index) if len(fen) else fen.astype(object)
    return fen, sov


def _size_mix(sizes: Iterable[Any]) -> str:
    labels = pd.Series([parse_size(s).label or "—" for s in sizes])
    counts = labels.value_counts(sort=True)
    return " · ".join(f"{k} {v}" for k, v in counts.items())


def _competitors(month_df: pd.DataFrame, by_brand: pd.DataFrame, client: str, competitors: Sequence[str]) -> pd.DataFrame:
    names = [client, *competitors]
    base = by_brand.set_index("advertiser")
    rows = []
    for name in names:
        mine = month_df[month_df["advertiser"] == name]
        got = base.loc[name] if name in base.index else None
        media = mine.groupby("media").size().sort_values(ascending=False, kind="stable") if not mine.empty else pd.Series(dtype=int)
        themes = mine.loc[mine["new_creative"].fillna(False).astype(bool), "theme"].dropna().unique().tolist()
        rows.append({
            "advertiser": name,
            "side": "client" if name == client else "competitor",
            "insertions": int(got["insertions"]) if got is not None else 0,
            "fen": int(got["fen"]) if got is not None else 0,
            "prev_insertions": int(got["prev_insertions"]) if got is not None else 0,
            "prev_fen": int(got["prev_fen"]) if got is not None else 0,
            "yoy_insertions": int(got["yoy_insertions"]) if got is not None else 0,
            "yoy_fen": int(got["yoy_fen"]) if got is not None else 0,
            "change_insertions": got["change_insertions"] if got is not None else None,
            "change_spend": got["change_spend"] if got is not None else None,
            "yoy_change_insertions": got["yoy_change_insertions"] if got is not None else None,
            "yoy_change_spend": got["yoy_change_spend"] if got is not None else None,
            "top_media": " · ".join(f"{m} {n}" for m, n in media.head(3).items()),
            "size_mix": _size_mix(mine["size"]) if not mine.empty else "",
            "new_themes": "；".join(str(t) for t in themes),
        })
    return pd.DataFrame(rows)


def monitoring_month(classified: pd.DataFrame, month: str, *, client: str, competitors: Sequence[str],
                     unmapped: list[dict[str, Any]] | None = None, top_n: int = 10, chart_advertisers: int = 8,
                     notes: Sequence[str] = ()) -> MonitoringMonth:
    """The three parts of `month` from classified clippings (any months; those needed are picked here)."""
    from .brands import unmapped as unmapped_of

    months = months_back(month, 12)
    prev_m, yoy_m = month_add(month, -1), month_add(month, -12)
    df = classified[classified["month"].isin([*months, yoy_m])]
    month_df = df[df["month"] == month]
    prev_df, yoy_df = df[df["month"] == prev_m], df[df["month"] == yoy_m]
    by_brand = _by_brand(month_df, prev_df, yoy_df)

    ranked = by_brand[by_brand["rank"].notna()]
    top = ranked.head(top_n).reset_index(drop=True)
    gap: dict[str, Any] = {}
    if len(ranked) >= 2:
        a, b = ranked.iloc[0], ranked.iloc[1]
        gap = {"first": a["advertiser"], "second": b["advertiser"], "fen": int(a["fen"]) - int(b["fen"]),
               "insertions": int(a["insertions"]) - int(b["insertions"]),
               "share": (a["sov_spend"] - b["sov_spend"]) if a["sov_spend"] is not None else None}

    media = _volume(month_df, ["media", "advertiser"])
    if not media.empty:
        media["sov_spend"] = None
        parts = [g.assign(sov_spend=shares(g["fen"].tolist())) for _, g in media.groupby("media", sort=True)]
        media = pd.concat(parts).sort_values(["media", "fen", "advertiser"], ascending=[True, False, True], kind="stable")
        media = media.reset_index(drop=True)

    window = df[df["month"].isin(months)]
    trailing = _volume(window, ["advertiser"])
    trailing["sov_spend"] = shares(trailing["fen"].tolist())
    trailing = trailing.sort_values(["fen", "advertiser"], ascending=[False, True], kind="stable").reset_index(drop=True)
    keep = [a for a in trailing["advertiser"] if a != OTHER][:chart_advertisers]
    if OTHER in set(trailing["advertiser"]):
        keep.append(OTHER)
    spend_series, sov_series = _series(window, months, keep)

    now_set = set(month_df["entity"].dropna())
    before_set = set(prev_df["entity"].dropna())
    new_adv = sorted(now_set - before_set)
    stopped = sorted(before_set - now_set)

    ours = month_df[month_df["side"].isin(["client", "competitor"])].copy()
    ours["_new"] = ~ours["new_creative"].fillna(False).astype(bool)
    ours = ours.sort_values(["_new", "date", "media", "advertiser"], kind="stable").drop(columns="_new").reset_index(drop=True)
    counts = (ours.pivot_table(index="brand", columns="media", values="fen", aggfunc="size", fill_value=0)
              if not ours.empty else pd.DataFrame())

    comp = _competitors(month_df, by_brand, client, competitors)
    group = comp[["advertiser", "fen"]].copy()
    rest_fen = int(by_brand["fen"].sum()) - int(group["fen"].sum())
    group = pd.concat([group, pd.DataFrame([{"advertiser": "其他广告主 Everyone else", "fen": rest_fen}])], ignore_index=True)
    group["share"] = shares(group["fen"].tolist())

    return MonitoringMonth(
        month=month, client=client, clippings=int(len(month_df)),
        new_creatives=int(month_df["new_creative"].fillna(False).astype(bool).sum()) if len(month_df) else 0,
        by_brand=by_brand, top=top, gap=gap, by_media=media, trailing=trailing,
        spend_series=spend_series, sov_series=sov_series, new_advertisers=new_adv, stopped_advertisers=stopped,
        unmapped=unmapped if unmapped is not None else unmapped_of(month_df),
        placements=ours, placement_counts=counts, competitors=comp, group_share=group, notes=list(notes),
    )
