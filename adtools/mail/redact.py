"""Keep secrets out of logs and error text: the HTTP libraries log request headers at DEBUG.

exchangelib logs every request's headers at DEBUG, and with basic auth that
includes `Authorization: Basic base64(user:password)`.  `protect(...)` registers
the secrets of a transport and attaches a filter to the loggers of the mail
libraries that rewrites any record containing a secret, an encoded form of it,
an Authorization header or a bearer token.  `redact` does the same for text we
put into exceptions and into the outbox's `last_error`.
"""
from __future__ import annotations

import base64
import logging
import re
from urllib.parse import quote, quote_plus

__all__ = ["protect", "redact", "MASK"]

MASK = "***"
_LOGGER_PREFIXES = ("exchangelib", "requests_ntlm", "msal", "urllib3", "requests", "adtools")
_HEADER_RE = re.compile(r"""(['"]?(?:Authorization|Proxy-Authorization)['"]?\s*[:=]\s*['"]?)[^'",}\r\n]+""", re.IGNORECASE)
_BEARER_RE = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}", re.IGNORECASE)
_secrets: set[str] = set()


def _forms(secret: str, username: str = "") -> set[str]:
    """The secret and the encodings in which it may travel (basic auth, form posts)."""
    out = {secret, quote(secret, safe=""), quote_plus(secret)}
    out.add(base64.b64encode(secret.encode()).decode())
    if username:
        out.add(base64.b64encode(f"{username}:{secret}".encode()).decode())
    return {s for s in out if len(s) >= 4}


def redact(text: str) -> str:
    """`text` with every registered secret, Authorization header value and bearer token masked."""
    for s in sorted(_secrets, key=len, reverse=True):
        if s in text:
            text = text.replace(s, MASK)
    text = _HEADER_RE.sub(lambda m: m.group(1) + MASK, text)
    return _BEARER_RE.sub(lambda m: m.group(1) + MASK, text)


class _RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a broken log call is not ours to fix
            return True
        clean = redact(text)
        if clean != text:
            record.msg, record.args = clean, None
        return True


_FILTER = _RedactFilter()


def protect(secret: str, username: str = "") -> None:
    """Register a secret and make sure every mail-library logger masks it.

    Filters on a logger only see records created by that very logger, so the
    filter is attached to each existing logger of those libraries (they create
    their loggers when imported, which has happened by the time a transport
    calls this).
    """
    if secret:
        _secrets.update(_forms(secret, username))
    names = [n for n in list(logging.Logger.manager.loggerDict) if n.split(".")[0] in _LOGGER_PREFIXES]
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
