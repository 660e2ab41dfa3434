"""The ledger: every ingested workbook version and its records, kept forever."""
