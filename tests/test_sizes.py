"""The one size parser: every way staff and monitors write a size, matched on one key."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adtools.reconcile.sizes import parse_size


@pytest.mark.parametrize("text, key, label", [
    ("整版", "full", "整版"),
    (" 全版 ", "full", "整版"),
    ("Full Page", "full", "整版"),
    ("半版", "half", "半版"),
    ("1/2版", "half", "半版"),
    ("通栏", "strip", "通栏"),
    ("1/4版", "quarter", "1/4版"),
    ("１／４版", "quarter", "1/4版"),  # full-width
    ("35×24cm", "dims:35x24", "35×24 cm"),
    ("35*24", "dims:35x24", "35×24 cm"),
    ("35 x 24 厘米", "dims:35x24", "35×24 cm"),
    ("３５×２４ｃｍ", "dims:35x24", "35×24 cm"),
    ("35.0X24.00 CM", "dims:35x24", "35×24 cm"),
    ("350×240mm", "dims:35x24", "35×24 cm"),
    ("12.5*8cm", "dims:12.5x8", "12.5×8 cm"),
    ("跨版", "text:跨版", "跨版"),
    ("", "", ""),
    (None, "", ""),
])
def test_sizes_as_written(text, key, label):
    size = parse_size(text)
    assert (size.key, size.label) == (key, label)
    assert size.parsed == (not key.startswith("text") and key != "")


def test_width_and_height_are_not_swapped():
    assert parse_size("35×24cm").key != parse_size("24×35cm").key


def test_dimensions_are_exact_decimals():
    s = parse_size("21.0 × 29.7 cm")
    assert (s.width_cm, s.height_cm) == (Decimal("21.0"), Decimal("29.7"))


def test_a_zero_dimension_is_not_a_size():
    assert not parse_size("0×24cm").parsed


@given(st.integers(1, 999), st.integers(1, 999), st.sampled_from(["×", "*", "x", "X", " x ", "＊", "ｘ"]),
       st.sampled_from(["", "cm", "厘米", " CM", "ｃｍ"]))
def test_every_spelling_of_one_size_has_one_key(w, h, sign, unit):
    assert parse_size(f"{w}{sign}{h}{unit}").key == f"dims:{w}x{h}"
    wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in f"{w}{sign}{h}{unit}")
    assert parse_size(wide).key == f"dims:{w}x{h}"
