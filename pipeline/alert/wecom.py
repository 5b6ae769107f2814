"""WeCom (企业微信) group robot: markdown message to the robot's webhook URL (the key is in the URL)."""

from __future__ import annotations

from pipeline.alert.base import Alerter, AlertMessage
from pipeline.safe_text import disarm


class WeComAlerter(Alerter):
    kind = "wecom"

    def send(self, message: AlertMessage) -> None:
        body = {"msgtype": "markdown", "markdown": {"content": disarm(message.markdown)}}
        answer = self._json_of(self._post_json(self._url(), body))
        if answer.get("errcode", 0) != 0:
            raise self._fail(f"errcode {answer.get('errcode')}: {answer.get('errmsg')}")
