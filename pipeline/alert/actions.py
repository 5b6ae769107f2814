"""What a person does to incidents: acknowledge, resolve by hand, silence and unsilence.

The command line (`yuqing alerts ...`) and the web console both call these functions, so both keep the
guarantees of incident state (docs/data-contracts.md): every change of an incident is a
compare-and-set write that re-reads on conflict (`pipeline.detect.incidents`), so a detection cycle running
at the same moment never undoes it; a manual resolve puts its "resolved" message in the incident's outbox in
the same write, and the dispatcher delivers it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pipeline.alert.dispatch import ChannelPool, Dispatcher, DispatchReport, active_silences, is_silenced
from pipeline.config import Settings, Watchlist
from pipeline.detect import incidents
from pipeline.detect.incidents import Incident
from pipeline.exceptions import ConfigError
from pipeline.models import SHANGHAI, format_time, parse_time
from pipeline.safe_text import LinkPolicy
from pipeline.store.records import RecordStore


class UnknownIncident(ConfigError):
    """No incident has this id."""

    def __init__(self, incident_id: str) -> None:
        super().__init__(f"no incident {incident_id!r} (see `yuqing alerts list`)")
        self.incident_id = incident_id


class NoSilence(ConfigError):
    """There is no silence on this target to end."""

    def __init__(self, target: str) -> None:
        super().__init__(f"no silence on {target}")
        self.target = target


@dataclass(frozen=True, slots=True)
class Resolution:
    incident: Incident
    already_resolved: bool  # nothing was changed or sent
    delivery: DispatchReport  # what the dispatcher did right after (empty when already resolved)


@dataclass(frozen=True, slots=True)
class Silence:
    """A silence record (`kind="silence"`): deliveries of the brand or of the incident are held back until `until`."""

    target: str  # the record key: "brand:<name>" or "incident:<id>"
    brand: str | None
    incident_id: str | None
    until: datetime
    created_at: datetime | None
    by: str

    def to_doc(self) -> dict[str, Any]:
        # Only one of brand and incident_id is set: `is_silenced` matches either field on its own.
        return {
            "brand": self.brand,
            "incident_id": self.incident_id,
            "until": format_time(self.until.astimezone(SHANGHAI)),
            "created_at": format_time(self.created_at.astimezone(SHANGHAI)) if self.created_at else None,
            "by": self.by,
        }


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(UTC)


def acknowledge(records: RecordStore, incident_id: str, by: str, now: datetime | None = None) -> Incident:
    """Acknowledge an open incident as `by` (stops its escalation); an incident that is not open any more is
    returned as it is."""
    incident = incidents.acknowledge(records, incident_id, _now(now), by)
    if incident is None:
        raise UnknownIncident(incident_id)
    return incident


def resolve(
    records: RecordStore,
    settings: Settings,
    incident_id: str,
    by: str,
    now: datetime | None = None,
    *,
    channels: ChannelPool | None = None,
) -> Resolution:
    """Resolve an incident by hand as `by` and deliver its "resolved" message (with anything else still due)
    right away, in the configured language."""
    now = _now(now)
    before = records.get_record("incident", incident_id)
    incident = incidents.resolve_by_hand(records, incident_id, now, by, language=settings.language)
    if incident is None:
        raise UnknownIncident(incident_id)
    if before is not None and before.get("status") == "resolved":
        return Resolution(incident, already_resolved=True, delivery=DispatchReport())
    # The resolved message is in the incident's outbox; deliver it (and anything else still due) now.
    links = LinkPolicy.from_settings(settings)
    dispatcher = Dispatcher(settings.watchlist_config, records, channels, links=links, language=settings.language)
    return Resolution(incident, already_resolved=False, delivery=dispatcher.run(now))


def silence_target(watchlist: Watchlist, *, brand: str | None = None, incident_id: str | None = None) -> str:
    """The key of a silence on a brand or on an incident; an unknown brand is an error, not a silence of nothing."""
    if (brand is None) == (incident_id is None):
        raise ValueError("silence either a brand or an incident")
    if brand is not None:
        watchlist.brand(brand)
        return f"brand:{brand}"
    return f"incident:{incident_id}"


def silence(
    records: RecordStore,
    watchlist: Watchlist,
    *,
    duration: timedelta,
    by: str,
    brand: str | None = None,
    incident_id: str | None = None,
    now: datetime | None = None,
) -> Silence:
    """Hold back the notifications of a brand or of an incident for `duration`, recorded as done by `by`.
    A new silence of the same target replaces the old one."""
    target = silence_target(watchlist, brand=brand, incident_id=incident_id)
    if incident_id is not None and records.get_record("incident", incident_id) is None:
        raise UnknownIncident(incident_id)
    now = _now(now)
    made = Silence(target, brand, incident_id, now + duration, now, by)
    records.put_record("silence", target, made.to_doc())
    return made


def unsilence(
    records: RecordStore, watchlist: Watchlist, *, brand: str | None = None, incident_id: str | None = None
) -> str:
    """End a silence early; returns its target."""
    target = silence_target(watchlist, brand=brand, incident_id=incident_id)
    if records.get_record("silence", target) is None:
        raise NoSilence(target)
    records.delete_record("silence", target)
    return target


def silences_holding(records: RecordStore, incident: dict[str, Any], now: datetime | None = None) -> list[Silence]:
    """The silences in force that hold back this incident's notifications (its own and its brand's)."""
    held: list[Silence] = []
    for doc in active_silences(records, _now(now)):
        if is_silenced([doc], incident):
            brand, incident_id = doc.get("brand"), doc.get("incident_id")
            held.append(
                Silence(
                    target=f"incident:{incident_id}" if incident_id else f"brand:{brand}",
                    brand=brand,
                    incident_id=incident_id,
                    until=parse_time(doc["until"], "silence.until"),
                    created_at=parse_time(doc["created_at"], "silence.created_at") if doc.get("created_at") else None,
                    by=str(doc.get("by") or ""),
                )
            )
    return held
