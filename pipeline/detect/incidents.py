"""A3: incident fusion — one incident per root post or per brand × category, priorities, re-notify, resolve.

Hits update the open incident of their key instead of paging again. A notification is produced when an
incident opens, when it grows past a milestone (`growth_factor` × the size last notified) or its priority
rises, when a P1/P2 stays unacknowledged past its route's escalation delay, and when it resolves: no hit and
no activity above the lower quiet level for `resolve_after`, which is the hysteresis. State changes per
incident are capped per hour. Incidents live in the store (`kind="incident"`), so a restarted process picks
up exactly where the last one stopped and never pages twice for the same state.
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any, Literal

from pipeline.detect.base import Hit, RecordStore
from pipeline.models import SHANGHAI, format_time, parse_time

logger = logging.getLogger(__name__)

Status = Literal["open", "acknowledged", "resolved"]
Event = Literal["opened", "updated", "escalated", "resolved"]
PRIORITIES = ("P1", "P2", "P3", "P4")


@dataclass(frozen=True, slots=True)
class IncidentRules:
    growth_factor: float = 3.0  # re-notify when the size reaches 3× what was last announced
    resolve_after: timedelta = timedelta(hours=2)
    reopen_within: timedelta = timedelta(hours=6)  # a hit soon after resolving reopens the same incident
    max_changes_per_hour: int = 4
    big_account_followers: int = 1_000_000
    max_posts: int = 10


@dataclass
class Incident:
    """One incident; `to_doc` is the alert contract of DESIGN §4 plus the bookkeeping fields."""

    incident_id: str
    kind: str
    key: str
    brand: str
    opened_at: datetime
    updated_at: datetime
    status: Status = "open"
    priority: str = "P4"
    reason: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    root_id: str | None = None
    category: str | None = None
    predicted_reposts: int | None = None
    posts: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    size: float = 0.0
    notified_size: float = 0.0
    notified_priority: str = "P4"
    notifications: int = 0
    last_active_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    escalated_at: datetime | None = None
    changes: list[datetime] = field(default_factory=list)

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, datetime):
                value = format_time(value.astimezone(SHANGHAI))
            elif spec.name == "changes":
                value = [format_time(moment.astimezone(SHANGHAI)) for moment in value]
            doc[spec.name] = value
        return doc

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Incident:
        known = {spec.name for spec in fields(cls)}
        values = {name: value for name, value in doc.items() if name in known}
        for name in (
            "opened_at",
            "updated_at",
            "last_active_at",
            "acknowledged_at",
            "resolved_at",
            "escalated_at",
        ):
            if values.get(name):
                values[name] = parse_time(values[name], name)
        values["changes"] = [parse_time(moment, "changes") for moment in values.get("changes", [])]
        return cls(**values)

    def alert(self, event: Event, reason: str) -> dict[str, Any]:
        """The notification for one event: the alert contract, `event`, and a plain-words `reason`."""
        doc = self.to_doc()
        self.notifications += 1
        notification = {
            "notification_id": f"{self.incident_id}#{self.notifications}",
            "event": event,
            "incident_id": self.incident_id,
            "kind": self.kind,
            "brand": self.brand,
            "root_id": self.root_id,
            "category": self.category,
            "opened_at": doc["opened_at"],
            "updated_at": doc["updated_at"],
            "status": self.status,
            "priority": self.priority,
            "reason": reason,
            "evidence": self.evidence,
            "predicted_reposts": self.predicted_reposts,
            "posts": list(self.posts),
            "urls": list(self.urls),
            "acknowledged_at": doc["acknowledged_at"],
            "escalated_at": doc["escalated_at"],
            "resolved_at": doc["resolved_at"],
        }
        return notification


class IncidentBook:
    """Incidents in the store, indexed by key; the last incident of each key is kept in memory."""

    def __init__(self, records: RecordStore) -> None:
        self._records = records
        self._by_key: dict[str, Incident] = {}
        for doc in records.list_records("incident"):
            incident = Incident.from_doc(doc)
            current = self._by_key.get(incident.key)
            if current is None or incident.opened_at >= current.opened_at:
                self._by_key[incident.key] = incident

    def latest(self, key: str) -> Incident | None:
        return self._by_key.get(key)

    def unresolved(self) -> list[Incident]:
        return [incident for incident in self._by_key.values() if incident.status != "resolved"]

    def save(self, incident: Incident) -> None:
        self._by_key[incident.key] = incident
        self._records.put_record("incident", incident.incident_id, incident.to_doc())


def priority_of(hit: Hit, rules: IncidentRules) -> str:
    """P1–P4 from predicted size (or surge strength), complaint severity and big-account reach."""
    points = 0
    if hit.kind == "cascade":
        predicted = hit.predicted_reposts if hit.predicted_reposts is not None else math.inf
        points += 3 if predicted >= 10_000 else 2 if predicted >= 3_000 else 1 if predicted >= 1_000 else 0
    else:
        expected = float(hit.evidence.get("expected") or 0.0)
        ratio = hit.size / expected if expected > 0 else 0.0
        points += 2 if ratio >= 10 else 1 if ratio >= 4 else 0
        points += 1 if int(hit.evidence.get("distinct_authors", 0)) >= 20 else 0
    points += 1 if hit.severity >= 3 else 0
    if hit.max_followers >= rules.big_account_followers or hit.big_account:
        points += 1
        # A big account spreading a negative cascade is a P1 on its own.
        if hit.kind == "cascade":
            points = max(points, 3)
    return PRIORITIES[max(0, 3 - min(points, 3))]


def _incident_id(key: str, opened_at: datetime) -> str:
    digest = hashlib.sha1(f"{key}|{opened_at.isoformat()}".encode()).hexdigest()[:10]
    return f"{key.split(':', 1)[0][:3]}-{digest}"


class IncidentManager:
    """Fuses hits into incidents and decides which notifications to send."""

    def __init__(
        self,
        book: IncidentBook,
        rules: IncidentRules | None = None,
        escalation_delay: Callable[[Incident], timedelta | None] = lambda _incident: None,
    ) -> None:
        self.book = book
        self.rules = rules or IncidentRules()
        self._escalation_delay = escalation_delay

    def process(self, hits: Iterable[Hit], active: set[str], now: datetime) -> list[dict[str, Any]]:
        notifications: list[dict[str, Any]] = []
        for hit in hits:
            message = self._apply_hit(hit, hit.key in active, now)
            if message is not None:
                notifications.append(message)
        active_targets = active | {self._target_key(hit) for hit in hits if hit.key in active}
        for incident in self.book.unresolved():
            if incident.key in active_targets:
                incident.last_active_at = now
                self.book.save(incident)
                continue
            message = self._maybe_resolve(incident, now)
            if message is not None:
                notifications.append(message)
        for incident in self.book.unresolved():
            message = self._maybe_escalate(incident, now)
            if message is not None:
                notifications.append(message)
        return notifications

    def _target_key(self, hit: Hit) -> str:
        """Brand-wide and per-category surges of one brand fuse into whichever of them is already open."""
        if hit.kind != "surge":
            return hit.key
        prefix = f"surge:{hit.brand}:"
        own = self.book.latest(hit.key)
        if own is not None and own.status != "resolved":
            return hit.key
        for incident in self.book.unresolved():
            if incident.key.startswith(prefix) and (incident.key.endswith(":*") or hit.key.endswith(":*")):
                return incident.key
        return hit.key

    def _apply_hit(self, hit: Hit, is_active: bool, now: datetime) -> dict[str, Any] | None:
        key = self._target_key(hit)
        incident = self.book.latest(key)
        priority = priority_of(hit, self.rules)
        if incident is not None and incident.status == "resolved" and not is_active:
            # A resolved incident comes back only on renewed activity: a cascade whose prediction still
            # clears the bar but that has gone quiet is not spreading again.
            return None
        if incident is None or (
            incident.status == "resolved"
            and incident.resolved_at is not None
            and now - incident.resolved_at > self.rules.reopen_within
        ):
            incident = Incident(
                incident_id=_incident_id(key, now),
                kind=hit.kind,
                key=key,
                brand=hit.brand,
                opened_at=now,
                updated_at=now,
                priority=priority,
                root_id=hit.root_id,
                category=hit.category,
            )
            self._absorb(incident, hit, priority, now)
            incident.last_active_at = now
            return self._announce(incident, "opened", hit.reason, now)
        reopened = incident.status == "resolved"
        if reopened and not self._may_change(incident, now):
            return None
        rises = PRIORITIES.index(priority) < PRIORITIES.index(incident.notified_priority)
        grows = hit.size >= self.rules.growth_factor * max(incident.notified_size, 1.0)
        self._absorb(incident, hit, priority, now)
        if is_active:
            incident.last_active_at = now
        if reopened:
            incident.status, incident.resolved_at = "open", None
            return self._announce(incident, "updated", f"Spreading again after it was resolved. {hit.reason}", now)
        if (rises or grows) and self._may_change(incident, now):
            change = []
            if rises:
                change.append(f"priority rose from {incident.notified_priority} to {priority}")
            if grows:
                change.append(f"size grew from {incident.notified_size:,.0f} to {hit.size:,.0f}")
            summary = "; ".join(change)
            return self._announce(incident, "updated", f"{summary[0].upper()}{summary[1:]}. {hit.reason}", now)
        self.book.save(incident)
        return None

    def _absorb(self, incident: Incident, hit: Hit, priority: str, now: datetime) -> None:
        incident.updated_at = now
        incident.reason = hit.reason
        incident.evidence = {**hit.evidence, "detector_key": hit.key}
        incident.size = max(incident.size, hit.size) if incident.status != "resolved" else hit.size
        if hit.predicted_reposts is not None:
            incident.predicted_reposts = round(hit.predicted_reposts)
        # The priority only moves up while an incident is open: a lull is not a de-escalation.
        if PRIORITIES.index(priority) < PRIORITIES.index(incident.priority) or incident.status == "resolved":
            incident.priority = priority
        known = dict(zip(incident.posts, incident.urls, strict=False))
        for post in hit.posts:
            known.setdefault(post.post_id, post.url)
        kept = list(known.items())[: self.rules.max_posts]
        incident.posts = [post_id for post_id, _ in kept]
        incident.urls = [url for _, url in kept]

    def _may_change(self, incident: Incident, now: datetime) -> bool:
        recent = [moment for moment in incident.changes if now - moment < timedelta(hours=1)]
        if len(recent) >= self.rules.max_changes_per_hour:
            logger.info("incident %s: state-change cap reached, holding the change", incident.incident_id)
            return False
        return True

    def _announce(self, incident: Incident, event: Event, reason: str, now: datetime) -> dict[str, Any]:
        incident.changes = [moment for moment in incident.changes if now - moment < timedelta(hours=1)] + [now]
        incident.updated_at = now
        if event in ("opened", "updated"):
            incident.notified_size = max(incident.size, 1.0)
            incident.notified_priority = incident.priority
        message = incident.alert(event, reason)
        self.book.save(incident)
        logger.info("incident %s %s (%s): %s", incident.incident_id, event, incident.priority, reason)
        return message

    def _maybe_resolve(self, incident: Incident, now: datetime) -> dict[str, Any] | None:
        last = incident.last_active_at or incident.updated_at
        if now - last < self.rules.resolve_after or not self._may_change(incident, now):
            return None
        incident.status = "resolved"
        incident.resolved_at = now
        quiet_minutes = round((now - last).total_seconds() / 60)
        what = "repost activity" if incident.kind == "cascade" else "the volume of negative posts"
        reason = (
            f"Resolved: {what} has stayed at its usual level for {quiet_minutes} min "
            f"(no detector fired and nothing was above the quiet threshold). Last reason: {incident.reason}"
        )
        return self._announce(incident, "resolved", reason, now)

    def _maybe_escalate(self, incident: Incident, now: datetime) -> dict[str, Any] | None:
        if incident.status != "open" or incident.escalated_at is not None or incident.priority not in ("P1", "P2"):
            return None
        delay = self._escalation_delay(incident)
        if delay is None or now - incident.opened_at < delay:
            return None
        incident.escalated_at = now
        minutes = round((now - incident.opened_at).total_seconds() / 60)
        reason = f"Escalated: {incident.priority} incident not acknowledged after {minutes} min. {incident.reason}"
        return self._announce(incident, "escalated", reason, now)


def acknowledge(records: RecordStore, incident_id: str, now: datetime) -> Incident | None:
    """Mark an incident acknowledged (stops escalation); None when there is no such incident."""
    doc = records.get_record("incident", incident_id)
    if doc is None:
        return None
    incident = Incident.from_doc(doc)
    if incident.status == "open":
        incident.status, incident.acknowledged_at = "acknowledged", now
        records.put_record("incident", incident_id, incident.to_doc())
    return incident


def resolve_by_hand(records: RecordStore, incident_id: str, now: datetime) -> tuple[Incident, dict[str, Any]] | None:
    """Resolve an incident by hand; returns it and the "resolved" notification to deliver."""
    doc = records.get_record("incident", incident_id)
    if doc is None:
        return None
    incident = Incident.from_doc(doc)
    if incident.status == "resolved":
        return incident, {}
    incident.status, incident.resolved_at, incident.updated_at = "resolved", now, now
    message = incident.alert("resolved", "Resolved by hand by the on-call team.")
    records.put_record("incident", incident_id, incident.to_doc())
    return incident, message
