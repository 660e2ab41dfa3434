"""Media monitoring calculators: brand normalisation, the monthly three-part analysis, the flight's market analysis and execution.

Pure functions of the clipping frame (`ledger.frames.rows(ledger, "monitoring")`),
the brand-alias register, the media schedules, the flight notes and the config;
no file, network or clock I/O.
"""
from __future__ import annotations

from .brands import OTHER, BrandMap, brand_map, classify, unmapped
from .execution import EXECUTION_STATUSES, FlightExecution, delivery_rate, flight_execution, register_client_aliases
from .market import MarketAnalysis, flight_window, flights, market_analysis
from .volume import PARTS, MonitoringMonth, change, month_add, monitoring_month, months_back, months_read, shares

__all__ = [
    "OTHER", "BrandMap", "brand_map", "classify", "unmapped",
    "PARTS", "MonitoringMonth", "change", "month_add", "monitoring_month", "months_back", "months_read", "shares",
    "MarketAnalysis", "flight_window", "flights", "market_analysis",
    "EXECUTION_STATUSES", "FlightExecution", "delivery_rate", "flight_execution", "register_client_aliases",
]
