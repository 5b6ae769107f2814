from __future__ import annotations

from datetime import timedelta

from pipeline.detect.tracking import TrackingPolicy, select_roots
from pipeline.models import Metrics
from tests.pipeline.detect.streams import DAY, make_post

NOW = DAY + timedelta(hours=12)


def test_roots_are_chosen_and_ranked() -> None:
    posts = [
        make_post("weibo:plain", DAY + timedelta(hours=11)),
        make_post("weibo:complaint", DAY + timedelta(hours=11), negative=True, category="safety", severity=2),
        make_post("weibo:bigneg", DAY + timedelta(hours=11), negative=True, followers=3_000_000),
        make_post("weibo:fast", DAY + timedelta(hours=11)).with_changes(metrics=Metrics(reposts=50)),
        make_post("weibo:old", DAY - timedelta(hours=13), negative=True),
        make_post("weibo:rp", DAY + timedelta(hours=11), negative=True, repost_of="weibo:complaint"),
    ]
    chosen = select_roots(posts, NOW)
    assert [root.root_id for root in chosen] == ["weibo:bigneg", "weibo:complaint", "weibo:fast"]
    assert "big account" in chosen[0].reason and chosen[2].reason == "repost velocity"
    assert len(select_roots(posts, NOW, TrackingPolicy(max_roots=1))) == 1
