"""Reconciliation: bookings matched to clippings (it ran) and to invoices (it was billed), payments, ageing.

Pure calculators: ledger frames and config in, plain results out.  One concern per module:

- `sizes`: one reading of a size text (整版, `35×24cm`, full-width digits), shared with monitoring;
- `matching`: the three-way match (public API reused by the flight and rights reports);
- `status`: a reconciliation code for every insertion, and the exceptions;
- `prepayment`: the prepayment statement per campaign and its waterfall;
- `ageing`: the payment reconciliation list per counterparty, ageing buckets, pay when paid;
- `reconciliation`: all of it for one as-of day (`reconcile`), and its JSON.
"""
from __future__ import annotations

from .ageing import bucket_keys, bucket_labels
from .matching import CLIPPING_FIELDS, Matching, client_aliases, client_clippings, match, match_insertions, normalise_name
from .prepayment import PREPAYMENT_KEYS, waterfall
from .reconciliation import FIELDS_READ, Reconciliation, reconcile
from .sizes import SIZE_KINDS, Size, parse_size
from .status import EXCEPTION_TYPES, OK_STATUSES, STATUSES, within_tolerance

__all__ = [
    "Size",
    "parse_size",
    "SIZE_KINDS",
    "Matching",
    "match",
    "CLIPPING_FIELDS",
    "match_insertions",
    "client_aliases",
    "client_clippings",
    "normalise_name",
    "STATUSES",
    "OK_STATUSES",
    "EXCEPTION_TYPES",
    "within_tolerance",
    "PREPAYMENT_KEYS",
    "waterfall",
    "bucket_keys",
    "bucket_labels",
    "Reconciliation",
    "reconcile",
    "FIELDS_READ",
]
