"""Routing and delivery: which channels get a notification, one isolated attempt each, retries with backoff.

Routing follows the watchlist: the brand's `route`, plus its `urgent_route` for P1/P2, plus the `escalate_to`
of those routes for an escalation. An unanswered complaint (kind "unanswered") goes to the brand's
`service_route` instead (default: its `route`), the service team that can answer it, and escalates from there.

Delivery is a small state machine kept in the store, so that a process may die at any step:
1. Detection writes each notification into its incident's `outbox` in the same write as the state change
   (`pipeline.detect.incidents`). Nothing is lost if the process dies right after deciding.
2. `flush_outboxes` turns every outbox entry into one `delivery` record per channel, created only if absent
   (keyed `<notification id>><channel>`), and then clears the entry. Dying between the two is harmless:
   the next run finds the entry again and the records already there.
3. `deliver_pending` claims a due delivery with a conditional write (a lease: no two processes send it),
   sends it, and marks it sent. Failed sends are retried with exponential backoff until `give_up_after`.
   One failing channel never stops the others.
A process that dies after a channel accepted a message but before it was marked sent leaves the lease to
expire; the message is then sent again. That step is therefore at-least-once, and every message carries
its notification id as an idempotency key (webhook `Idempotency-Key` header and body, e-mail `Message-ID`,
the id in chat texts); the file channel checks the key itself and is exactly-once. Silences (`kind=
"silence"`, by brand or by incident) hold deliveries back, recorded as silenced.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import requests

from pipeline.alert.base import Alerter, AlertMessage, Clock, DeliveryResult
from pipeline.alert.registry import make_alerter
from pipeline.alert.render import plain_message, render
from pipeline.config import Watchlist
from pipeline.exceptions import AlertDeliveryError, ConfigError, RecordConflict
from pipeline.failpoints import failpoint
from pipeline.i18n import Language
from pipeline.models import SHANGHAI, format_time, parse_time
from pipeline.safe_text import DEFAULT_LINKS, LinkPolicy
from pipeline.store.records import NEW, RecordStore, VersionedRecord, update_record

logger = logging.getLogger(__name__)


@dataclass
class DispatchReport:
    queued: int = 0
    sent: int = 0
    failed: int = 0
    silenced: int = 0
    errors: list[str] = field(default_factory=list)

    def __add__(self, other: DispatchReport) -> DispatchReport:
        return DispatchReport(
            self.queued + other.queued,
            self.sent + other.sent,
            self.failed + other.failed,
            self.silenced + other.silenced,
            self.errors + other.errors,
        )


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
        if notification.get("kind") == "unanswered":
            routes, urgent = [brand.service_route or brand.route], None
        else:
            routes, urgent = [brand.route], brand.urgent_route
    except ConfigError:
        routes, urgent = (["default"] if "default" in watchlist.routes else []), None
    if notification.get("priority") in ("P1", "P2") and urgent:
        routes.append(urgent)
    if notification.get("event") == "escalated" or (
        notification.get("event") == "resolved" and notification.get("escalated_at")
    ):
        # Every route the incident went to escalates where it says, the brand's route and its urgent route alike.
        for name in [*routes, *([urgent] if urgent else [])]:
            escalate_to = watchlist.routes[name].escalate_to if name in watchlist.routes else None
            if escalate_to:
                routes.append(escalate_to)
    return list(dict.fromkeys(routes))


def channels_for(watchlist: Watchlist, routes: Iterable[str]) -> list[tuple[str, str]]:
    """(route, channel) pairs; a channel shared by two routes gets the message once."""
    seen: dict[str, str] = {}
    for route in routes:
        for channel in watchlist.routes[route].channels:
            seen.setdefault(channel, route)
    return [(route, channel) for channel, route in seen.items()]


def active_silences(records: RecordStore, now: datetime) -> list[dict[str, Any]]:
    return [doc for doc in records.list_records("silence") if parse_time(doc["until"], "silence.until") > now]


def is_silenced(silences: list[dict[str, Any]], notification: dict[str, Any]) -> bool:
    for silence in silences:
        if silence.get("incident_id") and silence["incident_id"] == notification.get("incident_id"):
            return True
        if silence.get("brand") and silence["brand"] == notification.get("brand"):
            return True
    return False


def _stamp(moment: datetime) -> str:
    return format_time(moment.astimezone(SHANGHAI))


class Dispatcher:
    """Queues notifications as delivery records and delivers what is due (see the module docstring)."""

    def __init__(
        self,
        watchlist: Watchlist,
        records: RecordStore,
        channels: ChannelPool | None = None,
        *,
        backoff: timedelta = timedelta(minutes=1),
        max_backoff: timedelta = timedelta(hours=1),
        give_up_after: timedelta = timedelta(days=2),  # ElastAlert's alert_time_limit
        lease: timedelta = timedelta(minutes=2),  # longer than one bounded send; a dead sender's claim expires
        links: LinkPolicy = DEFAULT_LINKS,  # the hosts whose post URLs a message may link to
        language: Language = "zh",  # of the messages it renders
    ) -> None:
        self.watchlist, self.records, self.links, self.language = watchlist, records, links, language
        self.channels = channels or ChannelPool(watchlist)
        self.backoff, self.max_backoff, self.give_up_after, self.lease = backoff, max_backoff, give_up_after, lease

    def run(self, now: datetime) -> DispatchReport:
        """Queue what detection decided (every incident outbox), then deliver what is due."""
        queued = self.flush_outboxes(now)
        delivered = self.deliver_pending(now)
        delivered.queued, delivered.silenced = queued.queued, queued.silenced + delivered.silenced
        return delivered

    def flush_outboxes(self, now: datetime) -> DispatchReport:
        report = DispatchReport()
        for incident in self.records.list_versioned("incident", {"outbox_pending": True}):
            notes = list(incident.doc.get("outbox") or [])
            report += self.enqueue(notes, now)
            failpoint("dispatch.after_queue")
            queued = {str(note["notification_id"]) for note in notes}
            update_record(self.records, "incident", incident.key, partial(_without, queued=queued), current=incident)
        return report

    def enqueue(self, notifications: Iterable[dict[str, Any]], now: datetime) -> DispatchReport:
        """One delivery record per (notification, channel), created only if absent: queuing twice is harmless."""
        report = DispatchReport()
        silences = active_silences(self.records, now)
        for notification in notifications:
            silenced = is_silenced(silences, notification)
            for route, channel in channels_for(self.watchlist, routes_for(self.watchlist, notification)):
                key = f"{notification['notification_id']}>{channel}"
                delivery = {
                    "delivery_id": key,
                    "notification_id": notification["notification_id"],
                    "incident_id": notification.get("incident_id"),
                    "channel": channel,
                    "route": route,
                    "sent": False,
                    "silenced": silenced,
                    "error": None,
                    "attempts": 0,
                    "created_at": _stamp(now),
                    "next_attempt": _stamp(now),
                    "sending_until": None,
                    "notification": notification,
                }
                try:
                    self.records.put_record("delivery", key, delivery, if_version=NEW)
                except RecordConflict:
                    continue  # queued by an earlier run: never page twice
                report.queued += 1
                report.silenced += int(silenced)
        return report

    def deliver_pending(self, now: datetime) -> DispatchReport:
        report = DispatchReport()
        silences = active_silences(self.records, now)
        for record in self.records.list_versioned("delivery", {"sent": False, "silenced": False}):
            if not self._due(record.doc, now):
                continue
            if is_silenced(silences, record.doc["notification"]):
                # Silenced after it was queued (a person acted while it waited or was retried): hold it back.
                update_record(self.records, "delivery", record.key, _held_back, current=record)
                report.silenced += 1
                continue
            claimed = self._claim(record, now)
            if claimed is None:
                continue  # another process claimed it first
            failpoint("dispatch.after_claim")
            message = render(claimed.doc["notification"], self.links, self.language)
            result = self.channels.send(claimed.doc["channel"], message)
            failpoint("dispatch.after_send")
            self._settle(claimed, result, now, report)
            failpoint("dispatch.after_mark")
        return report

    def _due(self, delivery: dict[str, Any], now: datetime) -> bool:
        if now - parse_time(delivery["created_at"], "delivery.created_at") > self.give_up_after:
            return False
        if parse_time(delivery["next_attempt"], "delivery.next_attempt") > now:
            return False
        sending_until = delivery.get("sending_until")
        if sending_until is None:
            return True
        if parse_time(sending_until, "delivery.sending_until") > now:
            return False  # being sent by a live process right now
        logger.warning(
            "delivery %s: an earlier attempt did not finish (its process died?); sending again with the same "
            "idempotency key",
            delivery["delivery_id"],
        )
        return True

    def _claim(self, record: VersionedRecord, now: datetime) -> VersionedRecord | None:
        claimed = {**record.doc, "attempts": record.doc["attempts"] + 1, "sending_until": _stamp(now + self.lease)}
        try:
            version = self.records.put_record("delivery", record.key, claimed, if_version=record.version)
        except RecordConflict:
            return None
        return VersionedRecord(record.key, claimed, version)

    def _settle(self, claimed: VersionedRecord, result: DeliveryResult, now: datetime, report: DispatchReport) -> None:
        if result.sent:
            outcome: dict[str, Any] = {"sent": True, "error": None, "sent_at": _stamp(now), "sending_until": None}
            report.sent += 1
        else:
            wait = min(self.backoff * 2 ** (claimed.doc["attempts"] - 1), self.max_backoff)
            outcome = {"error": result.error, "next_attempt": _stamp(now + wait), "sending_until": None}
            report.failed += 1
            report.errors.append(result.error or "")
        # Conditional on our claim; if the lease ran out and someone else wrote meanwhile, merge onto theirs
        # (a sent mark is never lost, a failure never overwrites a success).
        update_record(
            self.records,
            "delivery",
            claimed.key,
            lambda doc: None if doc is None or (doc.get("sent") and not result.sent) else {**doc, **outcome},
            current=claimed,
        )


def _held_back(delivery: dict[str, Any] | None) -> dict[str, Any] | None:
    if delivery is None or delivery.get("sent"):
        return None
    return {**delivery, "silenced": True}


def _without(incident: dict[str, Any] | None, queued: set[str]) -> dict[str, Any] | None:
    """The incident document with the queued notifications taken out of its outbox (None: nothing to do)."""
    if incident is None:
        return None
    outbox = list(incident.get("outbox") or [])
    left = [note for note in outbox if str(note.get("notification_id")) not in queued]
    if len(left) == len(outbox):
        return None
    return {**incident, "outbox": left, "outbox_pending": bool(left)}


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
