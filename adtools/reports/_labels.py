"""Bilingual labels of the reports' keys (line types, categories, stages, owners), taken from the form catalog."""
from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from ..forms.catalog import CATEGORY_LABELS, FORMS, NON_BILLABLE

__all__ = [
    "LINE_TYPE_LABELS", "QUOTE_TYPE_LABELS", "DEPARTMENT_LABELS", "HOURS_LABELS", "STAGE_LABELS", "OWNER_LABELS",
    "category_label", "label",
]


def _choices(form_id: str, key: str) -> dict[str, tuple[str, str]]:
    return {c.key: (c.zh, c.en) for c in FORMS[form_id].field(key).choices}


LINE_TYPE_LABELS = _choices("quote", "line_type")
QUOTE_TYPE_LABELS = _choices("quote", "quote_type")
DEPARTMENT_LABELS = _choices("timesheet", "department")
STAGE_LABELS = _choices("progress", "stage")
OWNER_LABELS = _choices("progress", "owner")
_COST_TYPES = _choices("costs", "cost_type")
_FILM_KINDS = _choices("costs", "film_kind")
#: timesheet categories: the rate categories and non-billable
HOURS_LABELS = {**CATEGORY_LABELS, NON_BILLABLE.key: (NON_BILLABLE.zh, NON_BILLABLE.en)}


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def label(mapping: Mapping[str, tuple[str, str]], key: Any) -> str:
    """`中文 English` of a key; the key itself when it has no label; "" for a missing value."""
    if _missing(key):
        return ""
    zh, en = mapping.get(str(key), (str(key), ""))
    return f"{zh} {en}".strip()


def category_label(line_type: Any, category: Any) -> str:
    """The category of a fee line in words: a rate category, a film kind or a cost type."""
    if line_type == "film":
        return label(_FILM_KINDS, category)
    if line_type in ("cost", "postage"):
        return label(_COST_TYPES, category)
    return label(HOURS_LABELS, category)
