"""The three-way match: each booked insertion to the client clipping that shows it ran and to its invoice lines.

Public API (reused by the flight execution report and the rights report):

- `client_clippings(clippings, aliases)`: the clippings of the client's own ads,
  the advertiser compared with each alias case-, width- and space-insensitively.
  `aliases` is any list of names: `client_aliases(cfg)` gives `[client] brands`,
  and a caller holding more (the brand-alias register) passes them as `extra`.
- `match(schedule_rows, clippings, invoices, cfg, *, aliases=None)` -> `Matching`
  with three frames: `insertions` (one row per booked or cancelled insertion of the
  current media-schedule versions, with its clipping and invoice columns),
  `clippings` (the client's clippings, each with the insertion it matched or none)
  and `invoices` (every invoice line, duplicates flagged, each with the insertion
  it matched or none).
- `match_insertions(...)` -> `Matching.insertions` alone.

The rules:

- the current version of a media schedule is the highest `version` of its
  (campaign, flight); only its rows with status `booked` or `cancelled` take part;
- clipping ↔ booked insertion (never a cancelled one): same media (normalised text),
  same size (`parse_size(text).key`: 整版 = full page, `35×24cm` = `３５*２４`), run
  dates at most `[monitoring] match_days` apart;
- invoice line ↔ insertion: by booking ref (every line naming the ref goes to its
  booking: a booking may be invoiced in parts); a line whose ref is blank or names
  no insertion falls back to same media + run date + size, one line per insertion,
  booked insertions before cancelled ones, insertions already invoiced by ref left out;
- the same invoice number with the same line (media, date, size, ref, amount) twice
  is a duplicate: counted once, the later copy flagged `duplicate_of`;
- one clipping and one invoice line match at most one insertion.  Where several
  could, candidate pairs are taken greedily in one total order: nearer run date
  first, then a booked insertion before a cancelled one, then the insertion earlier
  in the schedule (run date, booking ref, file, row), then the clipping / line
  earlier in its log (date, ref, file, row).  The result does not depend on row
  order, and each match carries a note saying how it was made and who lost a tie.

Columns added to an insertion: `insertion` (int id, in schedule order), `media_key`,
`size_key`, `size_label`, `net_fen`, `source` (`[file]sheet!cell` of its net),
`clipping_ref`, `clipping_date`, `clipping_source`, `clipping_note`, `invoice_no`
(the matched lines' numbers, `; `-joined), `invoiced_fen` (sum, <NA> when none),
`invoice_lines` (count), `invoice_sources` (tuple), `invoice_how`
(`booking_ref` | `media_date_size` | None), `invoice_note`.  Notes are bilingual
text, empty when the match was the only candidate.

Pure: frames and config in, frames out; merges and group-bys, no row loops over
bookings x clippings or bookings x invoices.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

from ..fees._money_frames import _as_datetime, _frame, _sources
from ..money import to_fen
from ..forms.catalog import brand_key
from .sizes import parse_size

__all__ = ["Matching", "match", "match_insertions", "client_clippings", "client_aliases", "normalise_name"]

_SCHEDULE_COLUMNS = ("campaign", "flight", "version", "job_no", "media", "city", "date", "size", "colour", "position",
                     "gross", "net", "status", "booking_ref")
_CLIPPING_COLUMNS = ("date", "media", "advertiser", "size", "clipping_ref", "product", "theme")
#: the monitoring log's fields `match` reads (with each row's provenance): a caller may read only these
CLIPPING_FIELDS = _CLIPPING_COLUMNS
_INVOICE_COLUMNS = ("invoice_no", "media", "date", "size", "booking_ref", "amount")
_ACTIVE = ("booked", "cancelled")


@dataclass(frozen=True, eq=False)
class Matching:
    """The match of insertions, client clippings and invoice lines (see the module's rules)."""

    insertions: pd.DataFrame
    clippings: pd.DataFrame  # the client's clippings: + insertion (Int64, <NA> unmatched), source, note
    invoices: pd.DataFrame  # every invoice line: + insertion (Int64), amount_fen, source, duplicate_of, how


# --------------------------------------------------------------------------- names
def normalise_name(value: Any) -> str:
    """Text compared case-, width- and space-insensitively: `Ｈａｉｅｒ ` == `haier`."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return brand_key(value)  # the catalog's one key for names (the brand-alias register matches on it too)


def client_aliases(cfg: Any, extra: Iterable[str] = ()) -> tuple[str, ...]:
    """How the client's own ads appear in clippings: `[client] brands`, then `extra` (e.g. the brand-alias register)."""
    seen: dict[str, str] = {}
    for name in (*cfg.client.brands, *extra):
        key = normalise_name(name)
        if key and key not in seen:
            seen[key] = str(name)
    return tuple(seen.values())


def _keys(series: pd.Series) -> pd.Series:
    """normalise_name of each distinct value once."""
    uniques = pd.unique(series.astype(object))
    table = {u: normalise_name(u) for u in uniques}
    return series.astype(object).map(table).astype(object)


def _size_keys(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    uniques = pd.unique(series.astype(object))
    parsed = {u: parse_size(None if u is None or (not isinstance(u, str) and pd.isna(u)) else u) for u in uniques}
    s = series.astype(object)
    return s.map({u: p.key for u, p in parsed.items()}), s.map({u: p.label for u, p in parsed.items()})


def _fen(series: pd.Series) -> pd.Series:
    """Integer fen of a money column (Decimal, int or str); <NA> where blank."""
    uniques = pd.unique(series.astype(object))
    table = {}
    for u in uniques:
        if u is None or (not isinstance(u, str) and pd.isna(u)) or (isinstance(u, str) and not u.strip()):
            continue
        if isinstance(u, float):
            raise TypeError(f"money as a binary float {u!r} reached the reconciliation; build frames with Decimal")
        table[u] = to_fen(u)
    return series.astype(object).map(table).astype("Int64")


def client_clippings(clippings: pd.DataFrame | None, aliases: Sequence[str]) -> pd.DataFrame:
    """The rows of a monitoring log whose advertiser is one of `aliases` (case-, width-, space-insensitive)."""
    df = _frame(clippings, _CLIPPING_COLUMNS)
    wanted = {normalise_name(a) for a in aliases} - {""}
    return df[_keys(df["advertiser"]).isin(wanted)].copy()


# --------------------------------------------------------------------------- preparation
def _order_key(df: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    """A dense position in the total order of `by` (+ file, row): ties broken the same way whatever the input order."""
    cols = [c for c in (*by, "_file", "_row") if c in df.columns]
    key = df[cols].copy()
    for c in cols:
        if key[c].dtype == object or str(key[c].dtype).startswith("string"):
            key[c] = key[c].astype(object).where(key[c].notna(), "").astype(str)
    order = key.sort_values(cols, kind="stable", na_position="last").index
    pos = pd.Series(np.arange(len(order), dtype=np.int64), index=order)
    return pos.reindex(df.index)


def current_schedule(schedule_rows: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of the current version of each (campaign, flight) media schedule, booked or cancelled only."""
    df = _frame(schedule_rows, _SCHEDULE_COLUMNS)
    if df.empty:
        return df
    version = pd.to_numeric(df["version"], errors="coerce").fillna(0)
    latest = version.groupby([df["campaign"].astype(object).fillna(""), df["flight"].astype(object).fillna("")]).transform("max")
    return df[version.eq(latest) & df["status"].isin(_ACTIVE)].copy()


def _prepare_insertions(schedule_rows: pd.DataFrame | None) -> pd.DataFrame:
    ins = current_schedule(schedule_rows)
    ins["date"] = _as_datetime(ins["date"])
    ins["media_key"] = _keys(ins["media"])
    ins["size_key"], ins["size_label"] = _size_keys(ins["size"])
    ins["ref_key"] = _keys(ins["booking_ref"])
    ins["net_fen"] = _fen(ins["net"])
    ins["source"] = _sources(ins, "net")
    ins["_cancelled"] = ins["status"].eq("cancelled").astype(np.int64)
    ins["_order"] = _order_key(ins, ["date", "booking_ref", "media"])
    ins = ins.sort_values("_order", kind="stable").reset_index(drop=True)
    ins["insertion"] = np.arange(len(ins), dtype=np.int64)
    return ins


def _prepare_clippings(clippings: pd.DataFrame | None, aliases: Sequence[str]) -> pd.DataFrame:
    cl = client_clippings(clippings, aliases)
    cl["date"] = _as_datetime(cl["date"])
    cl["media_key"] = _keys(cl["media"])
    cl["size_key"], cl["size_label"] = _size_keys(cl["size"])
    cl["source"] = _sources(cl, "advertiser")
    cl["_order"] = _order_key(cl, ["date", "clipping_ref", "media"])
    cl = cl.sort_values("_order", kind="stable").reset_index(drop=True)
    cl["clipping"] = np.arange(len(cl), dtype=np.int64)
    return cl


def _prepare_invoices(invoices: pd.DataFrame | None) -> pd.DataFrame:
    inv = _frame(invoices, _INVOICE_COLUMNS)
    inv["date"] = _as_datetime(inv["date"])
    inv["media_key"] = _keys(inv["media"])
    inv["size_key"], inv["size_label"] = _size_keys(inv["size"])
    inv["ref_key"] = _keys(inv["booking_ref"])
    inv["no_key"] = _keys(inv["invoice_no"])
    inv["amount_fen"] = _fen(inv["amount"])
    inv["source"] = _sources(inv, "amount")
    inv["_order"] = _order_key(inv, ["date", "invoice_no", "booking_ref", "media"])
    inv = inv.sort_values("_order", kind="stable").reset_index(drop=True)
    inv["line"] = np.arange(len(inv), dtype=np.int64)
    same = ["no_key", "media_key", "date", "size_key", "ref_key", "amount_fen"]
    first = inv.groupby(same, sort=False, dropna=False)["line"].transform("min") if len(inv) else inv["line"]
    inv["duplicate_of"] = first.where(first.ne(inv["line"]) & inv["no_key"].ne(""), pd.NA).astype("Int64")
    return inv


# --------------------------------------------------------------------------- one-to-one
def _greedy(cand: pd.DataFrame, left: str, right: str, rank: Sequence[str]) -> pd.DataFrame:
    """Pairs taken in the total order `rank`, each `left` and each `right` at most once (the greedy match).

    Each round accepts every pair that is the first remaining one of both its sides;
    such a pair is exactly the one the sequential greedy walk would accept, so the
    rounds give the same result in a few vectorised steps.
    """
    if cand.empty:
        return cand.iloc[0:0]
    cand = cand.sort_values(list(rank), kind="stable").reset_index(drop=True)
    cand["_p"] = np.arange(len(cand), dtype=np.int64)
    taken = []
    while not cand.empty:
        first_l = cand.drop_duplicates(left)["_p"]
        first_r = cand.drop_duplicates(right)["_p"]
        ok = cand["_p"].isin(np.intersect1d(first_l.to_numpy(), first_r.to_numpy()))
        won = cand[ok]
        taken.append(won)
        cand = cand[~cand[left].isin(won[left]) & ~cand[right].isin(won[right])]
    return pd.concat(taken, ignore_index=True).drop(columns="_p")


def _candidates_by_day(ins: pd.DataFrame, other: pd.DataFrame, days: int, keys: Sequence[str]) -> pd.DataFrame:
    """Pairs with equal `keys` and run dates at most `days` apart (bookings expanded over the window, then merged)."""
    left = ins[["insertion", "_order", "_cancelled", "date", *keys]]
    if days:
        offsets = pd.DataFrame({"_shift": np.arange(-days, days + 1, dtype=np.int64)})
        left = left.merge(offsets, how="cross")
        left["date"] = left["date"] + pd.to_timedelta(left["_shift"], unit="D")
    else:
        left = left.assign(_shift=0)
    right = other.rename(columns={"_order": "_order_other"})
    cand = left.merge(right, on=["date", *keys], how="inner", suffixes=("", "_other"))
    cand["_distance"] = cand["_shift"].abs()
    return cand


def _match_clippings(ins: pd.DataFrame, cl: pd.DataFrame, days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(won: insertion, clipping, n_clips, n_rivals), (lost: insertion, clipping it could have had, winner)."""
    booked = ins[ins["_cancelled"].eq(0) & ins["date"].notna() & ins["media_key"].ne("")]
    other = cl.loc[cl["date"].notna() & cl["media_key"].ne(""), ["clipping", "_order", "date", "media_key", "size_key"]]
    cand = _candidates_by_day(booked, other, days, ["media_key", "size_key"])
    won = _greedy(cand, "insertion", "clipping", ["_distance", "_order", "_order_other"])
    n_for_ins = cand.groupby("insertion")["clipping"].nunique()
    n_for_clip = cand.groupby("clipping")["insertion"].nunique()
    # who lost a clipping it could have had: the insertion that took it
    lost = cand[~cand["insertion"].isin(won["insertion"])].merge(
        won[["clipping", "insertion"]].rename(columns={"insertion": "winner"}), on="clipping", how="inner")
    lost = lost.sort_values(["insertion", "_distance", "_order_other"], kind="stable").drop_duplicates("insertion")
    return won[["insertion", "clipping"]].assign(
        n_clips=lambda w: w["insertion"].map(n_for_ins).astype(np.int64),
        n_rivals=lambda w: w["clipping"].map(n_for_clip).astype(np.int64),
    ), lost[["insertion", "clipping", "winner"]]


def _match_invoices(ins: pd.DataFrame, inv: pd.DataFrame) -> pd.DataFrame:
    """line -> insertion, how: by booking ref (many lines to one insertion), else media + date + size (one to one)."""
    lines = inv[inv["duplicate_of"].isna()]
    with_ref = lines[lines["ref_key"].ne("")][["line", "ref_key", "_order"]]
    targets = ins.loc[ins["ref_key"].ne(""), ["insertion", "ref_key", "_cancelled", "_order"]]
    by_ref = with_ref.merge(targets, on="ref_key", suffixes=("_line", ""))
    # a ref found on two insertions (a copy-paste in the schedule): the booked one, then the earlier one
    by_ref = by_ref.sort_values(["line", "_cancelled", "_order"], kind="stable").drop_duplicates("line")
    by_ref = by_ref[["line", "insertion"]].assign(how="booking_ref")
    rest = lines[~lines["line"].isin(by_ref["line"])]
    free = ins[~ins["insertion"].isin(by_ref["insertion"]) & ins["date"].notna() & ins["media_key"].ne("")]
    other = rest.loc[rest["date"].notna() & rest["media_key"].ne(""), ["line", "_order", "date", "media_key", "size_key"]]
    cand = _candidates_by_day(free, other, 0, ["media_key", "size_key"])
    won = _greedy(cand, "insertion", "line", ["_cancelled", "_order", "_order_other"])
    n_for_line = cand.groupby("line")["insertion"].nunique()
    n_for_ins = cand.groupby("insertion")["line"].nunique()
    by_fields = won[["line", "insertion"]].assign(
        how="media_date_size",
        n_rivals=lambda w: w["line"].map(n_for_line).astype(np.int64),
        n_lines=lambda w: w["insertion"].map(n_for_ins).astype(np.int64),
    )
    return pd.concat([by_ref, by_fields], ignore_index=True)


# --------------------------------------------------------------------------- notes
def _clipping_notes(ins: pd.DataFrame, won: pd.DataFrame, lost: pd.DataFrame, cl: pd.DataFrame, days: int) -> pd.Series:
    """A note per insertion where a tie was broken: vectorised string building (ties can be thousands a year)."""
    note = pd.Series("", index=ins["insertion"].to_numpy(), dtype=object)
    w = won.set_index("insertion")
    many = w.index[w["n_clips"].gt(1)]
    n = w.loc[many, "n_clips"].astype(str)
    note.loc[many] = (n + " 条候选剪报，取日期最近、记录在前者 / " + n
                      + " candidate clippings: the nearest run date, then the earliest in the log, was taken")
    contested = w.index[w["n_rivals"].gt(1) & w["n_clips"].le(1)]
    k = w.loc[contested, "n_rivals"].astype(str)
    note.loc[contested] = (k + " 个订位争同一剪报，本订位日期最近/排期在前 / " + k
                           + " bookings could take this clipping; this one is nearest in date, then first in the schedule")
    if not lost.empty:
        ref = cl.set_index("clipping")["clipping_ref"].astype(object)
        src = cl.set_index("clipping")["source"].astype(object)
        what = lost["clipping"].map(ref).where(lambda x: x.notna(), lost["clipping"].map(src)).astype(str)
        ins_ref = ins.set_index("insertion")["booking_ref"].astype(object)
        winner = lost["winner"].map(ins_ref).where(lambda x: x.notna(), "#" + lost["winner"].astype(str)).astype(str)
        note.loc[lost["insertion"].to_numpy()] = (
            "唯一相符的剪报 " + what + " 已匹配给订位 " + winner + "（日期更近或排期在前）/ the clipping that fits, " + what
            + ", went to booking " + winner + " (nearer in date, or first in the schedule)").to_numpy()
    return pd.Series(note.to_numpy(), index=ins.index, dtype=object)


def _attach(ins: pd.DataFrame, cl: pd.DataFrame, inv: pd.DataFrame, clip_won: pd.DataFrame, clip_lost: pd.DataFrame,
            inv_won: pd.DataFrame, days: int) -> pd.DataFrame:
    out = ins.copy()
    won = clip_won[["insertion", "clipping"]].astype(np.int64)
    c = won.merge(cl[["clipping", "clipping_ref", "date", "source"]].rename(
        columns={"date": "clipping_date", "source": "clipping_source"}), on="clipping", how="left")
    out = out.merge(c, on="insertion", how="left")
    out.index = ins.index
    out["clipping"] = out["clipping"].astype("Int64")
    for col in ("clipping_ref", "clipping_source"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    out["clipping_date"] = _as_datetime(out["clipping_date"])
    out["clipping_note"] = _clipping_notes(out, clip_won, clip_lost, cl, days)

    inv_won = inv_won.astype({"line": np.int64, "insertion": np.int64})
    lines = inv_won.merge(inv[["line", "invoice_no", "amount_fen", "source", "_order"]], on="line", how="left")
    lines = lines.sort_values("_order", kind="stable")
    size = lines.groupby("insertion")["line"].transform("size")
    one = lines[size.eq(1)].set_index("insertion")  # the common case, without Python per group
    agg = pd.DataFrame({"invoice_no": one["invoice_no"], "invoiced_fen": one["amount_fen"],
                        "invoice_lines": 1, "invoice_sources": one["source"].map(lambda x: (x,)), "invoice_how": one["how"]})
    several = lines[size.gt(1)]
    if not several.empty:
        g = several.groupby("insertion", sort=False)
        agg = pd.concat([agg, pd.DataFrame({
            "invoice_no": g["invoice_no"].agg(lambda s: "; ".join(dict.fromkeys(str(x) for x in s if x is not None))),
            "invoiced_fen": g["amount_fen"].sum(min_count=1),
            "invoice_lines": g["line"].size(),
            "invoice_sources": g["source"].agg(tuple),
            "invoice_how": g["how"].first(),
        })])
    out = out.merge(agg, left_on="insertion", right_index=True, how="left")
    out["invoiced_fen"] = out["invoiced_fen"].astype("Int64")
    out["invoice_lines"] = out["invoice_lines"].fillna(0).astype(np.int64)
    for col in ("invoice_no", "invoice_how"):
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    out["invoice_sources"] = out["invoice_sources"].map(lambda s: s if isinstance(s, tuple) else ())
    out["invoice_note"] = _invoice_notes(out, lines, inv)
    return out


def _invoice_notes(out: pd.DataFrame, lines: pd.DataFrame, inv: pd.DataFrame) -> pd.Series:
    note = pd.Series("", index=out.index, dtype=object)
    if lines.empty:
        return note
    by_fields = lines[lines["how"].eq("media_date_size")]
    lost_ref = inv.set_index("line")["ref_key"]
    for row in by_fields.itertuples(index=False):
        parts = []
        if lost_ref.get(row.line):
            parts.append("发票上的订位号不在排期中，按媒体+日期+规格匹配 / the invoice's booking ref is not in the schedule; "
                         "matched by media + date + size")
        else:
            parts.append("发票无订位号，按媒体+日期+规格匹配 / no booking ref on the invoice; matched by media + date + size")
        if getattr(row, "n_rivals", 1) > 1:
            parts.append(f"{int(row.n_rivals)} 个订位相符，取已订位、排期在前者 / {int(row.n_rivals)} bookings fit; the booked "
                         "one first in the schedule was taken")
        note.iat[int(row.insertion)] = "; ".join(parts)
    multi = out["invoice_lines"].gt(1)
    note[multi] = note[multi].map(lambda n: (n + "; " if n else "")) + out.loc[multi, "invoice_lines"].map(
        lambda k: f"分 {k} 行开票，金额相加 / invoiced in {k} lines, amounts added")
    return note


# --------------------------------------------------------------------------- entry points
def match(
    schedule_rows: pd.DataFrame | None,
    clippings: pd.DataFrame | None,
    invoices: pd.DataFrame | None,
    cfg: Any,
    *,
    aliases: Sequence[str] | None = None,
) -> Matching:
    """Match the current bookings to the client's clippings and to invoice lines (see the module's rules).

    `schedule_rows`, `clippings`, `invoices`: `frames.rows(ledger, "media_schedule" /
    "monitoring" / "media_invoice")` or hand-built frames with those columns.
    `aliases`: the client's names in clippings (default `client_aliases(cfg)`).
    """
    days = int(cfg.monitoring.match_days)
    ins = _prepare_insertions(schedule_rows)
    cl = _prepare_clippings(clippings, client_aliases(cfg) if aliases is None else aliases)
    inv = _prepare_invoices(invoices)
    clip_won, clip_lost = _match_clippings(ins, cl, days)
    inv_won = _match_invoices(ins, inv)
    insertions = _attach(ins, cl, inv, clip_won, clip_lost, inv_won, days)
    cl["insertion"] = cl["clipping"].map(clip_won.set_index("clipping")["insertion"]).astype("Int64")
    inv["insertion"] = inv["line"].map(inv_won.set_index("line")["insertion"]).astype("Int64")
    inv["how"] = inv["line"].map(inv_won.set_index("line")["how"]).astype(object)
    inv["how"] = inv["how"].where(inv["how"].notna(), None)
    drop = ["_order", "_cancelled", "ref_key"]
    return Matching(
        insertions=insertions.drop(columns=[c for c in drop if c in insertions.columns]),
        clippings=cl.drop(columns=["_order"]),
        invoices=inv.drop(columns=["_order"]),
    )


def match_insertions(
    schedule_rows: pd.DataFrame | None,
    clippings: pd.DataFrame | None,
    invoices: pd.DataFrame | None,
    cfg: Any,
    *,
    aliases: Sequence[str] | None = None,
) -> pd.DataFrame:
    """`match(...).insertions`: each booked or cancelled insertion with its clipping and invoice columns."""
    return match(schedule_rows, clippings, invoices, cfg, aliases=aliases).insertions
