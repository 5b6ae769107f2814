"""DingTalk robot: markdown message; with a secret, the URL carries `&timestamp=&sign=` (HMAC-SHA256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from urllib.parse import quote_plus

from pipeline.alert.base import Alerter, AlertMessage
from pipeline.safe_text import disarm


def dingtalk_signature(timestamp_ms: int, secret: str) -> str:
    """base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest).decode())


class DingTalkAlerter(Alerter):
    kind = "dingtalk"

    def signed_url(self) -> str:
        url = self._url()
        secret = self.config.secret()
        if not secret:
            return url
        timestamp = round(self.clock() * 1000)
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}timestamp={timestamp}&sign={dingtalk_signature(timestamp, secret)}"

    def send(self, message: AlertMessage) -> None:
        # The title shows in notifications as plain text; both are disarmed (the renderer escaped each field).
        title, text = disarm(" ".join(message.subject.split())), disarm(message.markdown)
        body = {"msgtype": "markdown", "markdown": {"title": title, "text": text}}
        answer = self._json_of(self._post_json(self.signed_url(), body))
        if answer.get("errcode", 0) != 0:
            raise self._fail(f"errcode {answer.get('errcode')}: {answer.get('errmsg')}")
