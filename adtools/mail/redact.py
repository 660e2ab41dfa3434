"""Keep secrets out of logs and error text: the HTTP libraries log request headers at DEBUG.

exchangelib logs every request's headers at DEBUG, and with basic auth that
includes `Authorization: Basic base64(user:password)`.  `protect(...)` registers
the secrets of a transport and attaches a filter to the loggers of the mail
libraries that rewrites any record containing a secret, an encoded form of it,
an Authorization header or a bearer token.  `redact` does the same for text we
put into exceptions and into the outbox's `last_error`, and masks every form in which a
server may echo a credential back in an error: AUTH PLAIN/LOGIN/NTLM lines, NTLM blobs,
Basic/NTLM/Negotiate and bearer tokens, passwords in URLs and form posts, and any base64
token whose bytes hold a registered secret (at any offset, UTF-8 or UTF-16).
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


# what a server may echo back in an error: the SASL exchange (AUTH PLAIN/LOGIN/NTLM/XOAUTH2 with its
# base64), HTTP auth schemes (Basic, NTLM, Negotiate), passwords in URLs and in form posts
_AUTH_RE = re.compile(r"(\bAUTH\s+(?:PLAIN|LOGIN|NTLM|XOAUTH2|OAUTHBEARER|CRAM-MD5|GSSAPI)\s+)[A-Za-z0-9+/=._-]+", re.IGNORECASE)
# a token, not a word: "Basic authentication failed" stays readable
_SCHEME_RE = re.compile(r"(\b(?i:Basic|NTLM|Negotiate)\s+)(?=[A-Za-z0-9+/][a-z]*[A-Z0-9+/=])[A-Za-z0-9+/]{8,}={0,2}")
_NTLM_BLOB_RE = re.compile(r"TlRMTVNT[A-Za-z0-9+/]*={0,2}")  # base64 of "NTLMSSP\0": any NTLM message
_URL_PASSWORD_RE = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+(@)", re.IGNORECASE)
_FORM_SECRET_RE = re.compile(r"(\b(?:password|passwd|pwd|client_secret|access_token|refresh_token|authtoken|secret)\s*[=:]\s*)[^\s&,;'\"]+",
                             re.IGNORECASE)
_B64_TOKEN_RE = re.compile(r"[A-Za-z0-9+/]{8,}={0,2}")
_raw_secrets: set[bytes] = set()


def _forms(secret: str, username: str = "") -> set[str]:
    """The secret and the encodings in which it may travel (basic auth, SASL PLAIN, form posts)."""
    out = {secret, quote(secret, safe=""), quote_plus(secret)}
    out.add(base64.b64encode(secret.encode()).decode())
    if username:
        for joined in (f"{username}:{secret}", f"\0{username}\0{secret}", f"{username}\0{username}\0{secret}"):
            out.add(base64.b64encode(joined.encode()).decode())
    return {s for s in out if len(s) >= 4}


def _decodes_to_secret(token: str) -> bool:
    """A base64 token whose bytes hold a registered secret, at any offset (SASL, Basic, NTLM payloads)."""
    if not _raw_secrets:
        return False
    try:
        raw = base64.b64decode(token + "=" * (-len(token) % 4), validate=True)
    except ValueError:
        return False
    return any(s in raw or s.decode("utf-8", "ignore").encode("utf-16-le") in raw for s in _raw_secrets)


def redact(text: str) -> str:
    """`text` with every registered secret (and its encodings), every credential a server may echo masked:
    Authorization headers, bearer tokens, AUTH lines, NTLM blobs, passwords in URLs and form posts."""
    for s in sorted(_secrets, key=len, reverse=True):
        if s in text:
            text = text.replace(s, MASK)
    text = _HEADER_RE.sub(lambda m: m.group(1) + MASK, text)
    text = _BEARER_RE.sub(lambda m: m.group(1) + MASK, text)
    text = _AUTH_RE.sub(lambda m: m.group(1) + MASK, text)
    text = _SCHEME_RE.sub(lambda m: m.group(1) + MASK, text)
    text = _NTLM_BLOB_RE.sub(MASK, text)
    text = _URL_PASSWORD_RE.sub(lambda m: m.group(1) + MASK + m.group(2), text)
    text = _FORM_SECRET_RE.sub(lambda m: m.group(1) + MASK, text)
    return _B64_TOKEN_RE.sub(lambda m: MASK if _decodes_to_secret(m.group(0)) else m.group(0), text)


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
        if len(secret) >= 4:
            _raw_secrets.add(secret.encode())
    names = [n for n in list(logging.Logger.manager.loggerDict) if n.split(".")[0] in _LOGGER_PREFIXES]
    for name in names:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
