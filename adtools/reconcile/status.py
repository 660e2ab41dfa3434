"""A reconciliation code for every insertion, and the exceptions: what needs a person's look.

Codes, in the order they are checked (`STATUSES`):

- `invoiced_cancelled` / `cancelled`: the booking was cancelled (an invoice came anyway / none did);
- `matched`: it ran (a client clipping) and its invoice lines add up to the booked net exactly;
- `within_tolerance`: it ran, and the invoice differs from the net by no more than
  `[reconcile] tolerance_amount` RMB or `tolerance_share` of the net (a lower
  invoice only when `allow_negative`);
- `amount_differs`: invoiced, and the invoice differs by more (whether it ran or not);
- `ran_not_invoiced`: it ran and no invoice has come: to accrue;
- `invoiced_not_seen`: billed at the net (or within tolerance), but no clipping shows it ran;
- `not_yet_run`: neither seen nor invoiced, and its run date (+ `[monitoring] match_days`)
  is after the as-of date: nothing to chase yet;
- `booked_not_seen`: neither seen nor invoiced though its run date has passed.

Exceptions (`EXCEPTION_TYPES`): every insertion whose code is not `matched`,
`within_tolerance`, `cancelled` or `not_yet_run`; `seen_not_booked` (a client clipping
no booking explains: a free bonus or a mistake); `invoiced_not_booked` (an invoice
line no booking explains); `duplicate_invoice` (an invoice number and line entered
twice: counted once, the copy listed).  Each row names its sources on both sides and
the difference (invoiced − booked, in fen).
"""
from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..money import to_fen
from .matching import Matching

__all__ = ["STATUSES", "EXCEPTION_TYPES", "OK_STATUSES", "insertion_status", "within_tolerance", "exceptions"]

#: code -> (中文, English), in the order checked
STATUSES = {
    "invoiced_cancelled": ("已取消仍开票", "Invoiced though cancelled"),
    "cancelled": ("已取消", "Cancelled"),
    "matched": ("已核对", "Matched"),
    "within_tolerance": ("容差内", "Within tolerance"),
    "amount_differs": ("金额不符", "Amount differs"),
    "ran_not_invoiced": ("已刊未开票（待计提）", "Ran, not invoiced (accrue)"),
    "invoiced_not_seen": ("已开票未见刊", "Invoiced, not seen"),
    "not_yet_run": ("未到刊期", "Not yet run"),
    "booked_not_seen": ("已订未见刊", "Booked, not seen"),
}
#: codes that need no one's attention
OK_STATUSES = ("matched", "within_tolerance", "cancelled", "not_yet_run")
#: type -> (中文, English)
EXCEPTION_TYPES = {
    **{k: v for k, v in STATUSES.items() if k not in OK_STATUSES},
    "seen_not_booked": ("见刊未订位", "Seen, not booked"),
    "invoiced_not_booked": ("开票无订位", "Invoiced, not booked"),
    "duplicate_invoice": ("重复发票", "Duplicate invoice"),
}


def within_tolerance(difference_fen: pd.Series, net_fen: pd.Series, cfg: Any) -> pd.Series:
    """Whether each |invoiced − net| is within `[reconcile]`'s band (exactly: integers, no floats).

    A difference of 0 is always within; a negative one only if `allow_negative`.
    """
    rc = cfg.reconcile
    diff = difference_fen.astype("Int64")
    absd = diff.abs()
    by_amount = absd.le(to_fen(rc.tolerance_amount))
    p, q = rc.tolerance_share.as_integer_ratio()
    # |d| <= share x net  <=>  |d| x q <= p x net, in Python integers (no overflow, no rounding)
    a = absd.astype(object).where(absd.notna(), None)
    n = net_fen.astype("Int64").astype(object).where(net_fen.notna(), 0)
    by_share = pd.Series([x is not None and x * q <= p * abs(int(m)) for x, m in zip(a, n)], index=diff.index, dtype=bool)
    sign_ok = diff.ge(0) | bool(rc.allow_negative)
    return (diff.eq(0) | ((by_amount | by_share) & sign_ok)).fillna(False).astype(bool)


def insertion_status(ins: pd.DataFrame, cfg: Any, as_of: date) -> pd.DataFrame:
    """`ins` (matching's insertions) with `difference_fen` (invoiced − net, <NA> when not invoiced) and `status`.

    The schedule's own status (booked / cancelled) moves to `booking_status`; `status` becomes the code.
    """
    out = ins.copy()
    out["booking_status"] = out["status"]  # booked | cancelled, as the schedule says
    net = out["net_fen"].astype("Int64").fillna(0)
    invoiced = out["invoiced_fen"].astype("Int64")
    out["difference_fen"] = (invoiced - net).astype("Int64")
    has_inv = invoiced.notna().to_numpy()
    ran = out["clipping"].notna().to_numpy()
    cancelled = out["status"].eq("cancelled").to_numpy()
    exact = out["difference_fen"].eq(0).fillna(False).to_numpy()
    within = within_tolerance(out["difference_fen"], net, cfg).to_numpy()
    due = pd.Timestamp(as_of) - pd.Timedelta(days=int(cfg.monitoring.match_days))
    future = (out["date"] > due).fillna(False).to_numpy()
    out["status"] = np.select(
        [cancelled & has_inv, cancelled, has_inv & ran & exact, has_inv & ran & within, has_inv & ~within,
         ran & ~has_inv, has_inv & ~ran, future],
        ["invoiced_cancelled", "cancelled", "matched", "within_tolerance", "amount_differs",
         "ran_not_invoiced", "invoiced_not_seen", "not_yet_run"],
        default="booked_not_seen",
    )
    return out


_EXC_COLUMNS = ["type", "campaign", "flight", "media", "date", "size", "booking_ref", "invoice_no", "clipping_ref",
                "booked_fen", "invoiced_fen", "difference_fen", "booking_source", "other_source", "note"]


def exceptions(m: Matching, statused: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Every exception (see the module), one row each, ordered by type (EXCEPTION_TYPES), date, media."""
    parts = []
    bad = statused[~statused["status"].isin(OK_STATUSES)]
    if not bad.empty:
        other = bad["clipping_source"].astype(object).where(bad["clipping_source"].notna(), None)
        inv_src = bad["invoice_sources"].map(lambda t: "; ".join(t))
        parts.append(pd.DataFrame({
            "type": bad["status"], "campaign": bad["campaign"], "flight": bad["flight"], "media": bad["media"],
            "date": bad["date"], "size": bad["size"], "booking_ref": bad["booking_ref"], "invoice_no": bad["invoice_no"],
            "clipping_ref": bad["clipping_ref"], "booked_fen": bad["net_fen"], "invoiced_fen": bad["invoiced_fen"],
            "difference_fen": bad["difference_fen"], "booking_source": bad["source"],
            "other_source": [("; ".join(x for x in (c, i) if x)) or None for c, i in zip(other, inv_src)],
            "note": (bad["clipping_note"].fillna("") + " " + bad["invoice_note"].fillna("")).str.strip(),
        }))
    cl = m.clippings
    seen = cl[cl["insertion"].isna() & (cl["date"] <= pd.Timestamp(as_of))]
    if not seen.empty:
        parts.append(pd.DataFrame({
            "type": "seen_not_booked", "campaign": None, "flight": None, "media": seen["media"], "date": seen["date"],
            "size": seen["size"], "booking_ref": None, "invoice_no": None, "clipping_ref": seen["clipping_ref"],
            "booked_fen": pd.NA, "invoiced_fen": pd.NA, "difference_fen": pd.NA, "booking_source": None,
            "other_source": seen["source"],
            "note": "监测到客户广告但无订位：赠送版面或差错 / a client ad in the monitoring log with no booking: a bonus or a mistake",
        }))
    inv = m.invoices
    by_line = inv.set_index("line")
    camp = statused.set_index("insertion")["campaign"]
    for kind, rows in (("invoiced_not_booked", inv[inv["insertion"].isna() & inv["duplicate_of"].isna()]),
                       ("duplicate_invoice", inv[inv["duplicate_of"].notna()])):
        if rows.empty:
            continue
        if kind == "duplicate_invoice":
            original = rows["duplicate_of"].astype(np.int64)
            campaign = original.map(by_line["insertion"]).map(camp)
            note = "与 " + original.map(by_line["source"]) + " 重复，只计一次 / the same line as " + original.map(
                by_line["source"]) + "; counted once"
            booking_src = original.map(by_line["source"])
        else:
            campaign = None
            note = rows["booking_ref"].map(
                lambda r: f"订位号 {r} 不在排期中 / booking ref {r} is in no current schedule" if r else
                "无订位号，也无相同媒体、日期、规格的订位 / no booking ref and no booking of this media, date and size")
            booking_src = None
        parts.append(pd.DataFrame({
            "type": kind, "campaign": campaign, "flight": None, "media": rows["media"], "date": rows["date"],
            "size": rows["size"], "booking_ref": rows["booking_ref"], "invoice_no": rows["invoice_no"],
            "clipping_ref": None, "booked_fen": pd.NA, "invoiced_fen": rows["amount_fen"],
            "difference_fen": rows["amount_fen"], "booking_source": booking_src, "other_source": rows["source"],
            "note": note,
        }))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _EXC_COLUMNS})
    out = pd.concat(parts, ignore_index=True)[_EXC_COLUMNS]
    for c in ("booked_fen", "invoiced_fen", "difference_fen"):
        out[c] = out[c].astype("Int64")
    for c in ("campaign", "flight", "media", "size", "booking_ref", "invoice_no", "clipping_ref", "booking_source",
              "other_source", "note"):
        out[c] = out[c].astype(object).where(out[c].notna(), None)
    order = {k: i for i, k in enumerate(EXCEPTION_TYPES)}
    out["_t"] = out["type"].map(order)
    out = out.sort_values(["_t", "date", "media", "booking_ref", "invoice_no"], kind="stable", na_position="last")
    return out.drop(columns="_t").reset_index(drop=True)
