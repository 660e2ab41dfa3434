"""The SMTP transport (standard library): STARTTLS or implicit TLS, login with the password from the environment.

After a crash, SMTP offers no way to ask whether a message went out, so a
message left in `sending` is sent again (`can_find_sent = False`).  That is the
safe side: the window in which the server has accepted the message but we have
not yet recorded it is milliseconds, a lost report is worse than a duplicate,
and the resent bytes are identical, Message-ID included, which Exchange and most
mailbox servers use to drop the duplicate on delivery.
"""
from __future__ import annotations

import smtplib
import socket
import ssl
from typing import TYPE_CHECKING, Any

from .redact import protect, redact
from .transport import DeliveryError, Outgoing

if TYPE_CHECKING:  # pragma: no cover
    from ..config import Config

__all__ = ["SmtpTransport"]


class SmtpTransport:
    """Sends through one SMTP connection per flush."""

    name = "smtp"
    can_find_sent = False

    @classmethod
    def lease_seconds(cls, config: "Config") -> int:
        return config.mail.smtp.timeout_seconds * 4 + 60  # connect, TLS, login, data

    def __init__(self, config: "Config"):
        s = config.mail.smtp
        self.cfg = s
        self.sender = config.mail.sender
        if not s.host:
            raise DeliveryError(
                "未配置 SMTP 服务器 / No SMTP server is configured. Fix: set [mail.smtp] host (and port).",
                transient=False,
                stop=True,
            )
        self.password = config.secret(s.password_env) if s.username else ""
        protect(self.password, s.username)
        self._conn: smtplib.SMTP | None = None

    # ---------------------------------------------------------------- helpers
    def _where(self) -> str:
        mode = "SSL" if self.cfg.ssl else ("STARTTLS" if self.cfg.starttls else "plain")
        who = f"as {self.cfg.username}" if self.cfg.username else "without login"
        return f"{self.cfg.host}:{self.cfg.port} ({mode}, {who})"

    def _error(self, exc: BaseException) -> DeliveryError:
        detail = redact(f"{type(exc).__name__}: {exc}").rstrip(". ")  # the messages below end it with ". Fix:"
        where = self._where()
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return DeliveryError(
                f"SMTP 登录被拒绝 / The SMTP server {where} refused the login: {detail}. "
                f"Fix: check [mail.smtp] username and the password in the environment variable "
                f"{self.cfg.password_env} ([mail.smtp] password_env).",
                transient=False,
                stop=True,
            )
        if isinstance(exc, ssl.SSLCertVerificationError):
            return DeliveryError(
                f"SMTP 服务器证书无效 / The certificate of {where} cannot be verified: {detail}. "
                "Fix: install the server's CA certificate on this machine, or check [mail.smtp] host.",
                transient=False,
                stop=True,
            )
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            return DeliveryError(
                f"SMTP 服务器不支持所需功能 / The SMTP server {where} does not support what the settings ask for: "
                f"{detail}. Fix: check [mail.smtp] starttls, ssl and port.",
                transient=False,
                stop=True,
            )
        if isinstance(exc, smtplib.SMTPSenderRefused):
            return DeliveryError(
                f"SMTP 服务器拒绝发件人 / {where} refused the sender {self.sender}: {detail}. "
                "Fix: check [mail] sender and that the login may send as it.",
                transient=400 <= exc.smtp_code < 500,
                stop=True,
            )
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [c for c, _ in exc.recipients.values()]
            return DeliveryError(
                f"SMTP 服务器拒绝收件人 / {where} refused recipients {', '.join(exc.recipients)}: {detail}. "
                "Fix: check [mail.recipients] for this report.",
                transient=all(400 <= c < 500 for c in codes),
            )
        if isinstance(exc, smtplib.SMTPResponseException):
            return DeliveryError(
                f"SMTP 服务器拒绝邮件 / {where} answered {exc.smtp_code}: {detail}.",
                transient=400 <= exc.smtp_code < 500,
                stop=400 <= exc.smtp_code < 500,
            )
        # disconnects, timeouts, refused connections, TLS failures other than the certificate
        return DeliveryError(
            f"无法连接 SMTP 服务器 / Cannot talk to the SMTP server {where}: {detail}. "
            "Fix if it persists: check [mail.smtp] host and port and the network.",
            transient=True,
            stop=True,
        )

    def _connect(self) -> smtplib.SMTP:
        if self._conn is not None:
            return self._conn
        s = self.cfg
        context = ssl.create_default_context()
        if s.ssl:
            conn: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=context)
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
        try:
            conn.ehlo()
            if s.starttls and not s.ssl:
                conn.starttls(context=context)
                conn.ehlo()
            if s.username:
                self._login(conn)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return conn

    def _login(self, conn: smtplib.SMTP) -> None:
        """One login with one mechanism (PLAIN, else LOGIN).

        smtplib's `login` tries every mechanism the server offers in turn, so a
        wrong password counts as two or three failed logins against the account.
        """
        if not conn.has_extn("auth"):
            raise smtplib.SMTPNotSupportedError("the server offers no AUTH (does it need STARTTLS first?)")
        offered = conn.esmtp_features["auth"].upper().split()
        conn.user, conn.password = self.cfg.username, self.password
        for mechanism, reply in (("PLAIN", conn.auth_plain), ("LOGIN", conn.auth_login)):
            if mechanism in offered:
                conn.auth(mechanism, reply, initial_response_ok=True)  # raises SMTPAuthenticationError when refused
                return
        raise smtplib.SMTPNotSupportedError(f"the server offers only AUTH {' '.join(offered)}; adtools logs in with PLAIN or LOGIN")

    # ---------------------------------------------------------------- Transport
    def send(self, item: Outgoing) -> str:
        msg = item.email()
        try:
            conn = self._connect()
            conn.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise self._error(exc) from None
        return str(msg["Message-ID"])

    def find_sent(self, item: Outgoing) -> str | None:
        return None  # SMTP cannot tell; see the module docstring

    def test(self) -> dict[str, Any]:
        try:
            conn = self._connect()
            code, banner = conn.noop()
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise self._error(exc) from None
        ehlo = (conn.ehlo_resp or b"").decode("utf-8", "replace").splitlines()
        return {
            "transport": self.name,
            "server": f"{self.cfg.host}:{self.cfg.port}",
            "account": self.cfg.username or "",
            "version": ehlo[0] if ehlo else "",
            "detail": f"NOOP {code}",
        }

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError, socket.timeout):
                conn.close()
