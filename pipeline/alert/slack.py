"""Slack incoming webhook: the message as mrkdwn text (Slack answers a plain `ok`)."""

from __future__ import annotations

from pipeline.alert.base import Alerter, AlertMessage
from pipeline.safe_text import disarm, escape_slack


class SlackAlerter(Alerter):
    kind = "slack"

    def send(self, message: AlertMessage) -> None:
        # The Slack rendering escapes each field the way Slack reads it (&amp; &lt; &gt;, no formatting marks);
        # a message without one is treated as plain text throughout.
        text = message.slack
        if text is None:
            text = f"*{escape_slack(disarm(message.subject))}*\n{escape_slack(disarm(message.text))}"
        self._post_json(self._url(), {"text": disarm(text)})
