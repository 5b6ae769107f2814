"""Email channel: SMTP, a plain-text part and an HTML alternative; password from the environment."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from pipeline.alert.base import Alerter, AlertMessage


class EmailAlerter(Alerter):
    kind = "email"

    def build(self, message: AlertMessage) -> EmailMessage:
        config = self.config
        if not config.smtp_host or not config.sender or not config.recipients:
            raise self._fail("smtp_host, sender and recipients are required")
        mail = EmailMessage()
        mail["Subject"] = message.subject
        mail["From"] = config.sender
        mail["To"] = ", ".join(config.recipients)
        mail["Date"] = formatdate(self.clock(), localtime=False)
        mail["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2] or None)
        mail.set_content(message.text)
        if message.html:
            mail.add_alternative(message.html, subtype="html")
        return mail

    def send(self, message: AlertMessage) -> None:
        mail = self.build(message)
        config = self.config
        try:
            with smtplib.SMTP(config.smtp_host or "", config.smtp_port, timeout=config.timeout_s) as smtp:
                if config.smtp_starttls:
                    smtp.starttls()
                password = config.secret()
                if config.smtp_user and password:
                    smtp.login(config.smtp_user, password)
                smtp.send_message(mail)
        except (smtplib.SMTPException, OSError) as exc:
            raise self._fail(f"SMTP delivery failed: {type(exc).__name__}: {exc}") from exc
