"""The sign-off register read as versions per job and document, shared by the gate and awaiting-client checks."""
from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from ._frames import _date, _int, _records, _text


def _sign_off_versions(sign_offs: pd.DataFrame | None) -> dict[tuple[str, str], dict[int, dict[str, Any]]]:
    """(job, document) -> version -> the register row for it.

    Where a version appears on more than one row, a decided row beats a pending one
    and the later decision wins.
    """
    out: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
    for rec in _records(sign_offs, ("register_id", "job_no", "document", "version", "submitted_on", "decision", "decided_on"), cells=("submitted_on",)):
        job, doc, version = _text(rec.get("job_no")), _text(rec.get("document")), _int(rec.get("version"))
        submitted, decided = _date(rec.get("submitted_on")), _date(rec.get("decided_on"))
        if job is None or doc is None or version is None:
            continue
        rec = dict(
            rec,
            _job=job,
            _doc=doc,
            _version=version,
            _submitted=submitted or decided,
            _decision=_text(rec.get("decision")),
            _decided=decided,
        )
        if rec["_submitted"] is None:
            continue
        versions = out.setdefault((job, doc), {})
        old = versions.get(version)
        if old is None or _decided_rank(rec) >= _decided_rank(old):
            versions[version] = rec
    return out


def _decided_rank(rec: dict[str, Any]) -> tuple[bool, date]:
    return (rec["_decision"] is not None, rec["_decided"] or date.min)
