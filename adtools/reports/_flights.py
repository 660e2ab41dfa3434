"""When a flight report falls due: the flights of the ledger's media schedules `after_days` after their end."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config
    from ..ledger.store import Ledger

__all__ = ["flights_due_options"]


def flights_due_options(cfg: "Config", ledger: "Ledger", now: datetime, after_days: int) -> list[dict[str, Any]]:
    """[{"campaign", "flight"}, …] of each flight `after_days` days after its end at `now` (config time zone), or later."""
    from ..ledger import frames
    from ..monitoring import flights
    from ..monitoring.due import flights_due

    day = now.astimezone(cfg.tz).date()
    fl = flights(frames.documents(ledger, "media_schedule"))
    return [{"campaign": c, "flight": f} for c, f in flights_due(fl, after_days, day)]
