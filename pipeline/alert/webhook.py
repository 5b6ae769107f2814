"""Generic JSON webhook: POSTs the alert contract document (plus subject and text) as JSON.

Receivers often show these fields in a chat or a page, so every string goes out disarmed (no mass mention,
no control character); the renderer has already defanged URLs and kept only linkable ones in `urls`.
Each request carries the notification id as `Idempotency-Key` (and `notification_id` in the body): a
repeat after a crash between "sent" and "marked sent" has the same key, so a receiver can drop it.
"""

from __future__ import annotations

from pipeline.alert.base import Alerter, AlertMessage
from pipeline.safe_text import disarm_document


class WebhookAlerter(Alerter):
    kind = "webhook"

    def send(self, message: AlertMessage) -> None:
        body = {"subject": message.subject, "text": message.text, **message.payload}
        headers = {"Idempotency-Key": message.idempotency_key} if message.idempotency_key else None
        self._post_json(self._url(), disarm_document(body), headers)
