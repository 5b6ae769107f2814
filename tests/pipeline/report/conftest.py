"""A store with eight days of demo-like posts for one brand, and incidents, for briefing tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from pipeline.i18n import clause, render_reason
from pipeline.models import SHANGHAI, Complaint, Post, Sentiment
from pipeline.store.sqlite import SQLiteStore
from tests.conftest import make_post

DAY = date(2026, 11, 22)
SURGE_REASON = [
    clause(
        "surge.volume_category",
        count=6,
        brand="蒙牛",
        authors=6,
        minutes=15,
        expected=0.2,
        ratio=30.0,
        category="safety",
        test="poisson",
        p_value=2.1e-9,
    )
]
TEXTS = {
    "old": "蒙牛牛奶口感不错，物流也快",
    "complaint": "蒙牛纯牛奶喝出异物，孩子拉肚子，客服不理人",
    "leak": "蒙牛包装漏液，箱子全湿了，客服不理人",
}


def _post(number: int, when: datetime, kind: str, reposts: int = 0) -> Post:
    post = Post.from_dict(
        make_post(
            id=f"weibo:{number}",
            text=TEXTS[kind],
            created_at=when.isoformat(),
            brand="蒙牛",
            url=f"https://weibo.com/1/{number}",
            metrics={"reposts": reposts, "comments": 1, "likes": 2},
        )
    )
    if kind == "old":
        return post.with_changes(sentiment=Sentiment("positive", 0.1), complaint=Complaint(False, 0.1))
    severity, category = (3, "safety") if kind == "complaint" else (2, "quality")
    return post.with_changes(sentiment=Sentiment("negative", 0.95), complaint=Complaint(True, 0.9, severity, category))


def demo_posts() -> list[Post]:
    start = datetime(2026, 11, 15, 9, 0, tzinfo=SHANGHAI)
    posts = []
    number = 0
    for offset in range(7):  # a quiet week: two posts a day, one of them negative about leaks
        for kind in ("old", "leak"):
            number += 1
            posts.append(_post(number, start + timedelta(days=offset, hours=number % 5), kind))
    for hour in range(6):  # the day reported: a burst of complaints about 异物, one spreading widely
        number += 1
        posts.append(
            _post(number, datetime(2026, 11, 22, 8 + hour, 30, tzinfo=SHANGHAI), "complaint", reposts=10 * hour)
        )
    number += 1
    posts.append(_post(number, datetime(2026, 11, 22, 20, 0, tzinfo=SHANGHAI), "old"))
    return posts


@pytest.fixture
def demo_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "demo.db")
    store.upsert_posts(demo_posts())
    store.put_record(
        "incident",
        "inc-1",
        {
            "incident_id": "inc-1",
            "kind": "surge",
            "brand": "蒙牛",
            "root_id": None,
            "opened_at": "2026-11-22T11:05:00+08:00",
            "updated_at": "2026-11-22T12:00:00+08:00",
            "status": "open",
            "priority": "P2",
            "reason": render_reason(SURGE_REASON, "zh"),
            "reason_data": SURGE_REASON,
            "evidence": {},
            "predicted_reposts": None,
            "posts": ["weibo:15", "weibo:16"],
        },
    )
    store.put_record(
        "incident",
        "inc-0",
        {
            "incident_id": "inc-0",
            "brand": "蒙牛",
            "status": "resolved",
            "priority": "P4",
            "opened_at": "2026-11-10T09:00:00+08:00",
            "updated_at": "2026-11-11T09:00:00+08:00",
        },
    )
    store.put_record("incident", "inc-x", {"incident_id": "inc-x", "brand": "小米", "status": "open"})
    yield store
    store.close()
