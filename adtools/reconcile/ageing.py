"""The payment reconciliation list (付款对账清单): per counterparty, billed against received or paid, aged.

Bills and the money that settles them, per counterparty, up to the end of the as-of day:

- the client (`[client] name`, receivable): the media invoiced on its campaigns (each
  matched invoice line, dated by its run date) and the fees and costs billed (each
  job's month, dated the month's last day, or the as-of day for the running month),
  settled by every payment in;
- each media (payable): its invoice lines (duplicates once), settled by payments out
  with purpose `media` or `media_prepayment` to it (names compared case-, width- and
  space-insensitively);
- each vendor of the cost log (payable): its billable lines with an amount, settled
  by payments out with purpose `production` or `other` to it.

Due date = bill date + `[reconcile] payment_terms_days`.  Money settles the oldest
bills first (by due date, then bill date); what is left of each bill is aged by its
days past due as of the report date into the buckets of `[reconcile] ageing_buckets`
(`[30, 60, 90]`: current, 1–30, 31–60, 61–90, over 90).  Money paid beyond the bills
is a credit: `outstanding` goes negative, the buckets stay 0.

"Pay when paid" (`pay_when_paid`): each unpaid media invoice line, `ready` when the
client's media prepayments received for its campaign cover the campaign's invoices
up to and including it (oldest first) and the line is not an exception, `on_hold`
when it is one (amount differs, not seen, cancelled, no booking), else `awaiting_client`.
"""
from __future__ import annotations

from datetime import date
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..fees._money_frames import _as_datetime, _frame, _sources
from .matching import _fen, _keys

__all__ = ["bucket_keys", "bucket_labels", "ageing", "pay_when_paid", "client_bills", "media_bills", "vendor_bills"]

_BILL_COLUMNS = ["counterparty", "side", "bill_date", "ref", "amount_fen", "source"]


def bucket_keys(buckets: Sequence[int]) -> list[str]:
    """`current`, `d1_30`, `d31_60`, `d61_90`, `over_90` for [30, 60, 90]."""
    keys, lo = ["current"], 1
    for hi in buckets:
        keys.append(f"d{lo}_{hi}")
        lo = hi + 1
    return [*keys, f"over_{buckets[-1]}"]


def bucket_labels(buckets: Sequence[int]) -> list[tuple[str, str]]:
    """(中文, English) of each bucket: 未到期 Current, 逾期1–30天 1–30 days past due, …"""
    out, lo = [("未到期", "Current")], 1
    for hi in buckets:
        out.append((f"逾期{lo}–{hi}天", f"{lo}–{hi} days past due"))
        lo = hi + 1
    return [*out, (f"逾期{buckets[-1]}天以上", f"Over {buckets[-1]} days past due")]


def client_bills(cfg: Any, statused: pd.DataFrame, invoices: pd.DataFrame, fees_billed: pd.DataFrame,
                 as_of: date) -> pd.DataFrame:
    """The client's bills: the invoiced media of its insertions and each job's fees per month."""
    lines = invoices[invoices["insertion"].notna()]
    media = pd.DataFrame({"counterparty": cfg.client.name, "side": "receivable", "bill_date": lines["date"],
                          "ref": lines["invoice_no"], "amount_fen": lines["amount_fen"], "source": lines["source"]})
    fees = fees_billed.copy()
    month_end = (pd.to_datetime(fees["period"] + "-01") + pd.offsets.MonthEnd(0)) if len(fees) else fees["period"]
    bill_date = month_end.where(month_end <= pd.Timestamp(as_of), pd.Timestamp(as_of)) if len(fees) else month_end
    fee_rows = pd.DataFrame({"counterparty": cfg.client.name, "side": "receivable", "bill_date": bill_date,
                             "ref": fees["job_no"].astype(str) + " " + fees["period"].astype(str) if len(fees) else fees["job_no"],
                             "amount_fen": fees["total"], "source": None})
    return pd.concat([media, fee_rows], ignore_index=True)[_BILL_COLUMNS]


def media_bills(invoices: pd.DataFrame) -> pd.DataFrame:
    """Each media's invoice lines (a duplicate once)."""
    lines = invoices[invoices["duplicate_of"].isna() & invoices["amount_fen"].notna()]
    return pd.DataFrame({"counterparty": lines["media"], "side": "payable", "bill_date": lines["date"],
                         "ref": lines["invoice_no"], "amount_fen": lines["amount_fen"], "source": lines["source"],
                         "line": lines["line"], "insertion": lines["insertion"]})


def vendor_bills(costs: pd.DataFrame | None, as_of: date) -> pd.DataFrame:
    """Each vendor's cost-log lines with an amount (billable or not: the agency owes the vendor either way)."""
    c = _frame(costs, ("date", "vendor", "amount", "invoice_no"))
    c["date"] = _as_datetime(c["date"])
    c["amount_fen"] = _fen(c["amount"])
    c = c[c["amount_fen"].notna() & c["vendor"].notna() & (c["date"] <= pd.Timestamp(as_of))]
    return pd.DataFrame({"counterparty": c["vendor"], "side": "payable", "bill_date": c["date"], "ref": c["invoice_no"],
                         "amount_fen": c["amount_fen"], "source": _sources(c, "amount")})


def _allocate(bills: pd.DataFrame, settled: pd.Series, terms: int) -> pd.DataFrame:
    """Each bill with `due`, `open_fen` (what is left after the counterparty's money, oldest bills first)."""
    b = bills.copy()
    b["due"] = b["bill_date"] + pd.Timedelta(days=terms)
    b = b.sort_values(["_key", "due", "bill_date", "ref"], kind="stable", na_position="last")
    cum = b.groupby("_key", sort=False)["amount_fen"].cumsum()
    paid = b["_key"].map(settled).fillna(0).astype(np.int64)
    left = (cum - paid).clip(lower=0)
    b["open_fen"] = np.minimum(left.to_numpy(dtype=np.int64), b["amount_fen"].to_numpy(dtype=np.int64))
    return b


def ageing(cfg: Any, bills: pd.DataFrame, payments: pd.DataFrame, as_of: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per counterparty: counterparty, side, billed, settled, outstanding + bucket keys, in fen; the bills, each aged).

    `bills`: rows of `client_bills`, `media_bills`, `vendor_bills` concatenated;
    `payments`: `prepayment.payments_by_campaign(...)` (dated up to `as_of`).
    """
    rc = cfg.reconcile
    keys = bucket_keys(rc.ageing_buckets)
    b = bills[bills["amount_fen"].notna()].copy()
    b["amount_fen"] = b["amount_fen"].astype(np.int64)
    b["bill_date"] = _as_datetime(b["bill_date"])
    b["_key"] = _keys(b["counterparty"])
    b.loc[b["side"].eq("receivable"), "_key"] = "\x00client"
    p = payments[payments["amount_fen"].notna()].copy()
    p["_key"] = _keys(p["counterparty"])
    p.loc[p["direction"].eq("in"), "_key"] = "\x00client"
    out_ok = p["direction"].eq("out")
    p_media = p[out_ok & p["purpose"].isin(("media", "media_prepayment"))]
    p_vendor = p[out_ok & p["purpose"].isin(("production", "other"))]
    settled = pd.concat([p[p["direction"].eq("in")], p_media, p_vendor]).groupby("_key")["amount_fen"].sum()
    aged = _allocate(b, settled, int(rc.payment_terms_days))
    late = (pd.Timestamp(as_of) - aged["due"]).dt.days
    edges = [0, *rc.ageing_buckets]
    idx = np.searchsorted(np.asarray(edges), late.fillna(0).to_numpy(), side="left")  # late<=0 -> 0 (current)
    aged["days_past_due"] = late.astype("Int64")
    aged["bucket"] = [keys[i] for i in idx]
    names = b.drop_duplicates("_key").set_index("_key")["counterparty"]
    sides = b.drop_duplicates("_key").set_index("_key")["side"]
    pays = p[p["_key"].isin(settled.index)]
    names = pd.concat([names, pays.drop_duplicates("_key").set_index("_key")["counterparty"]])
    names = names[~names.index.duplicated()]
    names.loc["\x00client"] = cfg.client.name
    parties = sorted(set(b["_key"]) | set(settled.index), key=lambda k: (k != "\x00client", names.get(k, k)))
    table = pd.DataFrame({"_key": pd.Series(parties, dtype=object)})
    table["counterparty"] = table["_key"].map(names)
    table["side"] = table["_key"].map(sides).fillna(
        table["_key"].map(lambda k: "receivable" if k == "\x00client" else "payable"))
    table["billed"] = table["_key"].map(b.groupby("_key")["amount_fen"].sum()).fillna(0).astype(np.int64)
    table["settled"] = table["_key"].map(settled).fillna(0).astype(np.int64)
    wide = aged.pivot_table(index="_key", columns="bucket", values="open_fen", aggfunc="sum", fill_value=0)
    for k in keys:
        table[k] = table["_key"].map(wide[k] if k in wide.columns else pd.Series(dtype=np.int64)).fillna(0).astype(np.int64)
    table["outstanding"] = table["billed"] - table["settled"]
    aged["_key"] = aged["_key"].astype(object)
    aged = aged.merge(table[["_key", "counterparty"]].rename(columns={"counterparty": "party"}), on="_key", how="left")
    return table.drop(columns="_key"), aged.drop(columns="_key")


def pay_when_paid(statused: pd.DataFrame, aged_bills: pd.DataFrame, payments: pd.DataFrame) -> pd.DataFrame:
    """Each media invoice line still open: campaign, media, date, invoice_no, open_fen, due, pay_status (see module)."""
    media = aged_bills[aged_bills["side"].eq("payable") & aged_bills["line"].notna()].copy()
    media["insertion"] = media["insertion"].astype("Int64")
    ins = statused[["insertion", "campaign", "status", "booking_ref"]].astype({"insertion": "Int64"})
    lines = media.merge(ins, on="insertion", how="left")
    received = payments[payments["direction"].eq("in") & payments["purpose"].eq("media_prepayment")]
    received = received.groupby("campaign")["amount_fen"].sum()
    lines = lines.sort_values(["campaign", "bill_date", "ref"], kind="stable", na_position="last")
    lines["covered_fen"] = lines.groupby("campaign", dropna=False)["amount_fen"].cumsum()
    covered = lines["covered_fen"].le(lines["campaign"].map(received).fillna(0))
    hold = ~lines["status"].isin(("matched", "within_tolerance"))
    lines["pay_status"] = np.select([lines["open_fen"].eq(0), hold, covered], ["paid", "on_hold", "ready"],
                                    default="awaiting_client")
    cols = ["campaign", "counterparty", "bill_date", "ref", "booking_ref", "status", "amount_fen", "open_fen", "due",
            "pay_status", "source"]
    return lines[lines["pay_status"].ne("paid")][cols].reset_index(drop=True)
