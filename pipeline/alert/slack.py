"""Slack incoming webhook: the message as mrkdwn text (Slack answers a plain `ok`)."""

from __future__ import annotations

from pipeline.alert.base import Alerter, AlertMessage


class SlackAlerter(Alerter):
    kind = "slack"

    def send(self, message: AlertMessage) -> None:
        # Slack's mrkdwn uses *bold* and <url|label>; the plain text reads well there as it is.
        self._post_json(self._url(), {"text": f"*{message.subject}*\n{message.text}"})
