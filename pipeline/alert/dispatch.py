"""Routing and delivery: which channels get a notification, one isolated attempt each, retries with backoff.

Routing follows the watchlist: the brand's `route`, plus its `urgent_route` for P1/P2, plus the route's
`escalate_to` for an escalation. Every (notification, channel) pair is a `delivery` record in the store,
written *before* sending, so a crash between deciding and sending loses nothing: unsent deliveries are
retried on the next run with exponential backoff until `give_up_after`. One failing channel never stops
the others. Silences (`kind="silence"`, by brand or by incident) hold deliveries back, recorded as silenced.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import requests

from pipeline.alert.base import Alerter, AlertMessage, Clock, DeliveryResult
from pipeline.alert.registry import make_alerter
from pipeline.alert.render import plain_message, render
from pipeline.config import Watchlist
from pipeline.detect.base import RecordStore
from pipeline.exceptions import AlertDeliveryError, ConfigError
from pipeline.models import SHANGHAI, format_time, parse_time

logger = logging.getLogger(__name__)


@dataclass
class DispatchReport:
    queued: int = 0
    sent: int = 0
    failed: int = 0
    silenced: int = 0
    errors: list[str] = field(default_factory=list)


class ChannelPool:
    """Alerters built once per channel name from the watchlist (or given, for tests)."""

    def __init__(
        self,
        watchlist: Watchlist,
        *,
        alerters: dict[str, Alerter] | None = None,
        http: requests.Session | None = None,
        clock: Clock = time.time,
    ) -> None:
        self._watchlist, self._http, self._clock = watchlist, http, clock
        self._alerters: dict[str, Alerter] = dict(alerters or {})

    def get(self, channel: str) -> Alerter:
        if channel not in self._alerters:
            config = self._watchlist.channels.get(channel)
            if config is None:
                raise AlertDeliveryError(f"channel {channel!r} is not in the watchlist")
            self._alerters[channel] = make_alerter(channel, config, http=self._http, clock=self._clock)
        return self._alerters[channel]

    def send(self, channel: str, message: AlertMessage) -> DeliveryResult:
        """One isolated attempt: every failure is caught, logged and returned, never raised."""
        try:
            self.get(channel).send(message)
        except AlertDeliveryError as exc:
            logger.warning("delivery to %s failed: %s", channel, exc)
            return DeliveryResult(channel, False, str(exc))
        return DeliveryResult(channel, True)


def routes_for(watchlist: Watchlist, notification: dict[str, Any]) -> list[str]:
    """Route names a notification goes to, in order, without repeats."""
    try:
        brand = watchlist.brand(str(notification.get("brand")))
        routes = [brand.route]
        urgent = brand.urgent_route
    except ConfigError:
        routes, urgent = (["default"] if "default" in watchlist.routes else []), None
    if notification.get("priority") in ("P1", "P2") and urgent:
        routes.append(urgent)
    if notification.get("event") == "escalated" or (
        notification.get("event") == "resolved" and notification.get("escalated_at")
    ):
        base = watchlist.routes.get(urgent or routes[0]) if routes else None
        if base is not None and base.escalate_to:
            routes.append(base.escalate_to)
    return list(dict.fromkeys(routes))


def channels_for(watchlist: Watchlist, routes: Iterable[str]) -> list[tuple[str, str]]:
    """(route, channel) pairs; a channel shared by two routes gets the message once."""
    seen: dict[str, str] = {}
    for route in routes:
        for channel in watchlist.routes[route].channels:
            seen.setdefault(channel, route)
    return [(route, channel) for channel, route in seen.items()]


def is_silenced(records: RecordStore, notification: dict[str, Any], now: datetime) -> bool:
    for silence in records.list_records("silence"):
        if parse_time(silence["until"], "silence.until") <= now:
            continue
        if silence.get("incident_id") and silence["incident_id"] == notification.get("incident_id"):
            return True
        if silence.get("brand") and silence["brand"] == notification.get("brand"):
            return True
    return False


class Dispatcher:
    """Queues notifications as delivery records and delivers what is due."""

    def __init__(
        self,
        watchlist: Watchlist,
        records: RecordStore,
        channels: ChannelPool | None = None,
        *,
        backoff: timedelta = timedelta(minutes=1),
        max_backoff: timedelta = timedelta(hours=1),
        give_up_after: timedelta = timedelta(days=2),  # ElastAlert's alert_time_limit
    ) -> None:
        self.watchlist, self.records = watchlist, records
        self.channels = channels or ChannelPool(watchlist)
        self.backoff, self.max_backoff, self.give_up_after = backoff, max_backoff, give_up_after

    def enqueue(self, notifications: Iterable[dict[str, Any]], now: datetime) -> DispatchReport:
        report = DispatchReport()
        for notification in notifications:
            silenced = is_silenced(self.records, notification, now)
            for route, channel in channels_for(self.watchlist, routes_for(self.watchlist, notification)):
                key = f"{notification['notification_id']}>{channel}"
                if self.records.get_record("delivery", key) is not None:
                    continue  # already queued by an earlier run: never page twice
                self.records.put_record(
                    "delivery",
                    key,
                    {
                        "delivery_id": key,
                        "notification_id": notification["notification_id"],
                        "incident_id": notification.get("incident_id"),
                        "channel": channel,
                        "route": route,
                        "sent": False,
                        "silenced": silenced,
                        "error": None,
                        "attempts": 0,
                        "created_at": format_time(now.astimezone(SHANGHAI)),
                        "next_attempt": format_time(now.astimezone(SHANGHAI)),
                        "notification": notification,
                    },
                )
                report.queued += 1
                report.silenced += int(silenced)
        return report

    def deliver_pending(self, now: datetime) -> DispatchReport:
        report = DispatchReport()
        for delivery in self.records.list_records("delivery", {"sent": False, "silenced": False}):
            created = parse_time(delivery["created_at"], "delivery.created_at")
            if now - created > self.give_up_after or parse_time(delivery["next_attempt"], "next_attempt") > now:
                continue
            result = self.channels.send(delivery["channel"], render(delivery["notification"]))
            delivery["attempts"] += 1
            if result.sent:
                delivery.update(sent=True, error=None, sent_at=format_time(now.astimezone(SHANGHAI)))
                report.sent += 1
            else:
                wait = min(self.backoff * 2 ** (delivery["attempts"] - 1), self.max_backoff)
                delivery.update(error=result.error, next_attempt=format_time((now + wait).astimezone(SHANGHAI)))
                report.failed += 1
                report.errors.append(result.error or "")
            self.records.put_record("delivery", delivery["delivery_id"], delivery)
        return report

    def dispatch(self, notifications: Iterable[dict[str, Any]], now: datetime) -> DispatchReport:
        queued = self.enqueue(notifications, now)
        delivered = self.deliver_pending(now)
        delivered.queued, delivered.silenced = queued.queued, queued.silenced
        return delivered


def send_message(
    watchlist: Watchlist,
    route: str,
    subject: str,
    text: str,
    html: str | None = None,
    *,
    channels: ChannelPool | None = None,
) -> list[DeliveryResult]:
    """Send a message that is not about an incident (the daily briefing) to every channel of `route`."""
    if route not in watchlist.routes:
        raise ConfigError(f"route {route!r} is not in the watchlist")
    pool = channels or ChannelPool(watchlist)
    message = plain_message(subject, text, html)
    return [pool.send(channel, message) for _, channel in channels_for(watchlist, [route])]
