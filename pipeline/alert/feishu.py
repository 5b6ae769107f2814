"""Feishu / Lark custom bot: text message; with a secret, `timestamp` and `sign` go in the body."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from pipeline.alert.base import Alerter, AlertMessage
from pipeline.safe_text import disarm


def feishu_signature(timestamp_s: int, secret: str) -> str:
    """base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")), as Feishu documents it."""
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


class FeishuAlerter(Alerter):
    kind = "feishu"

    def body(self, message: AlertMessage) -> dict[str, Any]:
        # A Feishu text message reads <at user_id="all"> as a mention: the text goes out disarmed.
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": disarm(message.text)}}
        secret = self.config.secret()
        if secret:
            timestamp = int(self.clock())
            body = {"timestamp": str(timestamp), "sign": feishu_signature(timestamp, secret), **body}
        return body

    def send(self, message: AlertMessage) -> None:
        answer = self._json_of(self._post_json(self._url(), self.body(message)))
        code = answer.get("code", answer.get("StatusCode", 0))
        if code != 0:
            raise self._fail(f"code {code}: {answer.get('msg') or answer.get('StatusMessage')}")
