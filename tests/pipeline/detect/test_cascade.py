from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

from pipeline.detect.base import epoch
from pipeline.detect.cascade import CascadeDetector, CascadeRules, cascade_key
from tests.pipeline.detect.streams import DAY, make_post

T0 = DAY + timedelta(hours=10)


def _feed(
    detector: CascadeDetector,
    *,
    negative: bool = True,
    reposts: int = 30,
    every: timedelta = timedelta(minutes=1),
    followers: int = 200,
) -> None:
    detector.update(make_post("weibo:root", T0, negative=negative, category="safety", severity=3, author="张三"))
    for k in range(reposts):
        detector.update(
            make_post(
                f"weibo:r{k}", T0 + every * (k + 1), negative=negative, repost_of="weibo:root", followers=followers
            )
        )


def _big_v_joins(detector: CascadeDetector, at: timedelta, followers: int = 3_000_000) -> None:
    detector.update(
        make_post(
            "weibo:bigv",
            T0 + at,
            negative=True,
            repost_of="weibo:root",
            followers=followers,
            verified=True,
            author="大V",
        )
    )
    for k in range(50):  # its followers react within minutes
        detector.update(
            make_post(
                f"weibo:after{k}",
                T0 + at + timedelta(seconds=12 * (k + 1)),
                negative=True,
                repost_of="weibo:root",
                followers=200,
            )
        )


def test_big_account_repost_of_a_complaint_fires_with_a_plain_reason() -> None:
    detector = CascadeDetector()
    _feed(detector, reposts=5, every=timedelta(minutes=6))
    _big_v_joins(detector, timedelta(minutes=40))
    result = detector.check(T0 + timedelta(minutes=52))
    assert [hit.key for hit in result.hits] == [cascade_key("weibo:root")]
    hit = result.hits[0]
    assert hit.big_account and hit.max_followers == 3_000_000
    english, chinese = hit.reason_text("en"), hit.reason_text("zh")
    assert "大V (3,000,000 followers)" in english and "大V（3,000,000 粉丝）" in chinese
    assert "weibo:root" in english and "reposts within 24 h" in english
    assert chinese.startswith("张三 发布的负面微博 weibo:root 在 52 分钟内被转发 56 次")
    assert "（大V参与时的门槛）" in chinese
    assert hit.evidence["big_accounts"] == ["大V (3,000,000 followers)"]
    assert hit.posts[0].post_id == "weibo:root"
    assert hit.posts[1].post_id == "weibo:bigv"  # the biggest reposter is quoted first
    assert cascade_key("weibo:root") in result.active


def test_a_slow_ordinary_cascade_stays_quiet() -> None:
    detector = CascadeDetector()
    _feed(detector, reposts=30, every=timedelta(minutes=10), followers=2000)
    now = T0 + timedelta(minutes=310)
    assert detector.check(now).hits == []
    estimate = detector.estimate("weibo:root", now)
    assert estimate is not None and estimate.predicted < CascadeDetector().rules.predicted_threshold


def test_a_positive_viral_post_never_fires() -> None:
    detector = CascadeDetector()
    _feed(detector, negative=False, reposts=300)
    assert detector.check(T0 + timedelta(minutes=40)).hits == []


def test_velocity_rule_fires_on_its_own() -> None:
    rules = CascadeRules(
        predicted_threshold=1e9, big_account_predicted_threshold=1e9, fire_on_supercritical=False, velocity_threshold=25
    )
    detector = CascadeDetector(rules)
    _feed(detector, reposts=30, followers=50_000)  # wide reach, modest take-up: SEISMIC alone is calm
    hits = detector.check(T0 + timedelta(minutes=31)).hits
    assert len(hits) == 1
    assert hits[0].evidence["fired_by"] == ["velocity"]
    assert "≥ 25 reposts within 60 min" in hits[0].reason_text("en")
    assert "触发原因：60 分钟内转发 ≥ 25 次。" in hits[0].reason_text("zh")


def test_too_few_reposts_are_not_evaluated() -> None:
    detector = CascadeDetector(CascadeRules(min_reposts=10, predicted_threshold=1.0))
    _feed(detector, reposts=9)
    assert detector.check(T0 + timedelta(minutes=20)).hits == []


def test_evaluation_is_throttled_and_repost_before_root_is_kept() -> None:
    detector = CascadeDetector(CascadeRules(predicted_threshold=1.0, evaluate_every_s=120))
    # The repost arrives before its root (crawl order): it is kept and the root fills in later.
    detector.update(make_post("weibo:r0", T0 + timedelta(minutes=1), negative=True, repost_of="weibo:root"))
    _feed(detector, reposts=12)
    now = T0 + timedelta(minutes=20)
    assert len(detector.check(now).hits) == 1
    assert detector.check(now + timedelta(seconds=60)).hits == []
    estimate = detector.estimate("weibo:root", now)
    assert estimate is not None and estimate.observed == 13


def test_a_burst_that_ended_hours_ago_does_not_page_on_the_kernel_tail() -> None:
    def burst(rules: CascadeRules) -> CascadeDetector:
        detector = CascadeDetector(rules)
        detector.observe_root("weibo:root", "蒙牛", epoch(T0), 3000, negative=True)
        for k in range(180):  # 180 reposts in the first hour, then silence
            detector.observe_repost("weibo:root", epoch(T0) + 20.0 * (k + 1), 3000)
        return detector

    now = T0 + timedelta(hours=3)
    assert burst(CascadeRules()).check(now).hits == []
    # With the paper's bound, what the hour-old posts still owe by the heavy-tailed kernel would page it.
    paper = CascadeRules()
    paper = replace(paper, seismic=replace(paper.seismic, lower_bound_max_age_s=math.inf))
    hits = burst(paper).check(now).hits
    assert [hit.evidence["fired_by"] for hit in hits] == [["size"]]


def test_reposts_from_search_pages_have_unknown_follower_counts() -> None:
    """Search pages show no follower counts: the detector keeps them unknown instead of reading 0."""
    detector = CascadeDetector()
    detector.update(make_post("weibo:root", T0, negative=True, category="safety", followers=None))
    for k in range(40):
        at = T0 + timedelta(seconds=20 * (k + 1))
        detector.update(make_post(f"weibo:r{k}", at, negative=True, repost_of="weibo:root", followers=None))
    now = T0 + timedelta(minutes=15)
    estimate = detector.estimate("weibo:root", now)
    assert estimate is not None and estimate.unknown_marks == 41  # the root and every reposter
    assert not estimate.supercritical
    assert math.isfinite(estimate.predicted)
    # read as 0 followers (what happened before unknown existed) the same cascade looked explosive
    zero = CascadeDetector()
    zero.update(make_post("weibo:root", T0, negative=True, category="safety", followers=0))
    for k in range(40):
        at = T0 + timedelta(seconds=20 * (k + 1))
        zero.update(make_post(f"weibo:r{k}", at, negative=True, repost_of="weibo:root", followers=0))
    as_zero = zero.estimate("weibo:root", now)
    assert as_zero is not None and as_zero.supercritical
    hits = detector.check(now).hits
    for hit in hits:
        assert hit.evidence["unknown_followers"] == 41 and hit.evidence["root_followers"] is None
