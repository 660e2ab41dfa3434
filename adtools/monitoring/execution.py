"""The execution report of a flight (执行报告): what was booked, what ran, what was invoiced, against what was approved.

Pure: the reconciliation's matched insertions (`adtools.reconcile.match(...).insertions`),
the media schedules' documents (the flight's dates, job and current version), the
sign-off log and the flight notes' rows in; a `FlightExecution` out.

- each insertion of the flight's current schedule version: `ran` (a client clipping
  matched it: its ref is the tear sheet), `not_seen` (booked, no clipping) or
  `cancelled`; `invoiced` when an invoice line matched it;
- delivery rate = ran ÷ booked (cancelled insertions are not booked), by count and by
  net cost, as `Decimal` to four places (half up), None when nothing is booked;
- spend against the approved schedule: the amount of the latest client-approved
  `media_schedule` sign-off of the flight's job whose version is at most the current
  one (`adtools.reconcile.prepayment.approved_media_schedules`, as the prepayment
  statement reads it); an approval of an earlier version, or none, is said in `remarks`;
- the flight notes' `effect` and `next_steps` sections.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..fees._money_frames import _sources
from ..money import fmt2, from_fen
from ..reconcile.prepayment import approved_media_schedules
from .market import flight_window

__all__ = ["EXECUTION_STATUSES", "NOTE_SECTIONS", "FlightExecution", "delivery_rate", "flight_execution",
           "register_client_aliases"]

#: an insertion's execution status: key, 中文, English
EXECUTION_STATUSES = (("ran", "已刊出", "Ran"), ("not_seen", "未见刊", "Not seen"), ("cancelled", "已取消", "Cancelled"))
#: the flight notes' sections this report carries
NOTE_SECTIONS = (("effect", "效果", "Effect"), ("next_steps", "下步建议", "Next steps"))
_RATE = Decimal("0.0001")


def delivery_rate(ran: int, booked: int) -> Decimal | None:
    """ran ÷ booked to four places (half up); None when nothing is booked."""
    if not booked:
        return None
    return (Decimal(int(ran)) / Decimal(int(booked))).quantize(_RATE, rounding=ROUND_HALF_UP)


def register_client_aliases(register: pd.DataFrame | None) -> list[str]:
    """The brand-alias register's aliases of the client (side `client`), to pass as `client_aliases(cfg, extra=…)`."""
    if register is None or register.empty or "side" not in register.columns:
        return []
    mine = register[register["side"].eq("client")]["alias"]
    return [str(a) for a in mine.dropna()]


@dataclass
class FlightExecution:
    campaign: str
    flight: str
    flight_start: date
    flight_end: date
    job_no: str | None
    version: int | None  # the current schedule version
    insertions: pd.DataFrame  # matched insertions of the flight + execution, invoiced, note
    by_media: pd.DataFrame  # media, booked, ran, booked_fen, ran_fen, rate, rate_net
    totals: dict[str, Any]  # counts, fen sums and the two delivery rates
    approved: dict[str, Any]  # fen (None: no approval), version, decided_on, signed_by, source
    notes: dict[str, list[str]]  # effect, next_steps
    remarks: list[str]  # bilingual sentences: approvals of another version, none, a schedule without bookings

    def to_json(self) -> dict[str, Any]:
        t, a = self.totals, self.approved

        def money(fen: Any) -> str | None:
            return None if fen is None else fmt2(from_fen(int(fen)))

        def rate(v: Decimal | None) -> str | None:
            return None if v is None else f"{v:.4f}"

        def day(v: Any) -> str | None:
            return None if v is None or pd.isna(v) else pd.Timestamp(v).date().isoformat()

        return {
            "campaign": self.campaign,
            "flight": self.flight,
            "flight_start": self.flight_start.isoformat(),
            "flight_end": self.flight_end.isoformat(),
            "job_no": self.job_no,
            "schedule_version": self.version,
            "booked": t["booked"],
            "ran": t["ran"],
            "not_seen": t["not_seen"],
            "cancelled": t["cancelled"],
            "invoiced": t["invoiced"],
            "delivery_rate": rate(t["rate"]),
            "delivery_rate_net": rate(t["rate_net"]),
            "spend": {
                "approved": money(a["fen"]),
                "approved_version": a["version"],
                "approved_on": day(a["decided_on"]),
                "approved_source": a["source"],
                "booked_net": money(t["booked_fen"]),
                "ran_net": money(t["ran_fen"]),
                "not_seen_net": money(t["not_seen_fen"]),
                "invoiced": money(t["invoiced_fen"]),
                "booked_less_approved": money(None if a["fen"] is None else t["booked_fen"] - a["fen"]),
                "invoiced_less_approved": money(None if a["fen"] is None else t["invoiced_fen"] - a["fen"]),
            },
            "by_media": [
                {"media": r["media"], "booked": int(r["booked"]), "ran": int(r["ran"]),
                 "booked_net": money(r["booked_fen"]), "ran_net": money(r["ran_fen"]),
                 "delivery_rate": rate(r["rate"]), "delivery_rate_net": rate(r["rate_net"])}
                for r in self.by_media.to_dict("records")
            ],
            "insertions": [
                {"insertion": int(r["insertion"]), "date": day(r["date"]), "media": r["media"], "city": r.get("city"),
                 "size": r["size"], "booking_ref": r["booking_ref"], "net": money(r["net_fen"]),
                 "status": r["execution"], "clipping_ref": r["clipping_ref"], "clipping_date": day(r["clipping_date"]),
                 "invoiced": bool(r["invoiced"]), "invoice_no": r["invoice_no"], "invoiced_amount": money(r["invoiced_fen"]),
                 "source": r["source"], "clipping_source": r["clipping_source"], "note": r["note"]}
                for r in self.insertions.to_dict("records")
            ],
            "notes": {k: list(v) for k, v in self.notes.items()},
            "remarks": list(self.remarks),
        }


def _fen_or_none(v: Any) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _flight_insertions(insertions: pd.DataFrame, campaign: str, flight: str) -> pd.DataFrame:
    ins = insertions[insertions["campaign"].eq(campaign) & insertions["flight"].eq(flight)].copy()
    ins["execution"] = np.where(ins["status"].eq("cancelled"), "cancelled",
                                np.where(ins["clipping"].notna(), "ran", "not_seen"))
    ins["invoiced"] = ins["invoice_lines"].gt(0)
    notes = ins[["clipping_note", "invoice_note"]].astype(object).fillna("")
    ins["note"] = (notes["clipping_note"] + np.where(notes["clipping_note"].ne("") & notes["invoice_note"].ne(""), "; ", "")
                   + notes["invoice_note"])
    return ins.sort_values("insertion", kind="stable").reset_index(drop=True)


def _by_media(ins: pd.DataFrame) -> pd.DataFrame:
    booked = ins[ins["execution"].ne("cancelled")].assign(
        fen=lambda d: d["net_fen"].fillna(0).astype(np.int64), is_ran=lambda d: d["execution"].eq("ran"))
    booked = booked.assign(ran_fen=booked["fen"].where(booked["is_ran"], 0))
    g = booked.groupby("media", sort=True).agg(booked=("insertion", "size"), ran=("is_ran", "sum"),
                                                booked_fen=("fen", "sum"), ran_fen=("ran_fen", "sum")).reset_index()
    g = g.astype({"booked": np.int64, "ran": np.int64, "booked_fen": np.int64, "ran_fen": np.int64})
    g["rate"] = [delivery_rate(r, b) for r, b in zip(g["ran"], g["booked"])]
    g["rate_net"] = [delivery_rate(r, b) for r, b in zip(g["ran_fen"], g["booked_fen"])]
    return g


def _approved(sign_offs: pd.DataFrame | None, job_no: str | None, version: int | None,
              as_of: date | None) -> tuple[dict[str, Any], list[str]]:
    none = {"fen": None, "version": None, "decided_on": None, "signed_by": None, "source": None}
    so = approved_media_schedules(sign_offs, as_of)
    mine = so[so["job_no"].eq(job_no) & so["version"].le(version if version is not None else 0)]
    if mine.empty:
        return none, [f"工作 {job_no} 的媒体排期尚无客户确认的金额 / no client-approved amount for the media schedule of "
                      f"job {job_no}: the spend is not compared with an approval"]
    row = mine.sort_values("version", kind="stable").iloc[-1]
    got = {"fen": _fen_or_none(row["fen"]), "version": int(row["version"]), "decided_on": row["decided_on"],
           "signed_by": row.get("signed_by"), "source": _sources(mine.loc[[row.name]], "amount").iloc[0]}
    remarks = []
    if version is not None and got["version"] != version:
        remarks.append(f"当前排期为第 {version} 版，客户确认的是第 {got['version']} 版 / the current schedule is version "
                       f"{version}; the client approved version {got['version']}")
    return got, remarks


def flight_execution(insertions: pd.DataFrame, schedules: pd.DataFrame, sign_offs: pd.DataFrame | None,
                     notes: pd.DataFrame | None, campaign: str, flight: str, *,
                     as_of: date | None = None) -> FlightExecution:
    """The flight's insertions with ran / not seen / cancelled and invoiced, delivery rates, spend against approval.

    `insertions`: `adtools.reconcile.match(...).insertions`; `schedules`: the media
    schedules' documents (the flight's dates, job and current version; an unknown
    flight is an InputError naming the flights there are); `sign_offs`: the sign-off
    log's rows (approvals decided after `as_of` are left out; None: all); `notes`: the
    flight notes' rows.
    """
    start, end = flight_window(schedules, campaign, flight)
    docs = schedules[schedules["campaign"].eq(campaign) & schedules["flight"].eq(flight)]
    current = docs.assign(_v=pd.to_numeric(docs["version"], errors="coerce")).sort_values("_v", kind="stable").iloc[-1]
    job_no = current.get("job_no")
    version = None if pd.isna(current["_v"]) else int(current["_v"])

    ins = _flight_insertions(insertions, campaign, flight)
    by_media = _by_media(ins)
    booked = ins[ins["execution"].ne("cancelled")]
    fen = booked["net_fen"].fillna(0).astype(np.int64)
    ran_mask = booked["execution"].eq("ran")
    totals: dict[str, Any] = {
        "booked": int(len(booked)),
        "ran": int(ran_mask.sum()),
        "not_seen": int((~ran_mask).sum()),
        "cancelled": int(ins["execution"].eq("cancelled").sum()),
        "invoiced": int(booked["invoiced"].sum()),
        "booked_fen": int(fen.sum()),
        "ran_fen": int(fen[ran_mask].sum()),
        "not_seen_fen": int(fen[~ran_mask].sum()),
        "invoiced_fen": int(ins["invoiced_fen"].fillna(0).astype(np.int64).sum()),
    }
    totals["rate"] = delivery_rate(totals["ran"], totals["booked"])
    totals["rate_net"] = delivery_rate(totals["ran_fen"], totals["booked_fen"])

    approved, remarks = _approved(sign_offs, job_no, version, as_of)
    if booked.empty:
        remarks.append(f"第 {version} 版排期没有已订位的刊登 / version {version} of the schedule has no booked insertion")
    cancelled_billed = ins[ins["execution"].eq("cancelled") & ins["invoiced"]]
    if not cancelled_billed.empty:
        refs = "、".join(str(r) for r in cancelled_billed["booking_ref"].fillna("—"))
        remarks.append(f"已取消的刊登有发票：{refs} / cancelled insertions were invoiced: {refs}")

    sections: dict[str, list[str]] = {k: [] for k, _, _ in NOTE_SECTIONS}
    if notes is not None and not notes.empty:
        mine = notes[notes["campaign"].eq(campaign) & notes["flight"].eq(flight)]
        for s in sections:
            sections[s] = [str(t) for t in mine.loc[mine["section"] == s, "text"].dropna()]
    return FlightExecution(campaign, flight, start, end, None if pd.isna(job_no) else str(job_no), version, ins,
                           by_media, totals, approved, sections, remarks)
