"""Write the demo's workbooks into a watch folder, as staff would have saved them.

Only workbooks that are absent are written, so re-running the demo never clobbers
a file someone opened and edited.  A new file's modification time is its author's
save time, so a scan does not wait for it to settle.
"""
from __future__ import annotations

import logging
import os
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from ..forms.catalog import FORMS
from ..forms.fill import Filler
from .story import demo_documents

if TYPE_CHECKING:
    from ..config import Config

__all__ = ["write_demo_inbox"]

log = logging.getLogger("adtools.demo.inbox")


def write_demo_inbox(cfg: "Config", inbox_dir: str | os.PathLike[str], today: date, *, overwrite: bool = False) -> list[Path]:
    """Write every demo workbook under `inbox_dir` (sub-folders per department); return the paths written.

    A workbook that already exists is left alone unless `overwrite` is set.
    """
    inbox = Path(inbox_dir)
    filler = Filler(cfg)
    written = []
    for doc in demo_documents(cfg, today):
        target = inbox.joinpath(*doc.filename.split("/"))
        if target.exists() and not overwrite:
            continue
        filler.fill(FORMS[doc.form_id], doc.header, doc.rows, target, author=doc.author, saved_at=doc.saved_at)
        if doc.saved_at is not None:
            stamp = doc.saved_at.replace(tzinfo=cfg.tz).timestamp()
            os.utime(target, (stamp, stamp))
        written.append(target)
    log.info("wrote %d demo workbooks under %s", len(written), inbox)
    return written
