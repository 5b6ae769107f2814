from __future__ import annotations

import math
import random
from datetime import timedelta

from pipeline.detect.base import epoch
from pipeline.detect.surge import SurgeDetector, SurgeRules, surge_key
from tests.pipeline.detect.streams import DAY, make_post

START = DAY - timedelta(days=3)


def _background(detector: SurgeDetector, days: float, per_hour: float, seed: int = 0, share: float = 1.0) -> None:
    """Poisson stream of original posts (a `share` of them negative) from distinct authors."""
    rng = random.Random(seed)
    t = epoch(START)
    end = t + days * 86400
    n = 0
    while True:
        t += rng.expovariate(per_hour / 3600)
        if t >= end:
            return
        n += 1
        detector.observe("蒙牛", t, negative=rng.random() < share, author=f"bg{n}", category="delivery")


def _burst(
    detector: SurgeDetector,
    at_hours: float,
    count: int,
    minutes: float,
    *,
    authors: int | None = None,
    category: str = "quality",
) -> None:
    t0 = epoch(START) + at_hours * 3600
    for k in range(count):
        detector.observe(
            "蒙牛", t0 + k * minutes * 60 / count, negative=True, author=f"c{k % (authors or count)}", category=category
        )


def _hits_between(detector: SurgeDetector, hours: tuple[float, float]) -> list[str]:
    keys = []
    moment = START + timedelta(hours=hours[0])
    while moment <= START + timedelta(hours=hours[1]):
        keys += [hit.key for hit in detector.check(moment).hits]
        moment += timedelta(minutes=1)
    return keys


def test_no_history_means_no_alert_even_on_a_burst() -> None:
    detector = SurgeDetector()
    _burst(detector, 10, 40, 15)
    assert _hits_between(detector, (10, 11)) == []


def test_a_burst_of_independent_complaints_fires_per_brand_and_category() -> None:
    detector = SurgeDetector()
    _background(detector, 3.5, per_hour=6)
    _burst(detector, 80, 25, 15)
    hits = [hit for moment in range(0, 30) for hit in detector.check(START + timedelta(hours=80, minutes=moment)).hits]
    keys = {hit.key for hit in hits}
    assert keys == {surge_key("蒙牛", None), surge_key("蒙牛", "quality")}
    first = hits[0]
    assert first.evidence["count"] >= SurgeRules().min_count
    assert first.evidence["p_value"] < SurgeRules().alpha
    english, chinese = first.reason_text("en"), first.reason_text("zh")
    assert "different authors" in english and "expected at this time of day" in english
    assert "位不同作者发布了" in chinese and "此时段通常约" in chinese


def test_ordinary_background_does_not_fire() -> None:
    detector = SurgeDetector()
    _background(detector, 3.5, per_hour=6, seed=3)
    assert _hits_between(detector, (50, 84)) == []


def test_zero_to_one_is_never_a_spike() -> None:
    detector = SurgeDetector()
    _background(detector, 3.5, per_hour=0.0001)  # a brand nobody complains about
    detector.observe("蒙牛", epoch(START) + 80 * 3600, negative=True, author="lonely", category="price")
    assert _hits_between(detector, (80, 80.5)) == []


def test_one_account_posting_many_times_is_not_a_surge() -> None:
    detector = SurgeDetector()
    _background(detector, 3.5, per_hour=6)
    _burst(detector, 80, 25, 15, authors=2)
    assert _hits_between(detector, (80, 80.5)) == []


def test_over_dispersed_history_switches_to_the_negative_binomial() -> None:
    detector = SurgeDetector()
    rng = random.Random(5)
    for hour in range(192):  # clumpy history: every hour, three posts within a minute, then silence
        _burst(detector, hour + rng.uniform(0.1, 0.9), 3, 1, category="service")
    for hour in range(48, 190):
        detector.check(START + timedelta(hours=hour))
    hits = []
    _burst(detector, 190.2, 30, 10, category="service")
    for minute in range(15):
        hits += detector.check(START + timedelta(hours=190.2, minutes=minute)).hits
    assert hits, "a strong burst still fires"
    assert {hit.evidence["test"] for hit in hits} == {"negative binomial"}
    assert all(hit.evidence["dispersion"] > SurgeRules().overdispersion_switch for hit in hits)


def test_negative_share_flip_fires_without_a_volume_test() -> None:
    rules = SurgeRules(min_count=10_000)  # volume tests off: only the share test can fire
    detector = SurgeDetector(rules)
    _background(detector, 3.5, per_hour=60, share=0.05)
    t0 = epoch(START) + 80 * 3600
    for k in range(60):  # same volume as usual, but 40 % negative
        detector.observe("蒙牛", t0 + k * 60, negative=k % 5 < 2, author=f"flip{k}")
    hits = detector.check(START + timedelta(hours=81)).hits
    assert len(hits) == 1
    assert hits[0].evidence["test"] == "negative share"
    assert "are negative" in hits[0].reason_text("en")
    assert "原创微博中有" in hits[0].reason_text("zh") and "二项检验" in hits[0].reason_text("zh")


def test_update_uses_originals_only() -> None:
    detector = SurgeDetector(history_start=START)
    repost = make_post("weibo:x", DAY, negative=True, repost_of="weibo:root", category="quality")
    original = make_post("weibo:y", DAY, negative=True, category="quality")
    detector.update(repost)
    detector.update(original)
    assert detector._series[("蒙牛", "*")].counts == {int(epoch(DAY) // 300): 1}


def _diurnal_background(detector: SurgeDetector, days: float, per_hour: float, seed: int = 0) -> None:
    """Poisson complaints whose rate follows the day: about a tenth of the daily mean at 4 a.m."""
    rng = random.Random(seed)
    start = epoch(START)  # midnight, Asia/Shanghai
    t, n = start, 0
    while (t := t + rng.expovariate(2 * per_hour / 3600)) < start + days * 86400:
        hour = (t - start) / 3600 % 24
        profile = 1 - 0.9 * math.cos(2 * math.pi * (hour - 4) / 24)  # 0.1 at 04:00, 1.9 at 16:00, mean 1
        if rng.random() < profile / 2:
            n += 1
            detector.observe("蒙牛", t, negative=True, author=f"bg{n}", category="delivery")


def _steady(detector: SurgeDetector, at_hours: float, hours: float, per_hour: float, seed: int = 1) -> None:
    """Extra complaints from distinct authors at a constant rate (no ramp) from `at_hours` on."""
    rng = random.Random(seed)
    t = epoch(START) + at_hours * 3600
    end, n = t + hours * 3600, 0
    while (t := t + rng.expovariate(per_hour / 3600)) < end:
        n += 1
        detector.observe("蒙牛", t, negative=True, author=f"s{at_hours}-{n}", category="quality")


def _first_hit_minutes(detector: SurgeDetector, at_hours: float, within_minutes: int) -> int | None:
    """Minutes from `at_hours` to the first brand-wide hit, checking every minute as the monitor does."""
    for minute in range(within_minutes + 1):
        hits = detector.check(START + timedelta(hours=at_hours, minutes=minute)).hits
        if any(hit.key == surge_key("蒙牛", None) for hit in hits):
            return minute
    return None


def test_a_steady_fourfold_rise_is_paged_within_20_minutes() -> None:
    detector = SurgeDetector()
    _background(detector, 4, per_hour=12, seed=2)
    _steady(detector, 80, 2, per_hour=36)  # 12/h → 48/h
    minutes = _first_hit_minutes(detector, 80, 60)
    assert minutes is not None and minutes <= 20


def test_a_night_time_surge_is_paged() -> None:
    detector = SurgeDetector()
    _diurnal_background(detector, 4, per_hour=12, seed=6)
    _steady(detector, 74, 1.5, per_hour=30)  # 02:00 on the fourth day, when about 2 an hour is usual
    minutes = _first_hit_minutes(detector, 74, 60)
    assert minutes is not None and minutes <= 30
