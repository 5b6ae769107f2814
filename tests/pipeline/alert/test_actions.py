"""The incident actions the CLI and the console share, on a real SQLite store with a real file channel."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from pipeline.alert import actions
from pipeline.config import Settings
from pipeline.detect.incidents import IncidentBook, IncidentManager
from pipeline.exceptions import ConfigError
from pipeline.models import parse_time
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.alert.helpers import open_p1_incident

NOW = parse_time("2026-11-22T10:20:00+08:00")  # 20 minutes after the incident opened
WATCHLIST = """
brands:
  - name: 蒙牛
  - name: 小米
routes:
  default: {channels: [log], escalate_to: default, escalate_after_minutes: 30}
channels:
  log: {type: file, path: %s}
"""


@pytest.fixture
def settings(env: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    watchlist = tmp_path / "watchlist.yaml"
    watchlist.write_text(WATCHLIST % (tmp_path / "alerts.jsonl"), encoding="utf-8")
    return Settings(data_dir=tmp_path / "data", watchlist=watchlist)


@pytest.fixture
def store(settings: Settings) -> Iterator[SQLiteStore]:
    settings.data_dir.mkdir(parents=True)
    with SQLiteStore(settings.sqlite_path) as opened:
        yield opened


@pytest.fixture
def incident_id(store: SQLiteStore, settings: Settings) -> str:
    return open_p1_incident(settings.sqlite_path)


def sent_lines(settings: Settings) -> list[dict[str, object]]:
    path = settings.data_dir.parent / "alerts.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


def test_acknowledge_records_who_and_only_the_first_person(store: SQLiteStore, incident_id: str) -> None:
    incident = actions.acknowledge(store, incident_id, "王值班", NOW)
    assert (incident.status, incident.acknowledged_by, incident.acknowledged_at) == ("acknowledged", "王值班", NOW)
    again = actions.acknowledge(store, incident_id, "李值班", NOW + timedelta(minutes=1))
    assert again.acknowledged_by == "王值班"  # not open any more: nothing changes
    stored = store.get_record("incident", incident_id)
    assert stored is not None
    assert [(line["event"], line["by"]) for line in stored["timeline"]] == [
        ("opened", "yuqing"),
        ("acknowledged", "王值班"),
    ]
    with pytest.raises(actions.UnknownIncident, match="no incident 'nope'"):
        actions.acknowledge(store, "nope", "王值班", NOW)


def test_an_ack_is_not_undone_by_a_cycle_that_read_the_incident_before_it(
    store: SQLiteStore, incident_id: str, settings: Settings
) -> None:
    book = IncidentBook(store)  # a cycle reads the incidents ...
    actions.acknowledge(store, incident_id, "王值班", NOW)  # ... a person acknowledges ...
    manager = IncidentManager(book, escalation_delay=lambda _incident: timedelta(minutes=30))
    notes = manager.process([], set(), NOW + timedelta(minutes=11))  # ... and the cycle would escalate its copy
    assert [note["event"] for note in notes] == []
    stored = store.get_record("incident", incident_id)
    assert stored is not None
    assert (stored["status"], stored["acknowledged_by"], stored["escalated_at"]) == ("acknowledged", "王值班", None)


def test_resolve_delivers_the_outbox_and_the_resolved_notice_once(
    store: SQLiteStore, incident_id: str, settings: Settings
) -> None:
    resolution = actions.resolve(store, settings, incident_id, "王值班", NOW)
    assert not resolution.already_resolved
    assert (resolution.incident.status, resolution.incident.resolved_by) == ("resolved", "王值班")
    # The "opened" page was still in the outbox: it goes out first, then the resolved notice.
    assert (resolution.delivery.sent, resolution.delivery.failed) == (2, 0)
    lines = sent_lines(settings)
    assert [line["event"] for line in lines] == ["opened", "resolved"]
    assert lines[1]["reason"] == "已由 王值班 手动解除。"
    later = actions.resolve(store, settings, incident_id, "李值班", NOW + timedelta(minutes=5))
    assert later.already_resolved and later.incident.resolved_by == "王值班" and later.delivery.sent == 0
    assert len(sent_lines(settings)) == 2
    with pytest.raises(actions.UnknownIncident):
        actions.resolve(store, settings, "nope", "王值班", NOW)


def test_silence_validates_its_target_and_records_who(store: SQLiteStore, incident_id: str, settings: Settings) -> None:
    watchlist = settings.watchlist_config
    with pytest.raises(ConfigError, match="不存在的品牌"):
        actions.silence(store, watchlist, duration=timedelta(hours=1), by="王值班", brand="不存在的品牌", now=NOW)
    with pytest.raises(actions.UnknownIncident):
        actions.silence(store, watchlist, duration=timedelta(hours=1), by="王值班", incident_id="nope", now=NOW)
    with pytest.raises(ValueError):
        actions.silence(store, watchlist, duration=timedelta(hours=1), by="王值班", now=NOW)
    assert store.list_records("silence") == []

    made = actions.silence(store, watchlist, duration=timedelta(hours=2), by="王值班", brand="蒙牛", now=NOW)
    assert made.target == "brand:蒙牛" and made.until == NOW + timedelta(hours=2)
    assert store.get_record("silence", "brand:蒙牛") == {
        "brand": "蒙牛",
        "incident_id": None,
        "until": "2026-11-22T12:20:00+08:00",
        "created_at": "2026-11-22T10:20:00+08:00",
        "by": "王值班",
    }
    actions.silence(store, watchlist, duration=timedelta(hours=4), by="李值班", incident_id=incident_id, now=NOW)
    actions.silence(store, watchlist, duration=timedelta(hours=1), by="李值班", brand="小米", now=NOW)
    incident = store.get_record("incident", incident_id)
    assert incident is not None
    held = actions.silences_holding(store, incident, NOW + timedelta(hours=3))  # the brand's has run out
    assert [(silence.target, silence.by) for silence in held] == [(f"incident:{incident_id}", "李值班")]

    assert actions.unsilence(store, watchlist, incident_id=incident_id) == f"incident:{incident_id}"
    with pytest.raises(actions.NoSilence, match=f"no silence on incident:{incident_id}"):
        actions.unsilence(store, watchlist, incident_id=incident_id)
    assert [doc["brand"] for doc in store.list_records("silence")] == ["小米", "蒙牛"]


def test_a_silenced_incident_resolves_without_paging(store: SQLiteStore, incident_id: str, settings: Settings) -> None:
    actions.silence(
        store, settings.watchlist_config, duration=timedelta(hours=1), by="王值班", incident_id=incident_id, now=NOW
    )
    resolution = actions.resolve(store, settings, incident_id, "王值班", NOW + timedelta(minutes=5))
    assert (resolution.delivery.sent, resolution.delivery.silenced) == (0, 2)
    assert sent_lines(settings) == []
