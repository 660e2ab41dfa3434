"""Reports: one module per report renders computed figures as a workbook, a mail body and JSON (weekly, fees, quote)."""

__all__: list[str] = []
