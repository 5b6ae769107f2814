"""Generic JSON webhook: POSTs the alert contract document (plus subject and text) as JSON."""

from __future__ import annotations

from pipeline.alert.base import Alerter, AlertMessage


class WebhookAlerter(Alerter):
    kind = "webhook"

    def send(self, message: AlertMessage) -> None:
        self._post_json(self._url(), {"subject": message.subject, "text": message.text, **message.payload})
