"""The Graph transport, for Exchange Online: Microsoft Graph `sendMail` with an app-only token from msal.

Microsoft switches EWS off in Exchange Online, and exchangelib will not move to
Graph, so Exchange Online is reached here: client credentials (`[mail.graph]`
tenant_id, client_id, the secret from the environment variable `secret_env`),
with `authority` and `graph_endpoint` configurable for the global cloud and the
cloud operated in China.  The app needs the application permissions Mail.Send
and Mail.ReadBasic.All (to find a message in Sent Items after a crash).

Throttling (429, 503, 504) is retried honouring Retry-After, for at most
`max_wait_seconds` in all; beyond that the message goes back to the outbox.
Every message carries its token as the header `X-Adtools-Token` and as a named
property (PublicStrings `AdtoolsToken`, the same one the EWS transport sets), by
which Sent Items is searched before a message left in `sending` is resent.
"""
from __future__ import annotations

import base64
import logging
import time
from email.utils import parsedate_to_datetime
from datetime import timezone
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import quote

import msal
import requests

from .message import TOKEN_HEADER
from .. import clock
from .redact import protect, redact
from .transport import DeliveryError, Outgoing

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["GraphTransport", "TOKEN_PROPERTY_ID", "MAX_REQUEST_ATTACHMENT_BYTES"]

log = logging.getLogger("adtools.mail.graph")

# PS_PUBLIC_STRINGS, name AdtoolsToken: the property exchange.py sets through EWS
TOKEN_PROPERTY_ID = "String {00020329-0000-0000-C000-000000000046} Name AdtoolsToken"
# sendMail takes attachments inline only up to a 4 MB request; base64 grows them by a third
MAX_REQUEST_ATTACHMENT_BYTES = 3 * 1024 * 1024
_RETRY_STATUS = (429, 503, 504)
_TOKEN_KEYS = "authority (the sign-in endpoint of your cloud) and tenant_id"
_AUTH_ERRORS = {"invalid_client", "unauthorized_client", "invalid_request", "invalid_grant", "invalid_scope"}


class GraphTransport:
    """Sends through Microsoft Graph with one token and one HTTP session per flush."""

    name = "graph"
    can_find_sent = True

    @classmethod
    def lease_seconds(cls, config: "Config") -> int:
        g = config.mail.graph
        return g.max_wait_seconds + 6 * g.timeout_seconds  # token, discovery, send and its retries

    def __init__(self, config: "Config", sleep: Callable[[float], None] | None = None):
        g = config.mail.graph
        self.g = g
        self.sender = config.mail.sender
        missing = [k for k in ("tenant_id", "client_id") if not getattr(g, k)]
        if missing:
            raise DeliveryError(
                f"未配置 Graph 应用 / Microsoft Graph is not configured: [mail.graph] {' and '.join(missing)} "
                "is empty. Fix: set tenant_id and client_id of the app registration.",
                transient=False,
                stop=True,
            )
        self._secret = config.secret(g.secret_env)
        protect(self._secret)
        self.base = g.graph_endpoint.rstrip("/")
        self._sleep = sleep or time.sleep
        self._session = requests.Session()
        self._app: msal.ConfidentialClientApplication | None = None
        self._token: str | None = None

    # ---------------------------------------------------------------- helpers
    def _who(self) -> str:
        return f"app {self.g.client_id} in tenant {self.g.tenant_id} (mailbox {self.sender})"

    def _keys(self) -> str:
        return (
            f"[mail.graph] tenant_id, client_id, authority ({self.g.authority}) and the client secret in the "
            f"environment variable {self.g.secret_env} ([mail.graph] secret_env)"
        )

    def _auth_error(self, detail: str) -> DeliveryError:
        return DeliveryError(
            f"Microsoft Graph 拒绝登录 / Microsoft Graph refused the login of {self._who()}: {redact(detail)}. "
            f"Fix: check {self._keys()}.",
            transient=False,
            stop=True,
        )

    def _busy(self, detail: str, keys: str = "graph_endpoint and max_wait_seconds") -> DeliveryError:
        return DeliveryError(
            f"Microsoft Graph 暂时不可用 / Microsoft Graph is busy or unreachable for {self._who()}: {redact(detail)}. "
            f"Fix if it persists: check the network and [mail.graph] {keys}.",
            transient=True,
            stop=True,
        )

    def _token_now(self) -> str:
        if self._token:
            return self._token
        authority = f"{self.g.authority.rstrip('/')}/{self.g.tenant_id}"
        try:
            if self._app is None:
                self._app = msal.ConfidentialClientApplication(
                    self.g.client_id,
                    client_credential=self._secret,
                    authority=authority,
                    timeout=self.g.timeout_seconds,
                )
            result = self._app.acquire_token_for_client(scopes=[f"{self.base}/.default"])
        except requests.exceptions.RequestException as exc:
            raise self._busy(f"token request to {authority}: {type(exc).__name__}: {exc}", _TOKEN_KEYS) from None
        except ValueError as exc:  # msal: the authority cannot be resolved (wrong tenant or authority)
            raise self._auth_error(f"authority {authority}: {exc}") from None
        if "access_token" not in result:
            error = str(result.get("error", ""))
            detail = f"{error}: {result.get('error_description', '')}".strip()
            if error in _AUTH_ERRORS:
                raise self._auth_error(detail)
            raise self._busy(f"token request to {authority}: {detail}", _TOKEN_KEYS)
        self._token = result["access_token"]
        return self._token

    def _request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One Graph call, retrying 429/503/504 while the total wait stays within max_wait_seconds."""
        waited = 0.0
        attempt = 0
        while True:
            headers = {"Authorization": f"Bearer {self._token_now()}"}
            try:
                resp = self._session.request(method, url, headers=headers, timeout=self.g.timeout_seconds, **kwargs)
            except requests.exceptions.RequestException as exc:
                raise self._busy(f"{method} {url}: {type(exc).__name__}: {exc}") from None
            if resp.status_code not in _RETRY_STATUS:
                return resp
            attempt += 1
            wait = _retry_after(resp)
            if wait is None:
                wait = float(2 ** min(attempt, 6))
            if waited + wait > self.g.max_wait_seconds:
                raise self._busy(
                    f"HTTP {resp.status_code} {_graph_error(resp)}; the server asks to wait {wait:g} s more after "
                    f"{waited:g} s, beyond [mail.graph] max_wait_seconds = {self.g.max_wait_seconds}"
                )
            log.info("Graph answered %s; waiting %s s as asked (Retry-After)", resp.status_code, wait)
            self._sleep(wait)
            waited += wait

    def _failed(self, resp: requests.Response, doing: str) -> DeliveryError:
        code = resp.status_code
        detail = f"HTTP {code} {_graph_error(resp)} ({doing})"
        if code == 401:
            return self._auth_error(detail)
        if code == 403:
            return DeliveryError(
                f"Microsoft Graph 拒绝访问 / Microsoft Graph denied {self._who()}: {redact(detail)}. "
                "Fix: grant the app the application permissions Mail.Send and Mail.ReadBasic.All (admin consent), "
                "and check any application access policy that limits its mailboxes.",
                transient=False,
                stop=True,
            )
        if code == 404:
            return DeliveryError(
                f"找不到发件邮箱 / Microsoft Graph has no mailbox {self.sender}: {redact(detail)}. "
                "Fix: check [mail] sender and [mail.graph] graph_endpoint.",
                transient=False,
                stop=True,
            )
        if code in (400, 413, 415, 422):
            return DeliveryError(
                f"Microsoft Graph 拒绝此邮件 / Microsoft Graph refused this message from {self._who()}: "
                f"{redact(detail)}. Fix: check [mail.recipients] and the attachments.",
                transient=False,
            )
        return self._busy(detail)

    def _mailbox(self) -> str:
        return f"{self.base}/v1.0/users/{quote(self.sender, safe='@')}"

    def _payload(self, item: Outgoing) -> dict[str, Any]:
        p = item.parts()
        if p.html is not None:
            body = {"contentType": "HTML", "content": p.html}
        else:
            body = {"contentType": "Text", "content": p.text}
        total = sum(len(data) for _, _, data in p.attachments)
        if total > MAX_REQUEST_ATTACHMENT_BYTES:
            raise DeliveryError(
                f"附件过大 / The attachments of this message total {total} bytes, more than Microsoft Graph "
                f"sendMail accepts inline ({MAX_REQUEST_ATTACHMENT_BYTES} bytes). Fix: send it through the "
                "exchange or smtp transport, or make the report workbook smaller.",
                transient=False,
            )
        message: dict[str, Any] = {
            "subject": p.subject,
            "body": body,
            "toRecipients": [{"emailAddress": {"address": a}} for a in p.to],
            "internetMessageHeaders": [{"name": TOKEN_HEADER, "value": item.token}],
            "singleValueExtendedProperties": [{"id": TOKEN_PROPERTY_ID, "value": item.token}],
        }
        if p.cc:
            message["ccRecipients"] = [{"emailAddress": {"address": a}} for a in p.cc]
        if p.attachments:
            message["attachments"] = [
                {
                    "@odata.type": "#microsoft.graph.fileAttachment",
                    "name": name,
                    "contentType": ctype,
                    "contentBytes": base64.b64encode(data).decode("ascii"),
                }
                for name, ctype, data in p.attachments
            ]
        return {"message": message, "saveToSentItems": True}

    # ---------------------------------------------------------------- Transport
    def send(self, item: Outgoing) -> str | None:
        payload = self._payload(item)
        resp = self._request("POST", f"{self._mailbox()}/sendMail", json=payload)
        if resp.status_code != 202:
            raise self._failed(resp, "sendMail")
        request_id = resp.headers.get("request-id")
        return f"graph request-id {request_id}" if request_id else None

    def find_sent(self, item: Outgoing) -> str | None:
        flt = f"singleValueExtendedProperties/Any(ep: ep/id eq '{TOKEN_PROPERTY_ID}' and ep/value eq '{item.token}')"
        resp = self._request(
            "GET",
            f"{self._mailbox()}/mailFolders/sentitems/messages",
            params={"$filter": flt, "$select": "id,internetMessageId", "$top": "1"},
        )
        if resp.status_code != 200:
            raise self._failed(resp, "search Sent Items")
        found = resp.json().get("value", [])
        if not found:
            return None
        return found[0].get("internetMessageId") or found[0].get("id") or "found in Sent Items"

    def test(self) -> dict[str, Any]:
        resp = self._request(
            "GET", f"{self._mailbox()}/mailFolders/sentitems", params={"$select": "displayName,totalItemCount"}
        )
        if resp.status_code != 200:
            raise self._failed(resp, "read Sent Items")
        folder = resp.json()
        return {
            "transport": self.name,
            "server": self.base,
            "account": f"{self.g.client_id} ({self.sender})",
            "version": "Microsoft Graph v1.0",
            "detail": f"authenticated; Sent Items holds {folder.get('totalItemCount', '?')} messages; nothing was sent",
        }

    def close(self) -> None:
        self._session.close()


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - clock.now(timezone.utc)).total_seconds())


def _graph_error(resp: requests.Response) -> str:
    try:
        err = resp.json().get("error", {})
        return f"{err.get('code', '')}: {err.get('message', '')}".strip(": ")
    except ValueError:
        return resp.text[:200]
