"""Fees by the manual's standard: the monthly fee statement, quote pricing, estimate against actual.

Pure calculators over the ledger's frames (docs/CONTRACTS.md, "Ledger frames"): no
file or network I/O.  The frames the ledger gives hold only the **current**
version of every document, so a superseded timesheet or cost log never reaches
these functions; callers that build frames themselves must do the same.

The rules (CONFIG.md `[rates]`, `[[rate_cards]]`, `[film]`, `[fees]`):

- hourly work: for each job and rate category, hours x the rate in force on the
  work date; the amount per (job, category, rate) is rounded half up to the fen.
  `non_billable` hours are never charged;
- film (cost log, cost_type `film`): price per piece of its kind x (w x h) /
  (base w x base h) x quantity, rounded half up per line;
- out-of-pocket costs (billable cost-log lines): actual x (1 + oop_markup),
  rounded half up per line; postage at cost;
- per job: subtotal = hours fees + film + costs + postage; tax = subtotal x
  tax_rate rounded half up; total = subtotal + tax.  Statement totals are sums of
  the jobs' figures.

Rows count by their own date (a timesheet week spanning two months splits).
Arithmetic is exact: hours become integer hundredths of an hour, money is Decimal
quantised to the fen; binary floats never carry a figure.  The work is done with
group-bys and joins; Python-level work is per distinct value or per group only.

One concern per module:

- `periods`: the bounds of a month and the weeks whose timesheets a statement needs;
- `rates`: hourly rates by date (the rate cards) and film priced by size;
- `charges`: timesheet hours and cost-log lines priced, and each job's figures per month;
- `budget`: estimate against actual (approved quotes against what was billed);
- `statement`: the monthly fee statement that assembles them;
- `quote`: a quote document priced line by line;
- `billed`: each job's fees and costs billed through a day (the reconciliation's prepayment statement).
"""
from __future__ import annotations

from .billed import billed_to_date
from .budget import QUOTE_DOCUMENTS
from .charges import NON_BILLABLE
from .periods import Workdays, month_bounds, statement_weeks
from .quote import PricedLine, PricedQuote, price_quote
from .rates import film_price, film_rates
from .statement import MONEY_KEYS, FeeStatement, fee_statement

__all__ = [
    "NON_BILLABLE",
    "billed_to_date",
    "QUOTE_DOCUMENTS",
    "Workdays",
    "MONEY_KEYS",
    "FeeStatement",
    "PricedLine",
    "PricedQuote",
    "fee_statement",
    "price_quote",
    "film_price",
    "film_rates",
    "month_bounds",
    "statement_weeks",
]
