from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from pipeline.detect.base import EvidencePost, Hit
from pipeline.detect.incidents import (
    Incident,
    IncidentBook,
    IncidentManager,
    IncidentRules,
    acknowledge,
    priority_of,
    resolve_by_hand,
)
from pipeline.i18n import LANGUAGES, clause, render_reason
from pipeline.store.memory import InMemoryRecords
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.detect.streams import DAY

T0 = DAY + timedelta(hours=10)
KEY = "cascade:weibo:root"


def _hit(size: float, *, minutes: float = 0, followers: int = 500, severity: int = 1, key: str = KEY) -> Hit:
    return Hit(
        kind="cascade",
        key=key,
        brand="蒙牛",
        at=T0 + timedelta(minutes=minutes),
        reason=[clause("cascade.predicted", predicted=round(size))],
        size=size,
        root_id=key.removeprefix("cascade:"),
        predicted_reposts=size,
        severity=severity,
        max_followers=followers,
        posts=(EvidencePost(key.removeprefix("cascade:"), "https://weibo.com/1/abc"),),
    )


def _surge(category: str | None, *, minutes: float = 0) -> Hit:
    return Hit(
        kind="surge",
        key=f"surge:蒙牛:{category or '*'}",
        brand="蒙牛",
        at=T0,
        reason=[
            clause(
                "surge.volume",
                count=12,
                brand="蒙牛",
                authors=12,
                minutes=15,
                expected=1.0,
                ratio=12.0,
                test="poisson",
                p_value=1e-9,
            )
        ],
        size=12,
        category=category,
        evidence={"expected": 1.0, "distinct_authors": 12},
    )


def _run(
    manager: IncidentManager, hits: list[Hit], minutes: float, active: set[str] | None = None
) -> list[dict[str, Any]]:
    now = T0 + timedelta(minutes=minutes)
    return manager.process(hits, active if active is not None else {hit.key for hit in hits}, now)


def test_one_incident_per_root_and_re_notify_only_on_threefold_growth() -> None:
    manager = IncidentManager(IncidentBook(InMemoryRecords()))
    opened = _run(manager, [_hit(200)], 0)
    assert [n["event"] for n in opened] == ["opened"]
    assert opened[0]["posts"] == ["weibo:root"] and opened[0]["urls"] == ["https://weibo.com/1/abc"]
    assert _run(manager, [_hit(300)], 2) == []  # growth below ×3: same incident, no page
    assert _run(manager, [_hit(590)], 4) == []
    grown = _run(manager, [_hit(600)], 6)
    assert [(n["event"], n["priority"]) for n in grown] == [("updated", "P4")]
    assert grown[0]["reason"] == "规模由 200 增至 600。传播模型（SEISMIC）预计 24 小时内共转发 600 次。"
    assert grown[0]["incident_id"] == opened[0]["incident_id"]


def test_priority_rise_re_notifies() -> None:
    manager = IncidentManager(IncidentBook(InMemoryRecords()))
    assert _run(manager, [_hit(600)], 0)[0]["priority"] == "P4"
    risen = _run(manager, [_hit(700, followers=2_000_000)], 2)
    assert [(n["event"], n["priority"]) for n in risen] == [("updated", "P1")]
    assert risen[0]["reason"].startswith("优先级由 P4 升至 P1。")


def test_priority_from_size_severity_and_reach() -> None:
    rules = IncidentRules()
    assert priority_of(_hit(500), rules) == "P4"
    assert priority_of(_hit(1500), rules) == "P3"
    assert priority_of(_hit(1500, severity=3), rules) == "P2"
    assert priority_of(_hit(12_000), rules) == "P1"
    assert priority_of(_hit(200, followers=5_000_000), rules) == "P1"


def test_resolves_after_quiet_hold_with_hysteresis_and_says_so() -> None:
    manager = IncidentManager(IncidentBook(InMemoryRecords()), IncidentRules(resolve_after=timedelta(hours=2)))
    _run(manager, [_hit(600)], 0)
    assert _run(manager, [], 60, active={KEY}) == []  # no hit, but still above the quiet level
    assert _run(manager, [], 170, active=set()) == []  # quiet for 110 min only
    resolved = _run(manager, [], 181, active=set())
    assert [n["event"] for n in resolved] == ["resolved"]
    assert resolved[0]["reason"] == (
        "已解除：转发已连续 121 分钟处于正常水平（没有检测器触发，也没有高于平静阈值的活动）。"
        "最近一次触发原因：传播模型（SEISMIC）预计 24 小时内共转发 600 次。"
    )
    assert resolved[0]["status"] == "resolved"
    # a hit on a quiet cascade does not reopen it; renewed activity does
    assert _run(manager, [_hit(600)], 190, active=set()) == []
    again = _run(manager, [_hit(700)], 200)
    assert [n["event"] for n in again] == ["updated"] and again[0]["reason"].startswith("解除后再次扩散。")


def test_state_changes_are_capped_per_hour() -> None:
    manager = IncidentManager(IncidentBook(InMemoryRecords()), IncidentRules(max_changes_per_hour=2))
    sizes = [100, 400, 1600, 6400, 25600]
    events = [n["event"] for i, size in enumerate(sizes) for n in _run(manager, [_hit(size)], i)]
    assert events == ["opened", "updated"]
    later = _run(manager, [_hit(25600)], 61)
    assert [n["event"] for n in later] == ["updated"]


def test_surge_hits_of_one_brand_fuse_into_one_incident() -> None:
    manager = IncidentManager(IncidentBook(InMemoryRecords()))
    first = _run(manager, [_surge("quality")], 0)
    second = _run(manager, [_surge(None)], 1)
    assert [n["event"] for n in first] == ["opened"] and second == []
    assert len(manager.book.unresolved()) == 1


def test_escalation_once_for_unacknowledged_p1_and_not_after_ack() -> None:
    records = InMemoryRecords()
    manager = IncidentManager(IncidentBook(records), escalation_delay=lambda _i: timedelta(minutes=30))
    opened = _run(manager, [_hit(20_000)], 0)
    assert opened[0]["priority"] == "P1"
    assert _run(manager, [], 29, active={KEY}) == []
    escalated = _run(manager, [], 31, active={KEY})
    assert [n["event"] for n in escalated] == ["escalated"]
    assert escalated[0]["reason"].startswith("已升级：P1 事件 31 分钟内无人确认。")
    assert _run(manager, [], 40, active={KEY}) == []

    other = IncidentManager(IncidentBook(InMemoryRecords()), escalation_delay=lambda _i: timedelta(minutes=30))
    incident_id = _run(other, [_hit(20_000)], 0)[0]["incident_id"]
    acknowledge(other.book.records, incident_id, T0 + timedelta(minutes=5), "值班员")
    other = IncidentManager(IncidentBook(other.book.records), escalation_delay=lambda _i: timedelta(minutes=30))
    assert _run(other, [], 31, active={KEY}) == []


def test_restart_during_an_open_incident_pages_nothing_twice(tmp_path) -> None:
    path = tmp_path / "store.db"
    store = SQLiteStore(path)
    first = IncidentManager(IncidentBook(store))
    assert [n["event"] for n in _run(first, [_hit(600)], 0)] == ["opened"]
    store.close()

    reopened = SQLiteStore(path)  # a new process: state only from the store
    second = IncidentManager(IncidentBook(reopened))
    assert _run(second, [_hit(700)], 5) == []
    assert [n["event"] for n in _run(second, [_hit(1800)], 10)] == ["updated"]
    docs = reopened.list_records("incident")
    assert len(docs) == 1 and docs[0]["notifications"] == 2
    reopened.close()


def test_incident_round_trips_through_its_document() -> None:
    records = InMemoryRecords()
    manager = IncidentManager(IncidentBook(records))
    incident_id = _run(manager, [_hit(600)], 0)[0]["incident_id"]
    doc = records.get_record("incident", incident_id)
    assert doc is not None
    for field in (
        "incident_id",
        "kind",
        "brand",
        "root_id",
        "opened_at",
        "updated_at",
        "status",
        "priority",
        "reason",
        "evidence",
        "predicted_reposts",
        "posts",
    ):
        assert field in doc
    assert Incident.from_doc(doc).to_doc() == doc
    incident = resolve_by_hand(records, incident_id, T0 + timedelta(minutes=9), "值班员")
    assert incident is not None and incident.status == "resolved" and incident.resolved_by == "值班员"
    assert [note["event"] for note in incident.outbox] == ["opened", "resolved"]
    assert incident.outbox[-1]["reason"] == "已由 值班员 手动解除。"
    assert incident.timeline[-1]["reason_data"] == incident.outbox[-1]["reason_data"]
    assert [(line["event"], line["by"]) for line in incident.timeline] == [("opened", "yuqing"), ("resolved", "值班员")]


def test_an_ack_during_a_cycle_is_not_undone_and_stops_the_escalation() -> None:
    """The cycle read the incident as open; a person acknowledges before the cycle writes: the write conflicts,
    the cycle decides again on the acknowledged copy and neither reopens nor escalates it."""
    records = InMemoryRecords()
    manager = IncidentManager(IncidentBook(records), escalation_delay=lambda _i: timedelta(minutes=30))
    incident_id = _run(manager, [_hit(20_000)], 0)[0]["incident_id"]
    cycle = IncidentManager(IncidentBook(records), escalation_delay=lambda _i: timedelta(minutes=30))
    acknowledge(records, incident_id, T0 + timedelta(minutes=30), "值班员")  # lands after the cycle's read
    assert _run(cycle, [_hit(21_000)], 31, active={KEY}) == []
    doc = records.get_record("incident", incident_id)
    assert doc is not None and doc["status"] == "acknowledged" and doc["acknowledged_by"] == "值班员"
    assert doc["escalated_at"] is None and doc["last_active_at"].startswith("2026")


def test_a_resolve_by_hand_during_a_cycle_is_not_undone_by_the_same_state() -> None:
    records = InMemoryRecords()
    manager = IncidentManager(IncidentBook(records))
    incident_id = _run(manager, [_hit(600)], 0)[0]["incident_id"]
    cycle = IncidentManager(IncidentBook(records))
    resolve_by_hand(records, incident_id, T0 + timedelta(minutes=4), "值班员")
    assert _run(cycle, [_hit(700)], 5) == []  # still firing, but no bigger than when it was resolved
    doc = records.get_record("incident", incident_id)
    assert doc is not None and doc["status"] == "resolved" and doc["resolved_by"] == "值班员"
    grown = _run(IncidentManager(IncidentBook(records)), [_hit(2_000)], 10)  # it grew ×3 since: page again
    assert [(note["event"], note["status"]) for note in grown] == [("updated", "open")]


def test_notifications_are_stored_in_the_outbox_with_the_state_change() -> None:
    records = InMemoryRecords()
    opened = _run(IncidentManager(IncidentBook(records)), [_hit(600)], 0)
    doc = records.get_record("incident", opened[0]["incident_id"])
    assert doc is not None and doc["outbox"] == opened and doc["outbox_pending"] is True
    replay = IncidentManager(IncidentBook(InMemoryRecords(), outbox=False))
    doc = replay.book.records.get_record("incident", _run(replay, [_hit(600)], 0)[0]["incident_id"])
    assert doc is not None and doc["outbox"] == [] and doc["outbox_pending"] is False


def test_reasons_are_data_that_render_in_either_language() -> None:
    """The same hits through a Chinese and an English manager: every stored reason, read back from JSON,
    renders in the other language exactly as the other manager wrote it."""
    notes: dict[str, list[dict[str, Any]]] = {}
    for language in LANGUAGES:
        records = InMemoryRecords()
        manager = IncidentManager(
            IncidentBook(records), escalation_delay=lambda _i: timedelta(minutes=30), language=language
        )
        notes[language] = [
            *_run(manager, [_hit(20_000)], 0),
            *_run(manager, [], 31, active={KEY}),  # escalated
            *_run(manager, [_hit(60_000, followers=2_000_000)], 35),  # grew
            *_run(manager, [], 160, active=set()),  # resolved
            *_run(manager, [_hit(60_000)], 170),  # spreading again
        ]
        incident_id = notes[language][0]["incident_id"]
        notes[language].append(
            resolve_by_hand(records, incident_id, T0 + timedelta(minutes=175), "值班员", language=language).outbox[-1]
        )
    assert [note["event"] for note in notes["zh"]] == [
        "opened",
        "escalated",
        "updated",
        "resolved",
        "updated",
        "resolved",
    ]
    for chinese, english in zip(notes["zh"], notes["en"], strict=True):
        for language, note in (("zh", chinese), ("en", english)):
            assert render_reason(json.loads(json.dumps(note["reason_data"])), language) == note["reason"]
        assert render_reason(chinese["reason_data"], "en") == english["reason"]
        assert render_reason(english["reason_data"], "zh") == chinese["reason"]
    assert [note["reason"] for note in notes["en"]] == [
        "The self-exciting (SEISMIC) estimate expects 20,000 reposts within 24 h.",
        "Escalated: P1 incident not acknowledged after 31 min. "
        "The self-exciting (SEISMIC) estimate expects 20,000 reposts within 24 h.",
        "Size grew from 20,000 to 60,000. The self-exciting (SEISMIC) estimate expects 60,000 reposts within 24 h.",
        "Resolved: repost activity has stayed at its usual level for 125 min (no detector fired and nothing was "
        "above the quiet threshold). Last reason: The self-exciting (SEISMIC) estimate expects 60,000 reposts "
        "within 24 h.",
        "Spreading again after it was resolved. The self-exciting (SEISMIC) estimate expects 60,000 reposts "
        "within 24 h.",
        "Resolved by hand by 值班员.",
    ]


def test_an_incident_stored_with_a_text_reason_only_still_resolves_with_it() -> None:
    """Incidents stored before reasons were data have `reason` and no `reason_data`."""
    records = InMemoryRecords()
    incident_id = _run(IncidentManager(IncidentBook(records)), [_hit(600)], 0)[0]["incident_id"]
    doc = records.get_record("incident", incident_id)
    assert doc is not None
    old = {key: value for key, value in doc.items() if key != "reason_data"} | {"reason": "predicted 600 reposts"}
    records.put_record("incident", incident_id, old)
    resolved = _run(IncidentManager(IncidentBook(records), language="en"), [], 130, active=set())
    assert resolved[0]["reason"].endswith("Last reason: predicted 600 reposts")
    assert render_reason(resolved[0]["reason_data"], "zh").endswith("最近一次触发原因：predicted 600 reposts")
