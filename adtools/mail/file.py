"""The file transport: each message becomes a standard .eml file in `[paths] outbox` (demo, tests, air-gapped sites).

Files are named `<timestamp>_<key-slug>.eml` (timestamp in the config's time
zone; the slug is the report, the period and the first 8 characters of the
message's token) and written atomically: a temporary file in the same folder,
then `os.replace`, so a reader never sees half a message.  After a crash the
message counts as sent when a file with its slug and token header exists.
"""
from __future__ import annotations

import os
import re
import tempfile
from datetime import datetime
from email import policy
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .message import TOKEN_HEADER
from .. import clock
from ..sharing import make_shared
from .transport import DeliveryError, Outgoing

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["FileTransport", "key_slug"]


def key_slug(item: Outgoing) -> str:
    """`weekly-2026-11-27-1f3a9c0d`: safe on every file system."""
    raw = "-".join(p for p in (item.report, item.period) if p) or "message"
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-.")[:60] or "message"
    return f"{slug}-{item.token[:8]}"


class FileTransport:
    """Writes .eml files into the outbox folder."""

    name = "file"
    can_find_sent = True

    @classmethod
    def lease_seconds(cls, config: "Config") -> int:
        return 60

    def __init__(self, config: "Config", now: Callable[[], datetime] | None = None):
        self.folder = config.outbox_dir
        self._now = now or (lambda: clock.now(config.tz))

    def _fail(self, what: str, exc: OSError) -> DeliveryError:
        return DeliveryError(
            f"无法写入发件箱文件夹 / Cannot {what} in the outbox folder {self.folder}: {exc.strerror or exc}. "
            "Fix: check [paths] outbox and that the service account may write there.",
            transient=True,
            stop=True,
        )

    def send(self, item: Outgoing) -> str:
        item.email()  # refuse bytes that do not belong to the row before writing anything
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._fail("create the folder", exc) from None
        stamp = self._now().strftime("%Y%m%d-%H%M%S")
        target = self.folder / f"{stamp}_{key_slug(item)}.eml"
        fd, tmp = tempfile.mkstemp(prefix=".sending-", suffix=".tmp", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(item.eml)
                fh.flush()
                os.fsync(fh.fileno())
            make_shared(tmp)  # mkstemp made it private (0600): readable by whoever reads the outbox folder
            os.replace(tmp, target)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            raise self._fail("write a message", exc) from None
        return target.name

    def find_sent(self, item: Outgoing) -> str | None:
        for path in sorted(self.folder.glob(f"*_{key_slug(item)}.eml")):
            try:
                with path.open("rb") as fh:
                    headers = BytesHeaderParser(policy=policy.default).parse(fh)
            except OSError:
                continue
            if headers.get(TOKEN_HEADER) == item.token:
                return path.name
        return None

    def test(self) -> dict[str, Any]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".test-", dir=self.folder)
            os.close(fd)
            os.unlink(tmp)
        except OSError as exc:
            raise self._fail("write", exc) from None
        return {"transport": self.name, "server": str(self.folder), "version": "", "account": "", "detail": "outbox folder is writable"}

    def close(self) -> None:
        pass
