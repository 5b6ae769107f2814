"""Email channel: SMTP, a plain-text part and an HTML alternative; password from the environment.

smtplib's timeout bounds each socket operation only: a server that drips its replies a byte at a time
never trips it. The whole SMTP session therefore runs under a deadline of 3 × `timeout_s`
(`pipeline.http_limits.call_with_deadline`); past it the socket is shut down and the channel fails.
"""

from __future__ import annotations

import contextlib
import smtplib
import socket
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pipeline.alert.base import Alerter, AlertMessage
from pipeline.http_limits import TOTAL_TIMEOUT_FACTOR, TooSlow, call_with_deadline
from pipeline.safe_text import disarm


class EmailAlerter(Alerter):
    kind = "email"

    def build(self, message: AlertMessage) -> EmailMessage:
        config = self.config
        if not config.smtp_host or not config.sender or not config.recipients:
            raise self._fail("smtp_host, sender and recipients are required")
        mail = EmailMessage()
        # One line: a header cannot hold a line break (EmailMessage refuses it), and a stranger's text could.
        mail["Subject"] = disarm(" ".join(message.subject.split()))
        mail["From"] = config.sender
        mail["To"] = ", ".join(config.recipients)
        mail["Date"] = formatdate(self.clock(), localtime=False)
        mail["Message-ID"] = _message_id(message.idempotency_key, config.sender)
        mail.set_content(disarm(message.text))
        if message.html:
            mail.add_alternative(message.html, subtype="html")
        return mail

    def send(self, message: AlertMessage) -> None:
        mail = self.build(message)
        config = self.config
        password = config.secret()
        # Not connected yet: the connection (and the server's greeting) happens under the deadline below.
        smtp = smtplib.SMTP(timeout=config.timeout_s)

        def deliver() -> None:
            with smtp:
                smtp.connect(config.smtp_host or "", config.smtp_port)
                if config.smtp_starttls:
                    smtp.starttls()
                if config.smtp_user and password:
                    smtp.login(config.smtp_user, password)
                smtp.send_message(mail)

        def interrupt() -> None:
            sock = smtp.sock
            # Ends the blocked read (deliver() then closes); OSError: it was closed in the meantime.
            with contextlib.suppress(OSError):
                if sock is not None:
                    sock.shutdown(socket.SHUT_RDWR)

        try:
            call_with_deadline(deliver, TOTAL_TIMEOUT_FACTOR * config.timeout_s, interrupt)
        except TooSlow as exc:
            raise self._fail(f"SMTP delivery failed: {exc}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise self._fail(f"SMTP delivery failed: {type(exc).__name__}: {exc}") from exc


def _message_id(key: str | None, sender: str) -> str:
    """A Message-ID that is the same for every attempt at one notification, so that mail systems that drop a
    repeated Message-ID (and people reading threads) see one page after a crash between send and record."""
    domain = sender.rpartition("@")[2] or None
    if not key:
        return make_msgid(domain=domain)
    local = "".join(char if char.isalnum() or char in ".-" else "." for char in key)
    return f"<{local}.yuqing@{domain or 'localhost'}>"
