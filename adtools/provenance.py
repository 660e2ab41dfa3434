"""Where a figure came from: `[file.xlsx]sheet!D7`, built from a ledger frame row's provenance columns."""
from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

__all__ = ["source"]


def _text(value: Any) -> str:
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def source(row: Mapping[str, Any], key: str) -> str:
    """`[file.xlsx]sheet!D7` for field `key` of a ledger-frame row (`_file`, `_sheet`, `_cell_<key>`); "" when unknown."""
    file = _text(row.get("_file"))
    sheet = _text(row.get("_sheet"))
    cell = _text(row.get(f"_cell_{key}"))
    where = f"{sheet}!{cell}" if sheet and cell else sheet
    return f"[{file}]{where}" if file else where
