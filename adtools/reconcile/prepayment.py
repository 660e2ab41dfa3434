"""The prepayment statement per campaign (预付款报表): money received against approved, booked, ran, invoiced, paid, billed.

For each campaign, up to the end of the as-of day (integer fen):

- `received`: payments in with purpose `media_prepayment` or `creative_fee`;
- `approved_media`: the client-approved amount of each current media-schedule version
  (sign-off `media_schedule` of the schedule's job and version); `approved_creative`:
  the latest approved `design_quote` and `artwork_production_quote` of each of the
  campaign's jobs; `approved` their sum;
- `booked`: the net of its booked insertions; `ran`: the net of those seen in the
  monitoring log; `invoiced`: the invoice lines matched to its insertions (duplicates
  counted once); `paid_out`: payments out with purpose `media` or `media_prepayment`;
- `fees`: fees and costs billed (incl. tax) for the campaign's jobs, by the fee rules
  (`adtools.fees.billed_to_date`);
- `balance` = received − (invoiced + fees): what is left of the client's money (negative:
  the client owes).

A payment belongs to a campaign by its `campaign`, else by its `job_no` (a job of one
campaign).  A campaign's jobs are those named with it on its media schedules, work
orders and payments.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..fees._money_frames import _as_datetime, _frame
from .matching import _fen, current_schedule

__all__ = ["PREPAYMENT_KEYS", "approved_media_schedules", "approved_sign_offs", "campaign_jobs", "payments_by_campaign",
           "prepayment_statement", "waterfall"]

#: the figures of a campaign, in the statement's order (integer fen)
PREPAYMENT_KEYS = ("received", "approved_media", "approved_creative", "approved", "booked", "ran", "invoiced",
                   "paid_out", "fees", "balance")
_IN_PURPOSES = ("media_prepayment", "creative_fee")
_OUT_PURPOSES = ("media", "media_prepayment")
_CREATIVE_DOCUMENTS = ("design_quote", "artwork_production_quote")


def campaign_jobs(schedule_rows: pd.DataFrame | None, work_orders: pd.DataFrame | None,
                  payments: pd.DataFrame | None) -> pd.DataFrame:
    """campaign, job_no: every pair named together on a media schedule, a work order or a payment."""
    pairs = []
    for df in (schedule_rows, work_orders, payments):
        f = _frame(df, ("campaign", "job_no"))[["campaign", "job_no"]]
        pairs.append(f[f["campaign"].notna() & f["job_no"].notna() & f["campaign"].astype(str).str.strip().ne("")])
    out = pd.concat(pairs, ignore_index=True).astype(object).drop_duplicates()
    return out.sort_values(["campaign", "job_no"], kind="stable").reset_index(drop=True)


def payments_by_campaign(payments: pd.DataFrame | None, jobs: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The payments up to `as_of`, each with `campaign` (its own, else its job's) and `amount_fen`."""
    p = _frame(payments, ("date", "direction", "counterparty", "purpose", "campaign", "job_no", "amount", "reference"))
    p["date"] = _as_datetime(p["date"])
    p = p[p["date"] <= pd.Timestamp(as_of)].copy()
    job_campaign = jobs.drop_duplicates("job_no").set_index("job_no")["campaign"]
    own = p["campaign"].astype(object).where(p["campaign"].notna() & p["campaign"].astype(str).str.strip().ne(""), None)
    p["campaign"] = own.where(own.notna(), p["job_no"].map(job_campaign))
    p["amount_fen"] = _fen(p["amount"])
    return p


def approved_sign_offs(sign_offs: pd.DataFrame | None, as_of: date | None) -> pd.DataFrame:
    """The client-approved sign-off rows decided by the end of `as_of` (None: all), + numeric `version` and `fen`.

    The flight execution report reads its approved media-schedule amount here too.
    """
    so = _frame(sign_offs, ("job_no", "document", "version", "decision", "decided_on", "amount"))
    so["decided_on"] = _as_datetime(so["decided_on"])
    decided = so["decided_on"].isna() | (so["decided_on"] <= pd.Timestamp(as_of)) if as_of is not None else True
    so = so[so["decision"].eq("approved") & decided].copy()
    so["version"] = pd.to_numeric(so["version"], errors="coerce")
    so["fen"] = _fen(so["amount"])
    return so


def approved_media_schedules(sign_offs: pd.DataFrame | None, as_of: date | None) -> pd.DataFrame:
    """One approved `media_schedule` sign-off per (job_no, version): the last row of the log where there are two."""
    so = approved_sign_offs(sign_offs, as_of)
    return so[so["document"].eq("media_schedule")].drop_duplicates(["job_no", "version"], keep="last")


def _approved(schedule_rows: pd.DataFrame | None, sign_offs: pd.DataFrame | None, jobs: pd.DataFrame,
              as_of: date) -> tuple[pd.Series, pd.Series]:
    so = approved_sign_offs(sign_offs, as_of)
    sched = current_schedule(schedule_rows)
    versions = sched[["campaign", "flight", "job_no", "version"]].drop_duplicates(["campaign", "flight"])
    versions = versions.assign(version=pd.to_numeric(versions["version"], errors="coerce"))
    media_so = approved_media_schedules(sign_offs, as_of)
    media = versions.merge(media_so[["job_no", "version", "fen"]], on=["job_no", "version"], how="left")
    approved_media = media.groupby("campaign")["fen"].sum(min_count=1)
    creative = so[so["document"].isin(_CREATIVE_DOCUMENTS)].sort_values("version", kind="stable")
    creative = creative.drop_duplicates(["job_no", "document"], keep="last").merge(jobs, on="job_no")
    approved_creative = creative.groupby("campaign")["fen"].sum(min_count=1)
    return approved_media, approved_creative


def prepayment_statement(
    insertions: pd.DataFrame,
    payments: pd.DataFrame,
    schedule_rows: pd.DataFrame | None,
    sign_offs: pd.DataFrame | None,
    jobs: pd.DataFrame,
    fees_billed: pd.DataFrame,
    as_of: date,
) -> pd.DataFrame:
    """campaign + PREPAYMENT_KEYS (integer fen), one row per campaign, ordered by campaign.

    `insertions`: the statused insertions (`status.insertion_status`); `payments`:
    `payments_by_campaign(...)`; `jobs`: `campaign_jobs(...)`; `fees_billed`:
    `adtools.fees.billed_to_date(...)` (period, job_no, total).
    """
    campaigns = sorted(set(insertions["campaign"].dropna()) | set(payments["campaign"].dropna()) | set(jobs["campaign"]))
    out = pd.DataFrame({"campaign": campaigns})
    booked = insertions[insertions["status"].ne("cancelled") & insertions["status"].ne("invoiced_cancelled")]
    p_in = payments[payments["direction"].eq("in") & payments["purpose"].isin(_IN_PURPOSES)]
    p_out = payments[payments["direction"].eq("out") & payments["purpose"].isin(_OUT_PURPOSES)]
    approved_media, approved_creative = _approved(schedule_rows, sign_offs, jobs, as_of)
    fees = fees_billed.merge(jobs, on="job_no").groupby("campaign")["total"].sum()
    series = {
        "received": p_in.groupby("campaign")["amount_fen"].sum(),
        "approved_media": approved_media,
        "approved_creative": approved_creative,
        "booked": booked.groupby("campaign")["net_fen"].sum(),
        "ran": booked[booked["clipping"].notna()].groupby("campaign")["net_fen"].sum(),
        "invoiced": insertions.groupby("campaign")["invoiced_fen"].sum(),
        "paid_out": p_out.groupby("campaign")["amount_fen"].sum(),
        "fees": fees,
    }
    for key, s in series.items():
        out[key] = out["campaign"].map(s).fillna(0).astype(np.int64)
    out["approved"] = out["approved_media"] + out["approved_creative"]
    out["balance"] = out["received"] - (out["invoiced"] + out["fees"])
    return out[["campaign", *PREPAYMENT_KEYS]]


def waterfall(row: Any) -> list[tuple[str, str, str, int, int]]:
    """The balance as steps: (key, 中文, English, start fen, end fen): received, − invoiced media, − fees, = balance."""
    received, invoiced, fees = int(row["received"]), int(row["invoiced"]), int(row["fees"])
    after_media = received - invoiced
    return [
        ("received", "已收预付款", "Received", 0, received),
        ("invoiced", "媒体发票", "Invoiced media", received, after_media),
        ("fees", "服务费及成本", "Fees and costs", after_media, after_media - fees),
        ("balance", "余额", "Balance", 0, after_media - fees),
    ]
