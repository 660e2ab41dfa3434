"""The reconciliation of one as-of day: the match, each insertion's code, the exceptions, the statement, the ageing."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping, Sequence

import pandas as pd

from ..fees.billed import TIMESHEET_FIELDS_BILLED, billed_to_date
from ..money import fmt2, from_fen
from .ageing import ageing, bucket_keys, client_bills, media_bills, pay_when_paid, vendor_bills
from .matching import CLIPPING_FIELDS, Matching, client_aliases, match
from .prepayment import campaign_jobs, payments_by_campaign, prepayment_statement
from .status import exceptions, insertion_status

__all__ = ["Reconciliation", "reconcile", "FIELDS_READ"]


def _money(value: Any) -> str | None:
    return None if value is None or value is pd.NA or pd.isna(value) else fmt2(from_fen(int(value)))


def _day(value: Any) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def _text(value: Any) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


@dataclass(frozen=True, eq=False)
class Reconciliation:
    """Everything the reconciliation report shows; money in integer fen (`*_fen` and the statement's keys).

    - `insertions`: matching's insertions + `booking_status`, `status`, `difference_fen`;
    - `exceptions`: `status.exceptions`;
    - `campaigns`: campaign + `prepayment.PREPAYMENT_KEYS`;
    - `ageing`: counterparty, side, billed, settled, outstanding + one column per bucket key;
    - `bills`: every bill aged (counterparty, side, bill_date, ref, amount_fen, due, open_fen, days_past_due, bucket, source);
    - `pay_when_paid`: each open media invoice line with its pay_status (ready / on_hold / awaiting_client);
    - `matching`: the raw match (clippings and invoice lines with what they matched).
    """

    as_of: date
    campaign: str | None
    insertions: pd.DataFrame
    exceptions: pd.DataFrame
    campaigns: pd.DataFrame
    ageing: pd.DataFrame
    bills: pd.DataFrame
    pay_when_paid: pd.DataFrame
    matching: Matching
    buckets: tuple[int, ...]

    @property
    def status_counts(self) -> dict[str, int]:
        return {k: int(v) for k, v in self.insertions["status"].value_counts().items()}

    def to_json(self) -> dict[str, Any]:
        """The `--json` document of `adtools report reconciliation` (issue 12's shape; money as 2-decimal strings)."""
        keys = bucket_keys(self.buckets)
        return {
            "as_of": self.as_of.isoformat(),
            "campaigns": [
                {"campaign": r["campaign"], **{k: _money(r[k]) for k in
                                               ("received", "approved", "booked", "ran", "invoiced", "paid_out", "fees",
                                                "balance")}}
                for r in self.campaigns.to_dict("records")
            ],
            "insertions": [
                {"campaign": _text(r["campaign"]), "media": _text(r["media"]), "date": _day(r["date"]),
                 "size": _text(r["size"]), "booking_ref": _text(r["booking_ref"]), "status": r["status"],
                 "booked": _money(r["net_fen"]), "invoiced": _money(r["invoiced_fen"]),
                 "difference": _money(r["difference_fen"]), "clipping_ref": _text(r["clipping_ref"]),
                 "invoice_no": _text(r["invoice_no"])}
                for r in self.insertions[["campaign", "media", "date", "size", "booking_ref", "status", "net_fen",
                                          "invoiced_fen", "difference_fen", "clipping_ref", "invoice_no"]].to_dict("records")
            ],
            "exceptions": [
                {"type": r["type"], "campaign": _text(r["campaign"]), "media": _text(r["media"]), "date": _day(r["date"]),
                 "booking_ref": _text(r["booking_ref"]), "invoice_no": _text(r["invoice_no"]),
                 "booked": _money(r["booked_fen"]), "invoiced": _money(r["invoiced_fen"]),
                 "difference": _money(r["difference_fen"])}
                for r in self.exceptions[["type", "campaign", "media", "date", "booking_ref", "invoice_no", "booked_fen",
                                          "invoiced_fen", "difference_fen"]].to_dict("records")
            ],
            "ageing": [
                {"counterparty": r["counterparty"], **{k: _money(r[k]) for k in keys}, "outstanding": _money(r["outstanding"])}
                for r in self.ageing.to_dict("records")
            ],
        }


#: form id -> the only fields `reconcile` reads of that form's frame (the largest forms; the others whole):
#: a caller reads just these (`frames.rows(..., fields=...)`) and the reconciliation is the same
FIELDS_READ: Mapping[str, tuple[str, ...]] = {"monitoring": CLIPPING_FIELDS, "timesheet": TIMESHEET_FIELDS_BILLED}


def reconcile(
    frames: Mapping[str, pd.DataFrame | None],
    cfg: Any,
    as_of: date,
    *,
    campaign: str | None = None,
    aliases: Sequence[str] | None = None,
) -> Reconciliation:
    """The reconciliation as of the end of `as_of`.

    `frames`: form id -> `adtools.ledger.frames.rows(ledger, form_id)` for `media_schedule`,
    `monitoring`, `media_invoice`, `payments`, `sign_off`, `work_order`, `timesheet`, `costs`
    (a missing one counts as empty).  Clippings and payments dated after `as_of` are left
    out; bookings after it that nothing shows yet are `not_yet_run`.  `campaign` limits every
    part to one campaign (the ageing to that campaign's bills and money).  `aliases`: the
    client's names in clippings (default `[client] brands`).
    """
    get = frames.get
    clips = get("monitoring")
    if clips is not None and not clips.empty and "date" in clips.columns:
        clips = clips[pd.to_datetime(clips["date"]) <= pd.Timestamp(as_of)]
    m = match(get("media_schedule"), clips, get("media_invoice"), cfg,
              aliases=client_aliases(cfg) if aliases is None else aliases)
    statused = insertion_status(m.insertions, cfg, as_of)
    exc = exceptions(m, statused, as_of)
    jobs = campaign_jobs(get("media_schedule"), get("work_order"), get("payments"))
    pays = payments_by_campaign(get("payments"), jobs, as_of)
    fees = billed_to_date(get("timesheet"), get("costs"), cfg, as_of, jobs=sorted(set(jobs["job_no"])))
    invoices = m.invoices
    vendors = vendor_bills(get("costs"), as_of)
    if campaign is not None:
        statused = statused[statused["campaign"].eq(campaign)]
        keep = set(statused["insertion"])
        exc = exc[exc["campaign"].eq(campaign)]  # clippings and lines no booking explains belong to no campaign
        jobs = jobs[jobs["campaign"].eq(campaign)]
        pays = pays[pays["campaign"].eq(campaign)]
        fees = fees[fees["job_no"].isin(jobs["job_no"])]
        invoices = invoices[invoices["insertion"].isin(keep)]
        vendors = vendors.iloc[0:0]
    statement = prepayment_statement(statused, pays, get("media_schedule"), get("sign_off"), jobs, fees, as_of)
    if campaign is not None:
        statement = statement[statement["campaign"].eq(campaign)].reset_index(drop=True)
    bills = pd.concat([client_bills(cfg, statused, invoices, fees, as_of), media_bills(invoices), vendors],
                      ignore_index=True)
    table, aged = ageing(cfg, bills, pays, as_of)
    pwp = pay_when_paid(statused, aged, pays)
    return Reconciliation(
        as_of=as_of, campaign=campaign, insertions=statused.reset_index(drop=True), exceptions=exc.reset_index(drop=True),
        campaigns=statement, ageing=table, bills=aged, pay_when_paid=pwp, matching=m,
        buckets=tuple(cfg.reconcile.ageing_buckets),
    )
