from __future__ import annotations

import math
from datetime import timedelta

from pipeline.cli.forecast_commands import forecast_json
from pipeline.detect.forecast import forecast_cascade, forecast_post
from pipeline.detect.forecast_words import forecast_lines
from pipeline.models import Post
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.detect.streams import DAY, make_post

T0 = DAY + timedelta(hours=9)


def _cascade(reposts: int, followers: int | None = None) -> list[Post]:
    root = make_post("weibo:root", T0, negative=True, category="safety", followers=50_000)
    at = [T0 + timedelta(minutes=k + 1) for k in range(reposts)]
    return [root] + [
        make_post(f"weibo:r{k}", at[k], negative=True, repost_of="weibo:root", followers=followers)
        for k in range(reposts)
    ]


def test_forecast_of_a_stored_post_and_of_its_reposts(store: SQLiteStore) -> None:
    store.upsert_posts(_cascade(40))
    now = T0 + timedelta(minutes=45)
    from_root = forecast_post(store, "weibo:root", now)
    from_repost = forecast_post(store, "weibo:r3", now)
    assert from_root is not None and from_root == from_repost  # a repost's forecast is its root's
    assert from_root.root_id == "weibo:root" and from_root.observed == 40
    assert from_root.unknown_followers == 40 and from_root.root_followers == 50_000
    assert from_root.enough and from_root.predicted is not None
    assert from_root.predicted_low is not None and from_root.predicted_high is not None
    assert 40 <= from_root.predicted_low <= from_root.predicted <= from_root.predicted_high
    assert from_root.branching_low <= from_root.branching <= from_root.branching_high
    assert forecast_post(store, "weibo:missing", now) is None


def test_forecast_stops_at_the_horizon_and_needs_enough_reposts() -> None:
    posts = _cascade(5, followers=300)
    early = forecast_cascade("weibo:root", posts[0], posts[1:], T0 + timedelta(days=3))
    assert early.minutes == 24 * 60 and early.observed == 5 and early.unknown_followers == 0
    assert not early.enough and early.predicted is None and not early.supercritical


def test_forecast_in_chinese_and_english() -> None:
    posts = _cascade(30)
    forecast = forecast_cascade("weibo:root", posts[0], posts[1:], T0 + timedelta(minutes=40))
    chinese = "\n".join(forecast_lines(forecast, "zh"))
    english = "\n".join(forecast_lines(forecast, "en"))
    assert "预测最终转发" in chinese and "分支系数" in chinese and "粉丝数未知" in chinese
    assert "2026-11-22 09:40" in chinese  # in Beijing time
    assert "Predicted final reposts" in english and "Branching factor" in english
    record = forecast_json(forecast)
    assert record["observed"] == 30 and record["as_of"].startswith("2026-11-22T09:40")
    assert math.isfinite(record["branching_low"])
