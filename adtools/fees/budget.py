"""Estimate against actual: each job's latest approved quotes against everything billed through the month."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from ..money import to_fen
from ._money_frames import _as_datetime, _d, _frame, _listed, _sources

__all__ = ["QUOTE_DOCUMENTS"]

QUOTE_DOCUMENTS = ("design_quote", "artwork_production_quote")
_SIGN_OFF_COLUMNS = ("job_no", "document", "version", "decision", "decided_on", "amount")


def _budget(
    per_job: pd.DataFrame, jobs: pd.Series, sign_offs: pd.DataFrame | None, cfg: Any, last: date, job: str | None,
    warnings: list[str],
) -> pd.DataFrame:
    """Latest approved quote amounts per job against everything billed through the month."""
    so = _frame(sign_offs, _SIGN_OFF_COLUMNS)
    so["decided_on"] = _as_datetime(so["decided_on"])
    approved = so[
        so["decision"].eq("approved")
        & so["document"].isin(QUOTE_DOCUMENTS)
        & (so["decided_on"].isna() | (so["decided_on"] <= pd.Timestamp(last)))
    ].copy()
    if job is not None:
        approved = approved[approved["job_no"] == job]
    approved["version"] = pd.to_numeric(approved["version"], errors="coerce")
    latest = approved.sort_values("version", kind="stable").drop_duplicates(["job_no", "document"], keep="last")
    latest_fen = latest["amount"].map(lambda a: None if (d := _d(a)) is None else to_fen(d))
    no_amount = latest_fen.isna()
    if no_amount.any():
        warnings.append(
            "已确认的报价没有金额 / Approved quotes without an amount: "
            + _listed(_sources(latest[no_amount], "amount") if "_file" in latest.columns else latest.loc[no_amount, "job_no"].astype(str))
        )
    latest = latest.assign(fen=latest_fen)[~no_amount]
    quote = latest.groupby("job_no")["fen"].sum()
    actual = per_job.groupby("job_no")["total"].sum()
    out = pd.DataFrame({"job_no": list(jobs)})
    out["actual_fen"] = out["job_no"].map(actual).fillna(0).astype(np.int64)
    out["approved_fen"] = out["job_no"].map(quote).astype("Int64")
    limit = cfg.fees.budget_warning
    rows = []
    for r in out.itertuples(index=False):  # one per job of the statement
        actual_d = Decimal(int(r.actual_fen)).scaleb(-2)
        if pd.isna(r.approved_fen):
            rows.append((r.job_no, None, actual_d, None, "no_quote"))
            continue
        approved_d = Decimal(int(r.approved_fen)).scaleb(-2)
        share = (actual_d / approved_d).quantize(Decimal("0.0001")) if approved_d else None
        if actual_d > approved_d:
            status = "over"
        elif share is not None and actual_d >= approved_d * limit:
            status = "warning"
        else:
            status = "ok"
        rows.append((r.job_no, approved_d, actual_d, share, status))
    return pd.DataFrame(rows, columns=["job_no", "approved", "actual", "share", "status"]).astype(
        {"approved": object, "actual": object, "share": object}
    )
