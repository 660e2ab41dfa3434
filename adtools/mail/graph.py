"""The Graph transport, for Exchange Online: a draft made with our token, recorded, then sent (exactly once).

Microsoft switches EWS off in Exchange Online, and exchangelib will not move to
Graph, so Exchange Online is reached here: client credentials (`[mail.graph]`
tenant_id, client_id, the secret from the environment variable `secret_env`),
with `authority` and `graph_endpoint` configurable for the global cloud and the
cloud operated in China.  The app needs the application permissions Mail.Send,
Mail.ReadWrite (to make the draft and attach files to it) and Mail.ReadBasic.All.

`sendMail` has no idempotency key and can time out after delivering, so a
message is sent in three steps, each of which can be checked after a crash:

1. the message is created as a draft (`POST /users/{sender}/messages`) carrying
   its token as the header `X-Adtools-Token` and as a named property (PublicStrings
   `AdtoolsToken`, the one the EWS transport sets); its id, immutable
   (`Prefer: IdType="ImmutableId"`), is written to the outbox row at once;
2. attachments up to 3 MB travel inline in the draft; larger ones (up to 150 MB)
   go through an upload session in byte ranges (`UPLOAD_CHUNK_BYTES`);
3. the draft is sent (`POST /messages/{id}/send`).

A later attempt with a draft id recorded reads that draft: not a draft any more
means it was sent (recorded as sent, nothing posted); a complete draft is sent;
a draft cut short while its attachments uploaded is deleted and made again
(it was never sent).  A draft that is gone is looked up by its token in Sent
Items; only when it is in neither place is a new draft made.

Throttling (429, 503, 504) is retried honouring Retry-After, for at most
`max_wait_seconds` in all; beyond that the message goes back to the outbox.
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

__all__ = ["GraphTransport", "TOKEN_PROPERTY_ID", "MAX_INLINE_ATTACHMENT_BYTES", "MAX_ATTACHMENT_BYTES", "UPLOAD_CHUNK_BYTES"]

log = logging.getLogger("adtools.mail.graph")

# PS_PUBLIC_STRINGS, name AdtoolsToken: the property exchange.py sets through EWS
TOKEN_PROPERTY_ID = "String {00020329-0000-0000-C000-000000000046} Name AdtoolsToken"
# a request takes at most 4 MB and base64 grows attachments by a third: up to 3 MB travel inline in the draft,
# larger files go through an upload session (Graph's limit per attachment: 150 MB)
MAX_INLINE_ATTACHMENT_BYTES = 3 * 1024 * 1024
MAX_ATTACHMENT_BYTES = 150 * 1024 * 1024
# each PUT of an upload session: a multiple of 320 KiB, under the 4 MB Graph takes per request
UPLOAD_CHUNK_BYTES = 10 * 320 * 1024
# ids that survive the move from Drafts to Sent Items, so a recorded draft can be read after it was sent
_IMMUTABLE_ID = {"Prefer": 'IdType="ImmutableId"'}
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
        # token, discovery, the draft, its attachments (a 35 MB file is 11 ranges) and the send; a second flush
        # must not take over a send still uploading, so this errs long
        return g.max_wait_seconds + 24 * g.timeout_seconds

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

    def _busy(self, detail: str, keys: str = "graph_endpoint and max_wait_seconds", retry_after: float | None = None) -> DeliveryError:
        return DeliveryError(
            f"Microsoft Graph 暂时不可用 / Microsoft Graph is busy or unreachable for {self._who()}: {redact(detail)}. "
            f"Fix if it persists: check the network and [mail.graph] {keys}.",
            transient=True,
            stop=True,
            retry_after=retry_after,
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

    def _request(self, method: str, url: str, *, auth: bool = True, headers: dict[str, str] | None = None,
                 **kwargs: Any) -> requests.Response:
        """One Graph call, retrying 429/503/504 while the total wait stays within max_wait_seconds.

        `auth=False` for an upload session's URL, which is pre-authenticated (and secret: never shown whole).
        """
        waited = 0.0
        attempt = 0
        shown = url if auth else url.split("?", 1)[0]
        while True:
            sent_headers = dict(headers or {})
            if auth:
                sent_headers["Authorization"] = f"Bearer {self._token_now()}"
            try:
                resp = self._session.request(method, url, headers=sent_headers, timeout=self.g.timeout_seconds, **kwargs)
            except requests.exceptions.RequestException as exc:
                detail = f"{type(exc).__name__}: {exc}"
                if not auth:
                    detail = detail.replace(url, shown)
                raise self._busy(f"{method} {shown}: {detail}") from None
            if resp.status_code not in _RETRY_STATUS:
                return resp
            attempt += 1
            wait = _retry_after(resp)
            if wait is None:
                wait = float(2 ** min(attempt, 6))
            if waited + wait > self.g.max_wait_seconds:
                raise self._busy(
                    f"HTTP {resp.status_code} {_graph_error(resp)}; the server asks to wait {wait:g} s more after "
                    f"{waited:g} s, beyond [mail.graph] max_wait_seconds = {self.g.max_wait_seconds}",
                    retry_after=wait,
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
                "Fix: grant the app the application permissions Mail.Send, Mail.ReadWrite and Mail.ReadBasic.All "
                "(admin consent), "
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

    def _message(self, item: Outgoing) -> tuple[dict[str, Any], list[tuple[str, str, bytes]]]:
        """The draft's JSON (small attachments inline) and the attachments to add to it afterwards."""
        p = item.parts()
        if p.html is not None:
            body = {"contentType": "HTML", "content": p.html}
        else:
            body = {"contentType": "Text", "content": p.text}
        for name, _, data in p.attachments:
            if len(data) > MAX_ATTACHMENT_BYTES:
                raise DeliveryError(
                    f"附件过大 / The attachment {name!r} has {len(data)} bytes, more than Microsoft Graph takes "
                    f"({MAX_ATTACHMENT_BYTES} bytes). Fix: send it through the exchange or smtp transport, or make "
                    "the report workbook smaller.",
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
        inline, later, budget = [], [], MAX_INLINE_ATTACHMENT_BYTES
        for name, ctype, data in p.attachments:
            if len(data) <= budget:  # inline while the draft's request stays under Graph's 4 MB
                budget -= len(data)
                inline.append(_file_attachment(name, ctype, data))
            else:
                later.append((name, ctype, data))
        if inline:
            message["attachments"] = inline
        return message, later

    def _attach(self, draft: str, name: str, ctype: str, data: bytes) -> None:
        """One attachment added to the draft: a POST up to 3 MB, else an upload session in byte ranges."""
        url = f"{self._mailbox()}/messages/{quote(draft, safe='')}/attachments"
        if len(data) <= MAX_INLINE_ATTACHMENT_BYTES:
            resp = self._request("POST", url, json=_file_attachment(name, ctype, data))
            if resp.status_code != 201:
                raise self._failed(resp, f"attach {name!r} to the draft")
            return
        item = {"attachmentType": "file", "name": name, "size": len(data), "contentType": ctype}
        resp = self._request("POST", f"{url}/createUploadSession", json={"AttachmentItem": item})
        if resp.status_code != 201:
            raise self._failed(resp, f"create an upload session for {name!r}")
        upload = resp.json().get("uploadUrl", "")
        start, total = 0, len(data)
        for _ in range(2 * (total // UPLOAD_CHUNK_BYTES + 2)):  # ranges asked again are allowed, endless ones not
            if start >= total:
                break
            end = min(start + UPLOAD_CHUNK_BYTES, total) - 1
            resp = self._request(
                "PUT", upload, auth=False, data=data[start : end + 1],
                headers={"Content-Type": "application/octet-stream", "Content-Range": f"bytes {start}-{end}/{total}"},
            )
            if resp.status_code == 201:  # the last range: the attachment is on the draft
                return
            if resp.status_code in (400, 413, 415, 422):
                raise self._failed(resp, f"upload bytes {start}-{end} of {name!r}")
            if resp.status_code != 200:  # an expired or lost session: a later attempt makes the draft again
                raise self._busy(f"HTTP {resp.status_code} {_graph_error(resp)} (upload bytes {start}-{end} of {name!r})")
            start = _next_expected(resp, end + 1)
        raise self._busy(f"the upload session of {name!r} took all {total} bytes without completing the attachment")

    def _read_draft(self, draft: str) -> dict[str, Any] | None:
        """The recorded draft (id, isDraft, internetMessageId, its attachments' names), None when it is gone."""
        url = f"{self._mailbox()}/messages/{quote(draft, safe='')}"
        resp = self._request("GET", url, params={"$select": "id,isDraft,internetMessageId"}, headers=_IMMUTABLE_ID)
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            raise self._failed(resp, "read the recorded draft")
        found = resp.json()
        if found.get("isDraft"):
            resp = self._request("GET", f"{url}/attachments", params={"$select": "name"}, headers=_IMMUTABLE_ID)
            if resp.status_code != 200:
                raise self._failed(resp, "list the recorded draft's attachments")
            found["attachment_names"] = sorted(a.get("name", "") for a in resp.json().get("value", []))
        return found

    def _create_draft(self, item: Outgoing) -> str:
        message, later = self._message(item)
        resp = self._request("POST", f"{self._mailbox()}/messages", json=message, headers=_IMMUTABLE_ID)
        if resp.status_code != 201:
            raise self._failed(resp, "create the draft")
        draft = str(resp.json().get("id", ""))
        if not draft:
            raise self._busy("the draft was created without an id")
        if item.record_draft is not None:
            item.record_draft(draft)  # before anything can send it: a later attempt finds this draft
        for name, ctype, data in later:
            self._attach(draft, name, ctype, data)
        return draft

    # ---------------------------------------------------------------- Transport
    def send(self, item: Outgoing) -> str | None:
        draft = None
        if item.draft_id:
            found = self._read_draft(item.draft_id)
            if found is not None and not found.get("isDraft"):
                log.warning("mail %s: its recorded draft was already sent; not sent again", item.key)
                return found.get("internetMessageId") or f"graph message {item.draft_id}"
            wanted = sorted(name for name, _, _ in item.parts().attachments)
            if found is not None and found["attachment_names"] == wanted:
                draft = item.draft_id
            elif found is not None:  # cut short while its attachments were added: never sent, made again
                log.warning("mail %s: its recorded draft lacks attachments (an interrupted upload); making it again", item.key)
                resp = self._request("DELETE", f"{self._mailbox()}/messages/{quote(item.draft_id, safe='')}")
                if resp.status_code not in (204, 404):
                    log.warning("the incomplete draft of mail %s could not be deleted (HTTP %s); it stays unsent in Drafts",
                                item.key, resp.status_code)
        if draft is None:
            draft = self._create_draft(item)
        resp = self._request("POST", f"{self._mailbox()}/messages/{quote(draft, safe='')}/send")
        if resp.status_code != 202:
            raise self._failed(resp, "send the draft")
        return f"graph message {draft}"

    def find_sent(self, item: Outgoing) -> str | None:
        if item.draft_id:
            found = self._read_draft(item.draft_id)
            if found is not None:  # the recorded draft tells: sent, or still a draft (then `send` sends it)
                return None if found.get("isDraft") else (found.get("internetMessageId") or f"graph message {item.draft_id}")
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


def _file_attachment(name: str, ctype: str, data: bytes) -> dict[str, Any]:
    return {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": name,
        "contentType": ctype,
        "contentBytes": base64.b64encode(data).decode("ascii"),
    }


def _next_expected(resp: requests.Response, default: int) -> int:
    """Where the upload session wants the next range to start (`nextExpectedRanges`: ["3276800-"])."""
    try:
        ranges = resp.json().get("nextExpectedRanges") or []
        return int(str(ranges[0]).split("-", 1)[0]) if ranges else default
    except (ValueError, AttributeError):
        return default
