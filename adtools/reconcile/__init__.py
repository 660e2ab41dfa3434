"""Reconciliation: bookings matched to clippings (it ran) and to invoices (it was billed), payments, ageing.

Pure calculators: ledger frames and config in, plain results out.
"""
from __future__ import annotations

from .sizes import SIZE_KINDS, Size, parse_size

__all__ = ["Size", "parse_size", "SIZE_KINDS"]
