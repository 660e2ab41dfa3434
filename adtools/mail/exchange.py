"""The Exchange transport (on-premises, EWS) through exchangelib: send_and_save, so a copy lands in Sent Items.

Set-up makes no discovery request: the endpoint comes from `[mail.exchange]
service_endpoint` (autodiscover only when it is empty), the auth type (NTLM or
basic) and the server version (`Version(build=...)` from `version`) are fixed.
Throttling (ErrorServerBusy, HTTP 503) is retried by exchangelib's
`FaultTolerance`, bounded by `max_wait_seconds`; what is still failing after
that comes back to the outbox, which retries later with its own back-off.

One deliberate change to `FaultTolerance`: it treats HTTP 401 as throttling and
retries it.  For a service account a 401 is a wrong password, and retrying
bad logins for minutes locks the account in Active Directory, so here a 401
fails at once (exchangelib's maintainer recommends overriding
`raise_response_errors` for such policies).

EWS takes the HTML body only; Exchange itself makes the plain-text part for
recipients who want one.  Every message carries its outbox token twice: as the internet header
`X-Adtools-Token` (recipients see it) and as a named property in the
PublicStrings set, by which a message left in `sending` by a crash is looked up
in Sent Items before it is sent again.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import requests
from exchangelib import (
    BASIC,
    DELEGATE,
    NTLM,
    Account,
    Build,
    Configuration,
    Credentials,
    ExtendedProperty,
    FaultTolerance,
    FileAttachment,
    HTMLBody,
    Body,
    Mailbox,
    Message as EwsMessage,
    Version,
)
from exchangelib import errors as ews
from exchangelib.ewsdatetime import EWSTimeZone
from exchangelib.protocol import BaseProtocol, NoVerifyHTTPAdapter, Protocol

from .message import TOKEN_HEADER
from .redact import protect, redact
from .transport import DeliveryError, Outgoing

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["ExchangeTransport", "EXCHANGE_BUILDS", "TOKEN_PROPERTY_SET", "TOKEN_PROPERTY_NAME"]

log = logging.getLogger("adtools.mail.exchange")

# [mail.exchange] version -> the build exchangelib maps to that API version (exchangelib.version.VERSIONS)
EXCHANGE_BUILDS = {
    "Exchange2010": Build(14, 0),
    "Exchange2010_SP1": Build(14, 1),
    "Exchange2010_SP2": Build(14, 2),
    "Exchange2013": Build(15, 0),
    "Exchange2013_SP1": Build(15, 0, 847),
    "Exchange2016": Build(15, 1),
    "Exchange2019": Build(15, 2),
}
TOKEN_PROPERTY_SET = "PublicStrings"
TOKEN_PROPERTY_NAME = "AdtoolsToken"
_EWS_TIMEOUT = BaseProtocol.TIMEOUT  # exchangelib's per-request timeout (seconds)


class _TokenProperty(ExtendedProperty):
    """The outbox token as a named MAPI property: searchable in Sent Items."""

    distinguished_property_set_id = TOKEN_PROPERTY_SET
    property_name = TOKEN_PROPERTY_NAME
    property_type = "String"


class _TokenHeader(ExtendedProperty):
    """The outbox token as an internet header of the sent message."""

    distinguished_property_set_id = "InternetHeaders"
    property_name = TOKEN_HEADER
    property_type = "String"


def _register() -> None:
    for attr, cls in (("adtools_token", _TokenProperty), ("adtools_token_header", _TokenHeader)):
        try:
            EwsMessage.register(attr, cls)
        except ValueError:  # already registered in this process
            pass


_register()


class _Policy(FaultTolerance):
    """FaultTolerance, except that HTTP 401 is a refused login, not throttling (see the module docstring)."""

    def raise_response_errors(self, response):  # noqa: ANN001, ANN201
        if response.status_code == 401:
            raise ews.UnauthorizedError(f"HTTP 401 from {response.url}")
        return super().raise_response_errors(response)


_TRANSIENT = (
    ews.RateLimitError,
    ews.ErrorServerBusy,
    ews.ErrorTimeoutExpired,
    ews.ErrorInternalServerTransientError,
    ews.ErrorMailboxStoreUnavailable,
    ews.ErrorMailboxMoveInProgress,
    ews.ErrorConnectionFailedTransientError,
    ews.ErrorTooManyObjectsOpened,
    ews.MalformedResponseError,
    ews.SOAPError,
    requests.exceptions.RequestException,
)
_FAILURES = (ews.EWSError, requests.exceptions.RequestException, PermissionError)
_ACCOUNT = (ews.ErrorAccessDenied, ews.ErrorSendAsDenied, ews.ErrorNonExistentMailbox, ews.ErrorImpersonateUserDenied)
_MESSAGE = (ews.ErrorInvalidRecipients, ews.ErrorMessageSizeExceeded, ews.ErrorInvalidSmtpAddress)


class ExchangeTransport:
    """Sends through one exchangelib Account for the whole flush."""

    name = "exchange"
    can_find_sent = True

    @classmethod
    def lease_seconds(cls, config: "Config") -> int:
        # exchangelib may back off for max_wait, and a send makes up to four requests of its own timeout each
        return config.mail.exchange.max_wait_seconds + 4 * _EWS_TIMEOUT

    def __init__(self, config: "Config"):
        x = config.mail.exchange
        self.x = x
        self.sender = config.mail.sender
        self.tz = config.tz
        if not x.username:
            raise DeliveryError(
                "未配置 Exchange 账号 / No Exchange account is configured. "
                "Fix: set [mail.exchange] username (e.g. AGENCY\\svc-adtools) and service_endpoint.",
                transient=False,
                stop=True,
            )
        password = config.secret(x.password_env)
        protect(password, x.username)
        self._credentials = Credentials(username=x.username, password=password)
        self._config = Configuration(
            credentials=self._credentials,
            service_endpoint=x.service_endpoint or None,
            auth_type=NTLM if x.auth == "ntlm" else BASIC,
            version=Version(build=EXCHANGE_BUILDS[x.version]),
            retry_policy=_Policy(max_wait=x.max_wait_seconds),
        )
        self._account: Account | None = None
        if x.verify_tls:
            if BaseProtocol.HTTP_ADAPTER_CLS is NoVerifyHTTPAdapter:
                BaseProtocol.HTTP_ADAPTER_CLS = requests.adapters.HTTPAdapter
        else:
            # exchangelib only offers a process-wide switch; adtools talks to one Exchange server per process
            log.warning("TLS certificate verification is OFF for Exchange ([mail.exchange] verify_tls = false)")
            BaseProtocol.HTTP_ADAPTER_CLS = NoVerifyHTTPAdapter

    # ---------------------------------------------------------------- helpers
    def _who(self) -> str:
        where = self.x.service_endpoint or "autodiscover"
        return f"account {self.x.username} (mailbox {self.sender}) at {where}"

    def _keys(self) -> str:
        return (
            f"[mail.exchange] username, auth ({self.x.auth}), service_endpoint, and the password in the "
            f"environment variable {self.x.password_env} ([mail.exchange] password_env)"
        )

    def _error(self, exc: BaseException) -> DeliveryError:
        text = f"{type(exc).__name__}: {exc}"
        cause = exc.__cause__ or exc.__context__  # RateLimitError hides the ErrorServerBusy that led to it
        if isinstance(cause, ews.EWSError) and type(cause) is not type(exc):
            text += f" (after {type(cause).__name__}: {cause})"
        detail = redact(text)
        who = self._who()
        if isinstance(exc, (ews.UnauthorizedError, ews.CASError, PermissionError)):  # requests_ntlm: no NTLM challenge
            return DeliveryError(
                f"Exchange 拒绝登录 / Exchange refused the login of {who}: {detail}. Fix: check {self._keys()}.",
                transient=False,
                stop=True,
            )
        if isinstance(exc, _ACCOUNT):
            return DeliveryError(
                f"Exchange 拒绝此邮箱发信 / Exchange does not let {who} send: {detail}. "
                "Fix: check [mail] sender and that the account has the mailbox (or Send As) permission.",
                transient=False,
                stop=True,
            )
        if isinstance(exc, _MESSAGE):
            return DeliveryError(
                f"Exchange 拒绝此邮件 / Exchange refused this message from {who}: {detail}. "
                "Fix: check [mail.recipients] and the size of the attachments.",
                transient=False,
            )
        if isinstance(exc, (ews.RedirectError, ews.AutoDiscoverError)):
            return DeliveryError(
                f"找不到 Exchange 服务地址 / The EWS endpoint for {who} is wrong or cannot be discovered: {detail}. "
                "Fix: set [mail.exchange] service_endpoint, e.g. https://mail.agency.example/EWS/Exchange.asmx.",
                transient=False,
                stop=True,
            )
        if isinstance(exc, _TRANSIENT):
            return DeliveryError(
                f"Exchange 暂时不可用 / Exchange is busy or unreachable for {who}: {detail}. "
                f"Fix if it persists: check the server, the network and "
                f"[mail.exchange] service_endpoint and max_wait_seconds.",
                transient=True,
                stop=True,
            )
        if type(exc) is ews.TransportError:  # exchangelib raises exactly this for TLS failures
            return DeliveryError(
                f"无法与 Exchange 建立安全连接 / Cannot open a TLS connection for {who}: {detail}. "
                "Fix: install the server's CA certificate on this machine, or check [mail.exchange] service_endpoint "
                "(verify_tls = false only for a test server).",
                transient=False,
                stop=True,
            )
        return DeliveryError(f"Exchange 发信失败 / Exchange could not send for {who}: {detail}.", transient=True)

    def _acct(self) -> Account:
        if self._account is None:
            self._account = Account(
                primary_smtp_address=self.sender,
                config=self._config,
                autodiscover=not self.x.service_endpoint,
                access_type=DELEGATE,
                default_timezone=EWSTimeZone.from_timezone(self.tz),
            )
        return self._account

    def _build(self, item: Outgoing, account: Account) -> EwsMessage:
        p = item.parts()
        m = EwsMessage(
            account=account,
            folder=account.sent,
            subject=p.subject,
            body=HTMLBody(p.html) if p.html is not None else Body(p.text),
            to_recipients=[Mailbox(email_address=a) for a in p.to],
            cc_recipients=[Mailbox(email_address=a) for a in p.cc] or None,
            adtools_token=item.token,
            adtools_token_header=item.token,
        )
        for name, ctype, data in p.attachments:
            m.attach(FileAttachment(name=name, content=data, content_type=ctype))
        return m

    # ---------------------------------------------------------------- Transport
    def send(self, item: Outgoing) -> str | None:
        try:
            account = self._acct()
            self._build(item, account).send_and_save()
        except _FAILURES as exc:
            raise self._error(exc) from None
        return None  # CreateItem with SendAndSaveCopy returns no item id; the token finds it in Sent Items

    def find_sent(self, item: Outgoing) -> str | None:
        try:
            found = list(self._acct().sent.filter(adtools_token=item.token).only("message_id")[:1])
        except _FAILURES as exc:
            raise self._error(exc) from None
        if not found:
            return None
        return found[0].message_id or found[0].id or "found in Sent Items"

    def test(self) -> dict[str, Any]:
        try:
            account = self._acct()
            account.root  # GetFolder: authenticates, and the answer's header carries the server build
        except _FAILURES as exc:
            raise self._error(exc) from None
        v = account.version
        return {
            "transport": self.name,
            "server": account.protocol.service_endpoint,
            "account": f"{self.x.username} ({self.sender})",
            "version": f"{v.fullname} (build {v.build}, API {v.api_version})",
            "detail": "authenticated; nothing was sent",
        }

    def close(self) -> None:
        account, self._account = self._account, None
        if account is None:
            return
        protocol = account.protocol
        protocol.close()
        # exchangelib caches protocols per (endpoint, credentials) for the process; drop ours so that a later
        # flush starts with fresh sessions, retry state and configuration
        try:
            del Protocol[protocol.config]
        except KeyError:
            pass
