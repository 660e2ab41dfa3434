"""Workbooks rejected and not fixed yet: a rejected version with no accepted version of the same document or file after it."""
from __future__ import annotations

import pandas as pd

__all__ = ["REJECTED_COLUMNS", "unfixed_rejections"]

REJECTED_COLUMNS = ("document_id", "form_id", "document_key", "file", "submitter", "notify_to", "ingested_at", "reason")


def unfixed_rejections(versions: pd.DataFrame) -> pd.DataFrame:
    """Rejected versions not yet followed by an accepted one, newest first.

    `versions` is `frames.versions(ledger)` (every stored version: id, form_id,
    document_key, rel_path, status, submitter, notify_to, ingested_at, reason). A
    rejection is fixed when a later accepted (current or superseded) version has
    the same form and document key, or, for a file whose form or key could not be
    read, comes from the same file path.
    """
    if versions is None or versions.empty:
        return pd.DataFrame(columns=list(REJECTED_COLUMNS))
    v = versions.sort_values("id", kind="stable")
    accepted = v[v["status"] != "rejected"]
    rows = []
    for rec in v[v["status"] == "rejected"].to_dict("records"):
        later = accepted[accepted["id"] > rec["id"]]
        if rec.get("form_id") and rec.get("document_key"):
            fixed = ((later["form_id"] == rec["form_id"]) & (later["document_key"] == rec["document_key"])).any()
        else:
            fixed = False
        fixed = fixed or (later["rel_path"] == rec["rel_path"]).any()
        if fixed:
            continue
        rows.append({"document_id": int(rec["id"]), "form_id": rec.get("form_id"), "document_key": rec.get("document_key"),
                     "file": rec["rel_path"], "submitter": rec.get("submitter"),
                     "notify_to": [a for a in str(rec.get("notify_to") or "").split(",") if a],
                     "ingested_at": rec["ingested_at"], "reason": rec.get("reason")})
    # a file rejected twice in a row is one thing to fix: its latest rejection
    out = pd.DataFrame(rows, columns=list(REJECTED_COLUMNS))
    out = out.sort_values("document_id", ascending=False, kind="stable").drop_duplicates("file")
    return out.reset_index(drop=True)
