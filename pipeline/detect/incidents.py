"""A3: incident fusion — one incident per root post, per brand × category or per unanswered complaint;
priorities, re-notify, resolve.

Hits update the open incident of their key instead of paging again. A notification is produced when an
incident opens, when it grows past a milestone (`growth_factor` × the size last notified) or its priority
rises, when a P1/P2 stays unacknowledged past its route's escalation delay, and when it resolves: no hit and
no activity above the lower quiet level for `resolve_after`, which is the hysteresis, or at once when what
opened it is over (`IncidentManager.settle`: the brand replied to an unanswered complaint). State changes per
incident are capped per hour. Incidents live in the store (`kind="incident"`), so a restarted process picks
up exactly where the last one stopped and never pages twice for the same state.

Every change is written per incident with compare-and-set (`IncidentBook.change`): when a person acknowledged,
resolved or silenced an incident while a cycle ran, the cycle's write conflicts, and its decision is made
again on the fresh copy, so what a person did is never undone. A notification is appended to the incident's
`outbox` in the same write as the state change that caused it: a crash after deciding can neither lose the
page (the dispatcher drains every outbox) nor send it twice (deliveries are keyed by notification id).
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Literal

from pipeline.detect.base import Hit
from pipeline.exceptions import RecordConflict
from pipeline.failpoints import failpoint
from pipeline.i18n import Language, Reason, clause, render_reason
from pipeline.models import SHANGHAI, format_time, parse_time
from pipeline.store.records import NEW, RecordStore, update_record

logger = logging.getLogger(__name__)

Status = Literal["open", "acknowledged", "resolved"]
Event = Literal["opened", "updated", "escalated", "resolved"]
Notification = dict[str, Any]  # an incident document plus `event` and `notification_id` (docs/data-contracts.md)
MACHINE = "yuqing"  # the actor of decisions taken by detection, in incident timelines
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
    """One incident; `to_doc` is the incident record of docs/data-contracts.md.

    Fields are replaced, never changed in place (`self.posts = [...]`, not `self.posts.append(...)`): a
    shallow copy is then a snapshot, which is what `IncidentBook.change` compares a decision against."""

    incident_id: str
    kind: str
    key: str
    brand: str
    opened_at: datetime
    updated_at: datetime
    status: Status = "open"
    priority: str = "P4"
    reason: str = ""  # `reason_data` in the configured language when it was decided
    reason_data: Reason = field(default_factory=list)  # why, as catalogue clauses (`pipeline.i18n`)
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
    acknowledged_by: str | None = None
    resolved_by: str | None = None  # MACHINE when detection resolved it, else the person who did
    changes: list[datetime] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)  # {at, event, by, reason, reason_data}, oldest first
    outbox: list[Notification] = field(default_factory=list)  # decided, not yet queued for delivery

    def to_doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, datetime):
                value = format_time(value.astimezone(SHANGHAI))
            elif spec.name == "changes":
                value = [format_time(moment.astimezone(SHANGHAI)) for moment in value]
            doc[spec.name] = value
        doc["outbox_pending"] = bool(self.outbox)  # a plain field the dispatcher can filter on in any store
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

    def snapshot(self) -> Incident:
        """A copy that later changes to this incident do not reach (its fields are replaced, never mutated)."""
        copied = Incident.__new__(Incident)
        copied.__dict__.update(self.__dict__)
        return copied

    def record(self, at: datetime, event: str, by: str, reason: str = "", reason_data: Reason | None = None) -> None:
        """Add a line to the timeline people read in `alerts show` and the console."""
        entry = {
            "at": format_time(at.astimezone(SHANGHAI)),
            "event": event,
            "by": by,
            "reason": reason,
            "reason_data": reason_data or [],
        }
        self.timeline = [*self.timeline, entry]

    def alert(self, event: Event, reason: str, reason_data: Reason) -> Notification:
        """The notification for one event (the alert contract, `event`, a plain-words `reason` and the same as
        data in `reason_data`), put in the outbox: it is stored with the state change that caused it."""
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
            "reason_data": reason_data,
            "evidence": self.evidence,
            "predicted_reposts": self.predicted_reposts,
            "posts": list(self.posts),
            "urls": list(self.urls),
            "acknowledged_at": doc["acknowledged_at"],
            "escalated_at": doc["escalated_at"],
            "resolved_at": doc["resolved_at"],
        }
        self.outbox = [*self.outbox, notification]
        return notification


Decision = Callable[[Incident], Notification | None]


class IncidentBook:
    """Incidents in the store, indexed by key (the last incident of each key), read once per cycle.

    Reads come from that snapshot; every write goes through `change` or `open`, which are conditional on
    the version read, so a cycle never overwrites a change it did not see.
    """

    def __init__(self, records: RecordStore, *, outbox: bool = True) -> None:
        self.records = records
        self._keep_outbox = outbox  # off in backtests: their notifications are returned, never delivered
        self._by_key: dict[str, Incident] = {}
        self._versions: dict[str, str] = {}  # incident id → the version of the copy in `_by_key`
        for record in records.list_versioned("incident"):
            self._remember(Incident.from_doc(record.doc), record.version)

    def latest(self, key: str) -> Incident | None:
        return self._by_key.get(key)

    def unresolved(self) -> list[Incident]:
        return [incident for incident in self._by_key.values() if incident.status != "resolved"]

    def open(self, incident: Incident, decide: Decision) -> Notification | None:
        """Store a new incident with what `decide` makes of it. If another process stored the same incident
        meanwhile (same key, same moment), theirs stands and nothing is announced twice."""
        note = decide(incident)
        self._settle(incident)
        failpoint("detect.before_record")
        try:
            version = self.records.put_record("incident", incident.incident_id, incident.to_doc(), if_version=NEW)
        except RecordConflict:
            logger.info("incident %s was opened by another process; keeping theirs", incident.incident_id)
            if (found := self.records.get_versioned("incident", incident.incident_id)) is not None:
                self._remember(Incident.from_doc(found.doc), found.version)
            return None
        failpoint("detect.after_record")
        self._remember(incident, version)
        return note

    def change(self, incident: Incident, decide: Decision) -> Notification | None:
        """Apply `decide` to the incident and write the result (with its notification in the outbox) in one
        write conditional on the version this book read; after a conflict (a person changed the incident
        meanwhile), `decide` runs again on the fresh copy from the store."""
        version = self._versions.get(incident.incident_id)
        if version is not None:
            # The usual case, without reading the store: decide on a copy of what this book read.
            trial = incident.snapshot()
            note = decide(trial)
            self._settle(trial)
            if note is None and trial == incident:
                return None  # nothing to write
            failpoint("detect.before_record")
            try:
                version = self.records.put_record("incident", trial.incident_id, trial.to_doc(), if_version=version)
            except RecordConflict:
                logger.info("incident %s changed during this cycle; deciding again on it", incident.incident_id)
            else:
                return self._recorded(trial, version, note)
        return self._change_stored(incident.incident_id, decide)

    def _change_stored(self, incident_id: str, decide: Decision) -> Notification | None:
        produced: list[Notification] = []

        def apply(doc: dict[str, Any] | None) -> dict[str, Any] | None:
            produced.clear()
            if doc is None:  # deleted by hand meanwhile: nothing to change
                return None
            fresh = Incident.from_doc(doc)
            note = decide(fresh)
            self._settle(fresh)
            new_doc = fresh.to_doc()
            if new_doc == doc:
                return None
            if note is not None:
                produced.append(note)
            failpoint("detect.before_record")
            return new_doc

        stored = update_record(self.records, "incident", incident_id, apply)
        if stored is None:
            return None
        return self._recorded(Incident.from_doc(stored.doc), stored.version, produced[0] if produced else None)

    def _recorded(self, incident: Incident, version: str, note: Notification | None) -> Notification | None:
        if note is not None:
            failpoint("detect.after_record")
        self._remember(incident, version)
        return note

    def _settle(self, incident: Incident) -> None:
        if not self._keep_outbox and incident.outbox:
            incident.outbox = []

    def _remember(self, incident: Incident, version: str) -> None:
        self._versions[incident.incident_id] = version
        current = self._by_key.get(incident.key)
        if current is None or current.incident_id == incident.incident_id or incident.opened_at >= current.opened_at:
            self._by_key[incident.key] = incident


def priority_of(hit: Hit, rules: IncidentRules) -> str:
    """P1–P4 from predicted size (or surge strength), complaint severity and big-account reach."""
    points = 0
    if hit.kind == "unanswered":
        # Past its deadline an unanswered complaint is a page for the service team on its own: P3, P2 when
        # it is critical (+1 below), P1 when a big account wrote it and is waiting in front of its followers.
        points += 1
    elif hit.kind == "cascade":
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
    """Fuses hits into incidents and decides which notifications to send.

    Each decision is a function of one incident (`Decision`), so that `IncidentBook.change` can take it again
    on a fresh copy when a person changed the incident in the meantime.
    """

    def __init__(
        self,
        book: IncidentBook,
        rules: IncidentRules | None = None,
        escalation_delay: Callable[[Incident], timedelta | None] = lambda _incident: None,
        *,
        language: Language = "zh",  # of the reasons written into incidents and notifications
    ) -> None:
        self.book = book
        self.rules = rules or IncidentRules()
        self._escalation_delay = escalation_delay
        self.language = language

    def process(self, hits: Iterable[Hit], active: set[str], now: datetime) -> list[Notification]:
        hits = list(hits)
        notifications: list[Notification | None] = [self._apply_hit(hit, hit.key in active, now) for hit in hits]
        active_targets = active | {self._target_key(hit) for hit in hits if hit.key in active}
        # Each decision is first checked on this cycle's copy (most cycles change nothing), then taken again
        # on what is stored when it is written.
        for incident in self.book.unresolved():
            if incident.key in active_targets:
                if incident.last_active_at != now:
                    self.book.change(incident, lambda fresh: self._mark_active(fresh, now))
            elif self._resolve_due(incident, now):
                notifications.append(self.book.change(incident, lambda fresh: self._maybe_resolve(fresh, now)))
        for incident in self.book.unresolved():
            if self._escalation_due(incident, now):
                notifications.append(self.book.change(incident, lambda fresh: self._maybe_escalate(fresh, now)))
        return [note for note in notifications if note is not None]

    def settle(self, settled: Mapping[str, Reason], now: datetime) -> list[Notification]:
        """Resolve at once the open incidents of `settled`'s keys, each for its reason: what opened them is
        over (the brand replied to an unanswered complaint), so there is no quiet period to wait out and no
        hourly cap to respect. Compare-and-set like every decision: an incident a person resolved meanwhile
        stays theirs, and an acknowledgement stays recorded on the resolved incident."""
        notifications: list[Notification | None] = []
        for incident in self.book.unresolved():
            reason = settled.get(incident.key)
            if reason is not None:
                notifications.append(self.book.change(incident, partial(self._settled, reason=reason, now=now)))
        return [note for note in notifications if note is not None]

    def _settled(self, incident: Incident, reason: Reason, now: datetime) -> Notification | None:
        if incident.status == "resolved":
            return None
        incident.status, incident.resolved_at, incident.resolved_by = "resolved", now, MACHINE
        return self._announce(
            incident, "resolved", [*reason, clause("incident.last_reason"), *_last_reason(incident)], now
        )

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

    def _apply_hit(self, hit: Hit, is_active: bool, now: datetime) -> Notification | None:
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
            new = Incident(
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
            return self.book.open(new, lambda fresh: self._open(fresh, hit, priority, now))
        return self.book.change(incident, lambda fresh: self._update(fresh, hit, priority, is_active, now))

    def _open(self, incident: Incident, hit: Hit, priority: str, now: datetime) -> Notification:
        self._absorb(incident, hit, priority, now)
        incident.last_active_at = now
        return self._announce(incident, "opened", hit.reason, now)

    def _update(
        self, incident: Incident, hit: Hit, priority: str, is_active: bool, now: datetime
    ) -> Notification | None:
        reopened = incident.status == "resolved"
        if reopened and not is_active:
            return None
        rises = PRIORITIES.index(priority) < PRIORITIES.index(incident.notified_priority)
        grows = hit.size >= self.rules.growth_factor * max(incident.notified_size, 1.0)
        if reopened and incident.resolved_by not in (None, MACHINE) and not (rises or grows):
            # A person resolved it: detection firing on the same state is no reason to overrule them.
            return None
        if reopened and not self._may_change(incident, now):
            return None
        self._absorb(incident, hit, priority, now)
        if is_active:
            incident.last_active_at = now
        if reopened:
            incident.status, incident.resolved_at, incident.resolved_by = "open", None, None
            return self._announce(incident, "updated", [clause("incident.reopened"), *hit.reason], now)
        if (rises or grows) and self._may_change(incident, now):
            change: Reason = []
            if rises:
                change.append(clause("incident.priority_rose", before=incident.notified_priority, after=priority))
            if grows:
                change.append(clause("incident.size_grew", before=incident.notified_size, after=hit.size))
            return self._announce(incident, "updated", [*change, *hit.reason], now)
        return None

    def _absorb(self, incident: Incident, hit: Hit, priority: str, now: datetime) -> None:
        incident.updated_at = now
        incident.reason, incident.reason_data = render_reason(hit.reason, self.language), hit.reason
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

    @staticmethod
    def _mark_active(incident: Incident, now: datetime) -> None:
        if incident.status != "resolved":
            incident.last_active_at = now

    def _may_change(self, incident: Incident, now: datetime) -> bool:
        recent = [moment for moment in incident.changes if now - moment < timedelta(hours=1)]
        if len(recent) >= self.rules.max_changes_per_hour:
            logger.info("incident %s: state-change cap reached, holding the change", incident.incident_id)
            return False
        return True

    def _announce(self, incident: Incident, event: Event, reason_data: Reason, now: datetime) -> Notification:
        incident.changes = [moment for moment in incident.changes if now - moment < timedelta(hours=1)] + [now]
        incident.updated_at = now
        if event in ("opened", "updated"):
            incident.notified_size = max(incident.size, 1.0)
            incident.notified_priority = incident.priority
        reason = render_reason(reason_data, self.language)
        incident.record(now, event, MACHINE, reason, reason_data)
        message = incident.alert(event, reason, reason_data)
        logger.info("incident %s %s (%s): %s", incident.incident_id, event, incident.priority, reason)
        return message

    def _resolve_due(self, incident: Incident, now: datetime) -> bool:
        last = incident.last_active_at or incident.updated_at
        return incident.status != "resolved" and now - last >= self.rules.resolve_after

    def _maybe_resolve(self, incident: Incident, now: datetime) -> Notification | None:
        if not self._resolve_due(incident, now) or not self._may_change(incident, now):
            return None
        last = incident.last_active_at or incident.updated_at
        incident.status, incident.resolved_at, incident.resolved_by = "resolved", now, MACHINE
        quiet_minutes = round((now - last).total_seconds() / 60)
        key = _QUIET_RESOLVED.get(incident.kind, "incident.resolved.surge")
        reason = [clause(key, minutes=quiet_minutes), clause("incident.last_reason"), *_last_reason(incident)]
        return self._announce(incident, "resolved", reason, now)

    def _escalation_due(self, incident: Incident, now: datetime) -> bool:
        if incident.status != "open" or incident.escalated_at is not None or incident.priority not in ("P1", "P2"):
            return False
        delay = self._escalation_delay(incident)
        return delay is not None and now - incident.opened_at >= delay

    def _maybe_escalate(self, incident: Incident, now: datetime) -> Notification | None:
        if not self._escalation_due(incident, now):
            return None
        incident.escalated_at = now
        minutes = round((now - incident.opened_at).total_seconds() / 60)
        reason = [clause("incident.escalated", priority=incident.priority, minutes=minutes), *_last_reason(incident)]
        return self._announce(incident, "escalated", reason, now)


_QUIET_RESOLVED = {"cascade": "incident.resolved.cascade", "unanswered": "unanswered.resolved_quiet"}


def _last_reason(incident: Incident) -> Reason:
    """What the last hit said, as data; an incident stored before reasons were data has its text only."""
    if incident.reason_data:
        return incident.reason_data
    return [clause("verbatim", text=incident.reason)] if incident.reason else []


# -- what people do: each a conditional write that re-reads on conflict, never overwritten by a cycle --------


def acknowledge(records: RecordStore, incident_id: str, now: datetime, by: str) -> Incident | None:
    """Mark an open incident acknowledged by `by` (stops escalation); None when there is no such incident."""

    def ack(doc: dict[str, Any] | None) -> dict[str, Any] | None:
        if doc is None:
            return None
        incident = Incident.from_doc(doc)
        if incident.status != "open":
            return None
        incident.status, incident.acknowledged_at, incident.acknowledged_by = "acknowledged", now, by
        incident.record(now, "acknowledged", by)
        return incident.to_doc()

    stored = update_record(records, "incident", incident_id, ack)
    return Incident.from_doc(stored.doc) if stored is not None else None


def resolve_by_hand(
    records: RecordStore, incident_id: str, now: datetime, by: str, *, language: Language = "zh"
) -> Incident | None:
    """Resolve an incident by hand; its "resolved" notification (its reason in `language`) goes into the outbox
    in the same write. None when there is no such incident; an incident already resolved is returned unchanged."""

    def resolve(doc: dict[str, Any] | None) -> dict[str, Any] | None:
        if doc is None:
            return None
        incident = Incident.from_doc(doc)
        if incident.status == "resolved":
            return None
        incident.status, incident.resolved_at, incident.resolved_by, incident.updated_at = "resolved", now, by, now
        reason_data = [clause("incident.resolved_by_hand", person=by)]
        reason = render_reason(reason_data, language)
        incident.record(now, "resolved", by, reason, reason_data)
        incident.alert("resolved", reason, reason_data)
        return incident.to_doc()

    stored = update_record(records, "incident", incident_id, resolve)
    return Incident.from_doc(stored.doc) if stored is not None else None
