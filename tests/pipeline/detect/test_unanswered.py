"""The "unanswered" rule and its incidents: opened after the deadline, resolved by the reply, never by guesswork."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from pipeline.config import Watchlist
from pipeline.detect.engine import DetectionConfig, DetectionEngine
from pipeline.detect.incidents import MACHINE, Incident, acknowledge, resolve_by_hand
from pipeline.detect.unanswered import ResponseState, UnansweredRules, check_unanswered, incident_key, states_of
from pipeline.i18n import render_reason
from pipeline.models import SHANGHAI, Author, Complaint, Post, format_time
from pipeline.store.sqlite import SQLiteStore

POSTED = datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI)
RULES = UnansweredRules(after=timedelta(minutes=60), min_severity=3, follow_for=timedelta(hours=48))


def record(
    post_id: str = "weibo:1", *, severity: int = 3, reply_at: datetime | None = None, **extra: Any
) -> dict[str, Any]:
    replies = (
        [
            {
                "account_uid": "1400000002",
                "account_name": "顺丰客服",
                "kind": "comment",
                "at": format_time(reply_at),
                "text": "您好，请私信运单号",
                "url": "https://weibo.com/4001/x",
            }
        ]
        if reply_at
        else []
    )
    return {
        "post_id": post_id,
        "brand": "蒙牛",
        "complaint_at": format_time(POSTED),
        "severity": severity,
        "category": "delivery",
        "checked_at": format_time(POSTED + timedelta(minutes=30)),
        "complete": True,
        "comments_read": 4,
        "first_reply_at": format_time(reply_at) if reply_at else None,
        "replies": replies,
        **extra,
    }


def complaint_post(post_id: str = "weibo:1", *, name: str = "投诉的小王", followers: int = 310) -> Post:
    return Post(
        id=post_id,
        text="快递三天没动，  客服电话打不通",
        created_at=POSTED,
        source="weibo",
        url="https://weibo.com/4001/QgMA8",
        author=Author(id="4001", name=name, followers=followers),
        brand="蒙牛",
        complaint=Complaint(is_complaint=True, probability=0.9, severity=3, category="delivery"),
    )


def check(records: list[dict[str, Any]], now: datetime, **kwargs: Any) -> Any:
    return check_unanswered(states_of(records), now, RULES, **kwargs)


def test_a_critical_complaint_without_reply_is_a_hit_only_after_the_deadline() -> None:
    assert check([record()], POSTED + timedelta(minutes=59)).hits == []
    found = check([record()], POSTED + timedelta(minutes=60))
    assert [hit.key for hit in found.hits] == ["unanswered:weibo:1"] and found.active == {"unanswered:weibo:1"}
    hit = found.hits[0]
    assert hit.kind == "unanswered" and hit.severity == 3 and hit.size == 1.0 and hit.root_id == "weibo:1"
    assert render_reason(hit.reason, "zh") == "危急投诉 weibo:1 已 60 分钟没有官方回复。"


def test_what_is_not_unanswered() -> None:
    now = POSTED + timedelta(hours=3)
    records = [
        record("weibo:answered", reply_at=POSTED + timedelta(minutes=90)),
        record("weibo:minor", severity=2),
        record("weibo:other-brand", brand="伊利"),
        {"post_id": "weibo:broken"},  # not a record the rule can judge either way
    ]
    found = check(records, now, brands={"蒙牛"})
    assert found.hits == [] and found.active == set()
    assert set(found.answered) == {"unanswered:weibo:answered"}
    assert render_reason(found.answered["unanswered:weibo:answered"], "zh").startswith("已解除：顺丰客服 已于")
    # A complaint with no record has not been checked: it is not known to be unanswered.
    assert check([], now).hits == []


def test_a_complaint_is_followed_for_the_lookback_only() -> None:
    assert check([record()], POSTED + timedelta(hours=48)).hits
    assert not check([record()], POSTED + timedelta(hours=48, minutes=1)).hits


def test_the_reason_quotes_the_complaint_and_says_when_the_comments_were_cut() -> None:
    post = complaint_post()
    found = check(
        [record(complete=False, comments_read=20)],
        POSTED + timedelta(minutes=75),
        posts=lambda ids: {post.id: post} if post.id in ids else {},
    )
    (hit,) = found.hits
    assert render_reason(hit.reason, "zh") == (
        "投诉的小王 发布的危急投诉 weibo:1 已 75 分钟没有官方回复：「快递三天没动， 客服电话打不通」"
        "（评论只读到 20 条，列表未读完。）"
    )
    assert render_reason(hit.reason, "en").startswith("The critical complaint weibo:1 by 投诉的小王 has had no")
    assert hit.posts[0].url == "https://weibo.com/4001/QgMA8" and hit.max_followers == 310


def test_a_reply_shows_in_a_replay_only_from_its_time() -> None:
    state = ResponseState.from_record(record(reply_at=POSTED + timedelta(minutes=90)))
    assert state.as_of(POSTED + timedelta(minutes=89)).first_reply_at is None
    assert state.as_of(POSTED + timedelta(minutes=90)) is state


# -- incidents -----------------------------------------------------------------------------------------------


def engine_on(
    store: SQLiteStore, watchlist: Watchlist, post: Post | None = None, config: DetectionConfig | None = None
) -> DetectionEngine:
    """A fresh engine per cycle, as every cycle of the spread tracker is (state lives in the store)."""
    known = {post.id: post} if post is not None else {}
    return DetectionEngine(
        store, watchlist, config, complaint_posts=lambda ids: {key: known[key] for key in ids if key in known}
    )


def incident(store: SQLiteStore) -> Incident:
    (doc,) = store.list_records("incident")
    return Incident.from_doc(doc)


def test_the_incident_opens_as_p2_and_resolves_as_soon_as_the_reply_is_on_record(
    store: SQLiteStore, watchlist: Watchlist
) -> None:
    store.put_record("response", "weibo:1", record())
    post = complaint_post()
    opened = engine_on(store, watchlist, post).run(POSTED + timedelta(minutes=61))
    assert [(note["event"], note["kind"], note["priority"]) for note in opened] == [("opened", "unanswered", "P2")]
    assert opened[0]["posts"] == ["weibo:1"] and opened[0]["urls"] == ["https://weibo.com/4001/QgMA8"]
    assert engine_on(store, watchlist, post).run(POSTED + timedelta(minutes=66)) == []  # still waiting: no page

    store.put_record("response", "weibo:1", record(reply_at=POSTED + timedelta(minutes=70)))
    resolved = engine_on(store, watchlist, post).run(POSTED + timedelta(minutes=71))  # one minute, not two hours
    assert [note["event"] for note in resolved] == ["resolved"]
    assert render_reason(resolved[0]["reason_data"], "zh").startswith(
        "已解除：顺丰客服 已于 2026-12-05T11:10:00+08:00 回复（投诉发布后 70 分钟）。"
    )
    stored = incident(store)
    assert stored.status == "resolved" and stored.resolved_by == MACHINE
    assert stored.resolved_at == POSTED + timedelta(minutes=71)
    assert engine_on(store, watchlist, post).run(POSTED + timedelta(hours=5)) == []  # answered stays answered


def test_an_acknowledged_incident_is_resolved_by_the_reply_and_keeps_its_acknowledgement(
    store: SQLiteStore, watchlist: Watchlist
) -> None:
    store.put_record("response", "weibo:1", record())
    engine_on(store, watchlist).run(POSTED + timedelta(minutes=61))
    acked_at = POSTED + timedelta(minutes=65)
    assert acknowledge(store, incident(store).incident_id, acked_at, "客服组长") is not None

    store.put_record("response", "weibo:1", record(reply_at=POSTED + timedelta(minutes=80)))
    assert [note["event"] for note in engine_on(store, watchlist).run(POSTED + timedelta(minutes=81))] == ["resolved"]
    stored = incident(store)
    assert stored.status == "resolved" and stored.resolved_by == MACHINE
    assert stored.acknowledged_by == "客服组长" and stored.acknowledged_at == acked_at
    assert [entry["event"] for entry in stored.timeline] == ["opened", "acknowledged", "resolved"]


def test_a_person_who_resolved_it_during_the_cycle_is_not_overruled(store: SQLiteStore, watchlist: Watchlist) -> None:
    store.put_record("response", "weibo:1", record())
    engine_on(store, watchlist).run(POSTED + timedelta(minutes=61))
    store.put_record("response", "weibo:1", record(reply_at=POSTED + timedelta(minutes=80)))
    engine = engine_on(store, watchlist)  # has read the incident as open
    resolve_by_hand(store, incident(store).incident_id, POSTED + timedelta(minutes=80), "客服组长")
    assert engine.run(POSTED + timedelta(minutes=81)) == []  # compare-and-set: decided again on the fresh copy
    assert incident(store).resolved_by == "客服组长"


@pytest.mark.parametrize(("severity", "followers", "priority"), [(3, 310, "P2"), (2, 310, "P3"), (3, 2_000_000, "P1")])
def test_priority(store: SQLiteStore, watchlist: Watchlist, severity: int, followers: int, priority: str) -> None:
    store.put_record("response", "weibo:1", record(severity=severity))
    config = DetectionConfig(unanswered=UnansweredRules(min_severity=2))
    engine = engine_on(store, watchlist, complaint_post(followers=followers), config)
    (note,) = engine.run(POSTED + timedelta(minutes=61))
    assert note["priority"] == priority


def test_past_the_lookback_it_resolves_after_the_quiet_period_saying_no_reply_was_seen(
    store: SQLiteStore, watchlist: Watchlist
) -> None:
    store.put_record("response", "weibo:1", record())
    for hours in (47, 48):  # followed, and open, until 48 h after it was posted
        engine_on(store, watchlist).run(POSTED + timedelta(hours=hours))
    assert engine_on(store, watchlist).run(POSTED + timedelta(hours=49)) == []
    (note,) = engine_on(store, watchlist).run(POSTED + timedelta(hours=50))
    assert note["event"] == "resolved"
    assert render_reason(note["reason_data"], "zh").startswith("已解除：这条投诉已有 120 分钟不在跟踪范围内")
    assert incident_key("weibo:1") == incident(store).key
