"""The alerter interface: one message in, delivered or `AlertDeliveryError` out (elastalert `Alerter`)."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

import requests

from pipeline.config import ChannelConfig
from pipeline.exceptions import AlertDeliveryError
from pipeline.http_limits import HttpLimits, LimitExceeded, bounded_request

Clock = Callable[[], float]  # seconds since the epoch; injected so signatures can be tested
MAX_ANSWER_BYTES = 1024 * 1024  # robots answer a few bytes of JSON; more is not a receiver we know


@dataclass(frozen=True, slots=True)
class AlertMessage:
    """One message in every rendering a channel may want."""

    subject: str
    text: str  # plain text
    markdown: str  # DingTalk / WeCom flavoured markdown
    html: str | None = None
    payload: dict[str, Any] = field(default_factory=dict)  # the alert contract document, for webhooks
    slack: str | None = None  # Slack mrkdwn, escaped the way Slack reads text; None: made from subject and text
    # The same for every attempt to deliver one notification (its notification id): receivers that honour it
    # (webhook `Idempotency-Key`, e-mail `Message-ID`, the file channel) drop a repeat after a crash.
    idempotency_key: str | None = None


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    channel: str
    sent: bool
    error: str | None = None


class Alerter(ABC):
    """Sends a message to one destination; raises `AlertDeliveryError` naming the channel on failure."""

    kind: str = "alerter"

    def __init__(
        self,
        name: str,
        config: ChannelConfig,
        *,
        http: requests.Session | None = None,
        clock: Clock = time.time,
    ) -> None:
        self.name = name
        self.config = config
        self.http = http or requests.Session()
        self.clock = clock

    @classmethod
    def from_settings(
        cls, settings: ChannelConfig, *, name: str, http: requests.Session | None = None, clock: Clock = time.time
    ) -> Self:
        """The channel `name` as its watchlist entry configures it (`pipeline.plugins`)."""
        return cls(name, settings, http=http, clock=clock)

    @abstractmethod
    def send(self, message: AlertMessage) -> None: ...

    def _fail(self, problem: str) -> AlertDeliveryError:
        return AlertDeliveryError(f"channel {self.name!r} ({self.kind}): {problem}")

    def _post_json(self, url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> requests.Response:
        """POST JSON (timeout, no redirects); non-2xx and transport errors raise AlertDeliveryError.

        The whole exchange is bounded (`pipeline.http_limits`): a receiver that drips its answer or sends
        a huge one fails this channel within 3 × `timeout_s` instead of holding the dispatcher.
        """
        limits = HttpLimits.of(self.config.timeout_s, None, MAX_ANSWER_BYTES)
        try:
            response = bounded_request(
                self.http, "POST", url, limits, json=body, headers=headers, allow_redirects=False
            )
        except LimitExceeded as exc:
            raise self._fail(f"request failed: {exc}") from exc
        except requests.RequestException as exc:
            raise self._fail(f"request failed: {type(exc).__name__}") from exc
        if not 200 <= response.status_code < 300:
            raise self._fail(f"HTTP {response.status_code}: {response.text[:200]}")
        return response

    def _url(self) -> str:
        url = self.config.resolved_url()
        if not url:
            where = f"environment variable {self.config.url_env}" if self.config.url_env else "url"
            raise self._fail(f"no endpoint configured ({where} is empty)")
        return url

    @staticmethod
    def _json_of(response: requests.Response) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}
