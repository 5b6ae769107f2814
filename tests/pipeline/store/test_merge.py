"""The merge rule for a re-seen post: newer fields win, metrics never shrink, enrichment is kept."""

from __future__ import annotations

from pipeline.models import Post
from pipeline.store.merge import fold_duplicates, merge_posts
from tests.helpers import make_post


def test_newer_fields_win_but_metrics_and_enrichment_are_kept() -> None:
    old = Post.from_dict(
        make_post(
            text="旧文本",
            metrics={"reposts": 80, "comments": 1, "likes": 5},
            sentiment={"label": "negative", "score": 0.9},
            region="上海",
        )
    )
    new = Post.from_dict(
        make_post(text="新文本", metrics={"reposts": 3, "comments": 9, "likes": 5}, author=None, topic="x")
    )
    merged = merge_posts(old, new)
    assert merged.text == "新文本"
    assert (merged.metrics.reposts, merged.metrics.comments) == (80, 9)
    assert merged.sentiment == old.sentiment and merged.author == old.author
    assert merged.extra == {"region": "上海", "topic": "x"}


def test_copies_in_one_batch_fold_newest_fields_over_highest_metrics() -> None:
    older = Post.from_dict(make_post(fetched_at="2026-11-22T10:05:00+08:00", text="旧", metrics={"reposts": 500}))
    newer = Post.from_dict(make_post(fetched_at="2026-11-22T11:05:00+08:00", text="新", metrics={"reposts": 2}))
    other = Post.from_dict(make_post(id="weibo:2"))
    folded = fold_duplicates([newer, other, older])
    assert list(folded) == [newer.id, "weibo:2"]
    assert (folded[newer.id].text, folded[newer.id].metrics.reposts) == ("新", 500)


def test_a_copy_that_does_not_show_the_follower_count_keeps_the_known_one() -> None:
    known = Post.from_dict(make_post(id="weibo:1", author={"id": "7", "name": "甲", "followers": 5200}))
    unknown = Post.from_dict(make_post(id="weibo:1", author={"id": "7", "name": "甲乙", "followers": None}))
    merged = merge_posts(known, unknown)
    assert merged.author is not None and (merged.author.name, merged.author.followers) == ("甲乙", 5200)
    assert merge_posts(unknown, unknown).author == unknown.author  # unknown stays unknown, not 0
