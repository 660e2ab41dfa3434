"""Brand normalisation: the advertiser text of a clipping mapped to the client, a competitor, a named
other advertiser or the unmapped rest.

The map is made from `[client] brands` (reported as one advertiser, `[client] name`,
with the brand beneath), `[monitoring.competitors]` (display name = aliases) and the
brand-alias register (form `brand_aliases`), which extends the config: a register
alias the config already maps is left to the config (and said so in `notes`), and
an alias the register maps twice keeps its first mapping.  Names are compared by
`forms.catalog.brand_key` (width-, case- and space-insensitive).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

import numpy as np
import pandas as pd

from ..forms.catalog import brand_key
from ..money import to_fen

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["OTHER", "SIDES", "BrandMap", "brand_map", "classify"]

OTHER = "其他 Other"  # the advertiser the unmapped clippings are reported under
SIDES = ("client", "competitor", "other", "unmapped")


@dataclass(frozen=True)
class BrandMap:
    """brand_key(alias) -> (side, advertiser, brand); `notes` says which register rows were not used and why."""

    client: str
    entries: Mapping[str, tuple[str, str, str]]
    competitors: tuple[str, ...]  # display names, config order then the register's
    notes: tuple[str, ...] = ()


def brand_map(cfg: "Config", aliases: pd.DataFrame | None = None) -> BrandMap:
    """The advertiser map of the config extended by the register's rows (alias, brand, side)."""
    client = cfg.client.name
    entries: dict[str, tuple[str, str, str]] = {}
    for b in cfg.client.brands:
        entries.setdefault(brand_key(b), ("client", client, b))
    competitors = list(cfg.monitoring.competitors)
    for display, names in cfg.monitoring.competitors.items():
        for name in (display, *names):
            entries.setdefault(brand_key(name), ("competitor", display, display))
    configured = dict(entries)
    notes: list[str] = []
    if aliases is not None and not aliases.empty:
        ordered = aliases.sort_values(["_document_id", "_row"], kind="stable") if "_row" in aliases else aliases
        for r in ordered.to_dict("records"):
            key, brand, side = brand_key(r.get("alias")), r.get("brand"), r.get("side")
            if not key or not brand or side not in ("client", "competitor", "other"):
                continue
            target = (side, client if side == "client" else brand, brand)
            where = f"{r.get('_file', '')} {r.get('_cell_alias', '')}".strip()
            if key in configured:
                if configured[key][:2] != target[:2]:
                    notes.append(f"别名「{r.get('alias')}」已在 config.toml 中对应「{configured[key][1]}」，登记表（{where}）未采用 / "
                                 f"the alias {r.get('alias')!r} is mapped to {configured[key][1]!r} in config.toml; "
                                 f"the register's row ({where}) is not used")
                continue
            if key in entries and entries[key] != target:
                notes.append(f"别名「{r.get('alias')}」在登记表中对应两个显示名，采用先登记的「{entries[key][1]}」 / "
                             f"the alias {r.get('alias')!r} has two display names in the registers; "
                             f"the first, {entries[key][1]!r}, is used ({where})")
                continue
            entries[key] = target
            if side == "competitor" and brand not in competitors:
                competitors.append(brand)
    return BrandMap(client, MappingProxyType(entries), tuple(competitors), tuple(notes))


def classify(clips: pd.DataFrame, bmap: BrandMap, spellings: pd.Series | None = None) -> pd.DataFrame:
    """The clippings with `side`, `advertiser` (as reported), `brand`, `entity`, `month`, `fen` added.

    `advertiser` is `[client] name` for the client's brands, the display name for a
    competitor or a named other advertiser, and `OTHER` for the unmapped ones;
    `brand` is the client's brand, the display name, or the text as first written
    for an unmapped advertiser (its spellings grouped by brand_key); `entity` is who
    advertised (the advertiser, or that text for the unmapped), for new and stopped
    advertisers; `advertiser_raw` keeps what the clipping said.  `spellings`: the
    advertiser of every clipping in the ledger's order, when `clips` holds only some
    (a period): the first spelling is then the ledger's first, as with every clipping.
    """
    out = clips.copy()
    raw = out["advertiser"].astype(object)
    keys = raw.map({v: brand_key(v) for v in pd.unique(raw)})
    unique_keys = pd.unique(keys)
    found = {k: bmap.entries.get(k, ("unmapped", OTHER, None)) for k in unique_keys}
    out["advertiser_raw"] = raw
    out["side"] = keys.map({k: v[0] for k, v in found.items()})
    out["advertiser"] = keys.map({k: v[1] for k, v in found.items()})
    if spellings is not None and len(out):
        every = spellings.astype(object).reset_index(drop=True)
        every_keys = every.map({v: brand_key(v) for v in pd.unique(every)})
        first_spelling = keys.map(every.groupby(every_keys, sort=False).first())
    else:
        first_spelling = raw.groupby(keys, sort=False).transform("first") if len(out) else raw
    brand = keys.map({k: v[2] for k, v in found.items()})
    out["brand"] = brand.where(out["side"] != "unmapped", first_spelling)
    out["entity"] = out["advertiser"].where(out["side"] != "unmapped", first_spelling)
    day = pd.to_datetime(out["date"])
    ym = (day.dt.year * 100 + day.dt.month).astype("Int64")
    out["month"] = ym.map({v: f"{v // 100:04d}-{v % 100:02d}" for v in pd.unique(ym.dropna())}).astype(object)
    cost = out["est_cost"] if "est_cost" in out else pd.Series(None, index=out.index, dtype=object)
    out["fen"] = np.fromiter((_fen(v) for v in cost), dtype="int64", count=len(cost))
    return out


def _fen(value: Any) -> int:
    """Integer fen of a money value (half up); 0 for a blank."""
    if isinstance(value, Decimal):
        return int((value * 100).to_integral_value(ROUND_HALF_UP)) if value.is_finite() else 0
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return 0
    return to_fen(value)


def unmapped(classified: pd.DataFrame) -> list[dict[str, Any]]:
    """The unmapped advertisers (as first written) with their clipping counts, most first."""
    rest = classified[classified["side"] == "unmapped"]
    if rest.empty:
        return []
    counts = rest.groupby("brand", sort=False).size().reset_index(name="clippings")
    counts = counts.sort_values(["clippings", "brand"], ascending=[False, True], kind="stable")
    return [{"advertiser": str(b), "clippings": int(n)} for b, n in zip(counts["brand"], counts["clippings"])]
