"""One reading of an ad's size text, shared by reconciliation, monitoring and rights.

Staff and monitoring services write a print size many ways: 整版 / 全版 / full page,
半版 / half page, 通栏 (a strip across the page), 1/4版 / 四分之一版 (a quarter
page), or dimensions such as `35×24cm`, `35*24`, `35 x 24 厘米`, `３５×２４ｃｍ`
(full-width), `350×240mm`.  `parse_size` turns each into a `Size` whose `key` is
equal exactly when two texts mean the same space, so bookings, clippings and
invoice lines can be matched on it; text it cannot read is kept (normalised) and
marked `parsed=False`, so it still matches the same text and can be listed, never
guessed.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

__all__ = ["Size", "parse_size", "SIZE_KINDS"]

# kind -> (中文, English): the named sizes of a newspaper page
SIZE_KINDS = {
    "full": ("整版", "Full page"),
    "half": ("半版", "Half page"),
    "strip": ("通栏", "Strip"),
    "quarter": ("1/4版", "Quarter page"),
    "dims": ("尺寸", "W×H cm"),
    "text": ("其他", "Other"),
}
_NAMED = {
    "整版": "full", "全版": "full", "全页": "full", "整页": "full", "fullpage": "full", "full": "full",
    "半版": "half", "半页": "half", "1/2版": "half", "二分之一版": "half", "halfpage": "half", "half": "half",
    "通栏": "strip", "通栏版": "strip", "strip": "strip",
    "1/4版": "quarter", "四分之一版": "quarter", "1/4页": "quarter", "quarterpage": "quarter", "quarter": "quarter",
}
_NUMBER = r"(\d+(?:\.\d+)?)"
_DIMS = re.compile(rf"^{_NUMBER}(cm|mm|厘米|毫米)?[x×*]{_NUMBER}(cm|mm|厘米|毫米)?$")
_TO_CM = {"cm": Decimal(1), "厘米": Decimal(1), "mm": Decimal("0.1"), "毫米": Decimal("0.1"), None: Decimal(1)}


@dataclass(frozen=True)
class Size:
    """A size as read: its kind, its dimensions in cm when given, the key to match on, and the text shown."""

    kind: str  # full | half | strip | quarter | dims | text
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None
    text: str = ""  # normalised text (for kind "text": what to match on)

    @property
    def parsed(self) -> bool:
        return self.kind != "text"

    @property
    def key(self) -> str:
        """Equal for two texts that mean the same space: `full`, `dims:35x24`, `text:跨版`; '' for no size."""
        if self.kind == "dims":
            return f"dims:{_plain(self.width_cm)}x{_plain(self.height_cm)}"
        if self.kind == "text":
            return f"text:{self.text}" if self.text else ""
        return self.kind

    @property
    def label(self) -> str:
        """How a report shows it: 整版, 35×24 cm, or the text as written."""
        if self.kind == "dims":
            return f"{_plain(self.width_cm)}×{_plain(self.height_cm)} cm"
        if self.kind == "text":
            return self.text
        return SIZE_KINDS[self.kind][0]


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _normalise(text: str) -> str:
    """Full-width to half-width (NFKC), lower case, no spaces; the multiplication signs and units unified."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub(r"\s+", "", t)
    t = t.replace("✕", "x").replace("╳", "x").replace("乘", "x")
    return t


@lru_cache(maxsize=4096)
def parse_size(text: object) -> Size:
    """The Size a cell's text means; None or blank gives Size("text") with an empty key."""
    if text is None:
        return Size("text")
    raw = str(text)
    t = _normalise(raw)
    if not t:
        return Size("text")
    kind = _NAMED.get(t)
    if kind:
        return Size(kind)
    m = _DIMS.match(t)
    if m:
        w, wu, h, hu = m.groups()
        unit = hu or wu  # `35×24cm`: the unit written once applies to both
        try:
            width = Decimal(w) * _TO_CM[wu or unit]
            height = Decimal(h) * _TO_CM[hu or unit]
        except (InvalidOperation, KeyError):  # pragma: no cover - the pattern admits only numbers and known units
            return Size("text", text=t)
        if width > 0 and height > 0:
            return Size("dims", width, height)
    return Size("text", text=t)
