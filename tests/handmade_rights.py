"""Hand-built ledger frames of the archive register, media schedules and monitoring log, for the rights tests.

The column kinds come from the form catalog, so these frames are shaped as
`adtools.ledger.frames.rows` gives them (docs/CONTRACTS.md, "Ledger frames");
provenance as in `handmade_frames.documents_to_frame`.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
from handmade_frames import FORMS as _SHAPES
from handmade_frames import documents_to_frame

from adtools.forms.catalog import FORMS

_KINDS = {"date": "date", "datetime": "datetime", "int": "int", "bool": "bool", "money": "money"}

for _form in ("archive", "media_schedule", "monitoring"):
    _SHAPES.setdefault(_form, (
        tuple((f.key, _KINDS.get(f.type, "text")) for f in FORMS[_form].header),
        tuple((f.key, _KINDS.get(f.type, "text")) for f in FORMS[_form].columns),
    ))


def archive(*rows: dict[str, Any], register_id: str = "DA-2026") -> pd.DataFrame:
    return documents_to_frame("archive", [{"register_id": register_id, "lines": list(rows)}])


def schedule(job_no: str, *rows: dict[str, Any], flight: str = "第一波", version: int = 1,
             campaign: str = "「鲜活冰箱」推广") -> dict[str, Any]:
    """One media schedule document (for `schedules`): booked rows unless a row says otherwise."""
    lines = [{"status": "booked", "colour": "colour", "size": "整版", **r} for r in rows]
    return {"campaign": campaign, "flight": flight, "job_no": job_no, "version": version, "scope": "national",
            "lines": lines, "_file": f"媒体排期表_{flight}_v{version}.xlsx"}


def schedules(*docs: dict[str, Any]) -> pd.DataFrame:
    return documents_to_frame("media_schedule", docs)


def monitoring(*rows: dict[str, Any], month: str = "2026-11") -> pd.DataFrame:
    return documents_to_frame("monitoring", [{"month": month, "monitor": "华信广告监测", "lines": list(rows)}])
