"""Shared test helpers of `tests.pipeline.report`: plain names that tests import (the fixtures stay in
conftest.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pipeline.i18n import clause
from pipeline.models import SHANGHAI, Complaint, Post, Sentiment
from tests.helpers import make_post

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
