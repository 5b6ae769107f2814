"""A2: surge detector — original negative posts and distinct negative authors vs a seasonal baseline.

Series per brand and per brand × complaint category, in 5-minute buckets; reposts are excluded (they belong
to A1 and make a series self-exciting). Baseline of a bucket: the median over the previous 7 days of the
count in the same slot ±2 slots (per bucket; the mean when the median is 0, for sparse series), times a slow
EWMA level factor. Test: the
rolling 15-min sum `x` against `μ`; Poisson tail, switching to a negative binomial with `Var = φ·μ` when the
robust dispersion `φ` of past buckets exceeds `overdispersion_switch`. `x ≥ min_count` is required, so 0 → 1
is never a spike, and nothing fires before `min_history_days` of history exist. A negative-share test
(binomial tail of negatives among all original mentions over an hour) catches a sentiment flip.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scipy.stats import binom, nbinom, poisson

from pipeline.detect.base import CheckResult, EvidencePost, Hit, epoch
from pipeline.i18n import clause
from pipeline.models import Post

BUCKET_S = 300
BUCKETS_PER_DAY = 288
ALL_CATEGORIES = "*"


CATCH_UP_DAYS = 30  # longest span of closed buckets folded into the level averages at once
# The catalogue's term for each test named in the evidence (`pipeline.i18n`, namespace "test").
_TEST_TERMS = {"Poisson": "poisson", "negative binomial": "negative_binomial"}


@dataclass(frozen=True, slots=True)
class SurgeRules:
    """Thresholds of the A2 detector; defaults tuned in `benchmarks/detection.py`."""

    window_buckets: int = 3  # 15-min test window
    history_days: int = 7
    slot_spread: int = 2  # same slot ±2 neighbouring slots
    min_history_days: float = 2.0  # stay silent until this much history exists
    alpha: float = 1e-8  # tail probability that pages (1e-5 paged 3 surges falsely in 144 simulated days)
    min_count: int = 5  # minimum originals in the window
    min_authors: int = 4  # minimum distinct authors in the window
    baseline_floor: float = 0.02  # per bucket, so an empty history does not make any post a spike
    level_halflife_buckets: float = 288.0  # EWMA level factor: about one day of memory
    level_clip: tuple[float, float] = (0.5, 2.0)
    overdispersion_switch: float = 1.5
    dispersion_halflife_buckets: float = 864.0  # three days
    quiet_sigmas: float = 2.0  # still active while x > μ + 2σ (resolve hysteresis)
    share_window_buckets: int = 12
    share_alpha: float = 1e-6
    share_min_negative: int = 8
    share_min_ratio: float = 2.0  # negative share at least this multiple of its baseline
    top_posts: int = 5


@dataclass
class _Series:
    counts: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    authors: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    posts: dict[int, list[EvidencePost]] = field(default_factory=lambda: defaultdict(list))
    baselines: dict[int, float] = field(default_factory=dict)
    level_bucket: int | None = None  # last bucket folded into the level/dispersion averages
    ewma_count: float = 0.0
    ewma_base: float = 0.0
    ewma_dispersion: float = 1.0
    flagged: set[int] = field(default_factory=set)  # buckets inside a firing window: not "normal" history


@dataclass
class _Brand:
    all_counts: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    negative_counts: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    history_hour: int | None = None
    past_negative: int = 0
    past_total: int = 0


class SurgeDetector:
    """Seasonal, over-dispersion-aware volume test on originals, per brand and per brand × category."""

    def __init__(self, rules: SurgeRules | None = None, history_start: datetime | None = None) -> None:
        self.rules = rules or SurgeRules()
        self._series: dict[tuple[str, str], _Series] = {}
        self._brands: dict[str, _Brand] = {}
        self._history_start = epoch(history_start) if history_start else math.inf
        self._forgotten_hour = -1

    def update(self, post: Post) -> None:
        """Feed one post; reposts and posts without a brand are ignored."""
        if post.repost_of is not None or post.brand is None:
            return
        complaint = post.complaint
        category = complaint.category if complaint and complaint.is_complaint else None
        self.observe(
            post.brand,
            epoch(post.created_at),
            negative=post.is_negative or bool(complaint and complaint.is_complaint),
            author=post.author.id if post.author and post.author.id else post.id,
            category=category,
            evidence=EvidencePost(
                post.id,
                post.url,
                post.author.follower_count if post.author else 0,  # unknown ranks last in the evidence
                complaint.severity if complaint else 0,
                post.author.name if post.author else "",
            ),
        )

    def observe(
        self,
        brand: str,
        t: float,
        *,
        negative: bool,
        author: str,
        category: str | None = None,
        evidence: EvidencePost | None = None,
    ) -> None:
        self._history_start = min(self._history_start, t)
        bucket = int(t // BUCKET_S)
        state = self._brands.setdefault(brand, _Brand())
        state.all_counts[bucket] += 1
        if not negative:
            return
        state.negative_counts[bucket] += 1
        keys = [ALL_CATEGORIES] + ([category] if category and category != "none" else [])
        for key in keys:
            series = self._series.setdefault((brand, key), _Series())
            series.counts[bucket] += 1
            series.authors[bucket].add(author)
            if evidence is not None and len(series.posts[bucket]) < 50:
                series.posts[bucket].append(evidence)

    def check(self, now: datetime) -> CheckResult:
        t_now = epoch(now)
        hits: list[Hit] = []
        active: set[str] = set()
        if t_now - self._history_start < self.rules.min_history_days * 86400:
            return CheckResult(hits, active)
        current = int(t_now // BUCKET_S)
        fraction = (t_now - current * BUCKET_S) / BUCKET_S
        for (brand, category), series in self._series.items():
            self._advance_level(series, current)
            hit, is_active = self._test(brand, category, series, current, fraction, now)
            if hit is not None:
                hits.append(hit)
            if is_active:
                active.add(surge_key(brand, category))
        for brand, state in self._brands.items():
            hit = self._share_test(brand, state, current, now)
            if hit is not None:
                hits.append(hit)
        self._forget(current)
        return CheckResult(hits, active)

    def _baseline(self, series: _Series, bucket: int) -> float:
        cached = series.baselines.get(bucket)
        if cached is not None:
            return cached
        rules = self.rules
        first = int(self._history_start // BUCKET_S)
        # One value per past day: the sum over the slot ±2. The median over days shrugs off a past surge,
        # and summing first keeps it from snapping to whole numbers the way a median of small counts does.
        daily: list[int] = []
        for day in range(1, rules.history_days + 1):
            centre = bucket - day * BUCKETS_PER_DAY
            if centre - rules.slot_spread < first:
                break
            daily.append(
                sum(series.counts.get(centre + j, 0) for j in range(-rules.slot_spread, rules.slot_spread + 1))
            )
        if not daily:
            base = rules.baseline_floor
        else:
            median = statistics.median(daily)
            per_day = median if median > 0 else statistics.fmean(daily)
            base = max(per_day / (2 * rules.slot_spread + 1), rules.baseline_floor)
        series.baselines[bucket] = base
        return base

    def _advance_level(self, series: _Series, current: int) -> None:
        """Fold every closed bucket since the last call into the level factor and the dispersion estimate."""
        weight = 1.0 - 0.5 ** (1.0 / self.rules.level_halflife_buckets)
        dispersion_weight = 1.0 - 0.5 ** (1.0 / self.rules.dispersion_halflife_buckets)
        start = series.level_bucket + 1 if series.level_bucket is not None else current - BUCKETS_PER_DAY
        start = max(start, int(self._history_start // BUCKET_S) + BUCKETS_PER_DAY)
        # After a long gap (a replay of posts months apart) only the last weeks matter: the averages have
        # forgotten what came before (0.5^10 of it at the slowest half-life), and folding every bucket of
        # the gap would take hours.
        start = max(start, current - CATCH_UP_DAYS * BUCKETS_PER_DAY)
        for bucket in range(start, current):
            if bucket in series.flagged:
                # Out-of-control buckets are left out of the in-control estimates (as in SPC phase I):
                # a past surge must neither lift the level nor make the series look over-dispersed.
                continue
            base = self._baseline(series, bucket)
            count = series.counts.get(bucket, 0)
            series.ewma_count += weight * (count - series.ewma_count)
            series.ewma_base += weight * (base - series.ewma_base)
            # Squared Pearson residual, winsorised at 5σ so that a few stray clumps do not dominate.
            expected = base * self._level(series)
            residual = min((count - expected) ** 2 / expected, 25.0)
            series.ewma_dispersion += dispersion_weight * (residual - series.ewma_dispersion)
        series.level_bucket = max(current - 1, series.level_bucket or current - 1)

    def _level(self, series: _Series) -> float:
        if series.ewma_base <= 0:
            return 1.0
        low, high = self.rules.level_clip
        return min(max(series.ewma_count / series.ewma_base, low), high)

    def _tail(self, x: int, mu: float, dispersion: float) -> tuple[float, float, str]:
        """P(X ≥ x), the standard deviation used, and the name of the test."""
        if dispersion > self.rules.overdispersion_switch:
            # Negative binomial with mean μ and variance φ·μ.
            size = mu / (dispersion - 1.0)
            return (
                float(nbinom.sf(x - 1, size, 1.0 / dispersion)),
                math.sqrt(dispersion * mu),
                "negative binomial",
            )
        return float(poisson.sf(x - 1, mu)), math.sqrt(mu), "Poisson"

    def _test(
        self, brand: str, category: str, series: _Series, current: int, fraction: float, now: datetime
    ) -> tuple[Hit | None, bool]:
        rules = self.rules
        buckets = range(current - rules.window_buckets + 1, current + 1)
        level = self._level(series)
        mu = sum(self._baseline(series, b) * (fraction if b == current else 1.0) for b in buckets) * level
        mu = max(mu, rules.baseline_floor)
        x = sum(series.counts.get(b, 0) for b in buckets)
        authors: set[str] = set().union(*(series.authors.get(b, set()) for b in buckets))
        dispersion = max(series.ewma_dispersion, 1.0)
        sigma = math.sqrt(mu * (dispersion if dispersion > rules.overdispersion_switch else 1.0))
        is_active = x >= 2 and x > mu + rules.quiet_sigmas * sigma
        if x < rules.min_count or len(authors) < rules.min_authors:
            return None, is_active
        p_value, sigma, test = self._tail(x, mu, dispersion)
        if p_value >= rules.alpha:
            return None, is_active
        # Distinct authors against the same baseline: one account posting twenty times is not a surge.
        author_p, _, _ = self._tail(len(authors), mu, dispersion)
        if author_p >= rules.alpha:
            return None, is_active
        series.flagged.update(buckets)
        posts = sorted(
            (post for b in buckets for post in series.posts.get(b, [])),
            key=lambda post: (post.severity, post.followers),
            reverse=True,
        )[: rules.top_posts]
        figures = dict(
            count=x,
            brand=brand,
            authors=len(authors),
            minutes=rules.window_buckets * 5,
            expected=mu,
            ratio=x / mu,
            test=_TEST_TERMS[test],
            p_value=p_value,
        )
        if category == ALL_CATEGORIES:
            reason = [clause("surge.volume", **figures)]
        else:
            reason = [clause("surge.volume_category", category=category, **figures)]
        evidence: dict[str, Any] = {
            "window_minutes": rules.window_buckets * 5,
            "count": x,
            "distinct_authors": len(authors),
            "expected": round(mu, 3),
            "level_factor": round(level, 3),
            "dispersion": round(dispersion, 3),
            "test": test,
            "p_value": p_value,
            "author_p_value": author_p,
            "z": round((x - mu) / sigma, 2),
        }
        hit = Hit(
            kind="surge",
            key=surge_key(brand, category),
            brand=brand,
            at=now,
            reason=reason,
            size=float(x),
            evidence=evidence,
            category=None if category == ALL_CATEGORIES else category,
            severity=max((post.severity for post in posts), default=0),
            max_followers=max((post.followers for post in posts), default=0),
            posts=tuple(posts),
        )
        return hit, True

    def _share_test(self, brand: str, state: _Brand, current: int, now: datetime) -> Hit | None:
        rules = self.rules
        window = range(current - rules.share_window_buckets + 1, current + 1)
        negatives = sum(state.negative_counts.get(b, 0) for b in window)
        total = sum(state.all_counts.get(b, 0) for b in window)
        if negatives < rules.share_min_negative or total == 0:
            return None
        # The 7-day totals move slowly: recomputed once an hour, not on every tick.
        hour = current // 12
        if state.history_hour != hour:
            history = range(current - rules.history_days * BUCKETS_PER_DAY, window.start)
            state.past_negative = sum(state.negative_counts.get(b, 0) for b in history)
            state.past_total = sum(state.all_counts.get(b, 0) for b in history)
            state.history_hour = hour
        past_negative, past_total = state.past_negative, state.past_total
        if past_total == 0:
            return None
        baseline = max(past_negative / past_total, 1.0 / past_total)
        share = negatives / total
        if share < rules.share_min_ratio * baseline:
            return None
        p_value = float(binom.sf(negatives - 1, total, baseline))
        if p_value >= rules.share_alpha:
            return None
        reason = [
            clause(
                "surge.share",
                negatives=negatives,
                total=total,
                brand=brand,
                share=share,
                minutes=rules.share_window_buckets * 5,
                baseline=baseline,
                p_value=p_value,
            )
        ]
        return Hit(
            kind="surge",
            key=surge_key(brand, ALL_CATEGORIES),
            brand=brand,
            at=now,
            reason=reason,
            size=float(negatives),
            evidence={
                "test": "negative share",
                "negative": negatives,
                "total": total,
                "share": round(share, 4),
                "baseline_share": round(baseline, 4),
                "p_value": p_value,
            },
        )

    def _forget(self, current: int) -> None:
        """Drop buckets older than the baseline needs, so a long backtest runs in flat memory."""
        if current // 12 == self._forgotten_hour:
            return
        self._forgotten_hour = current // 12
        oldest = current - (self.rules.history_days + 1) * BUCKETS_PER_DAY - self.rules.slot_spread
        # Authors and evidence posts are read only inside the test window: keeping them for the baseline's
        # days would only make the state that is carried from cycle to cycle bigger.
        recent = current - max(self.rules.window_buckets, self.rules.share_window_buckets) - 12
        for series in self._series.values():
            for table, cutoff in (
                (series.counts, oldest),
                (series.authors, recent),
                (series.posts, recent),
                (series.baselines, oldest),
            ):
                for bucket in [b for b in table if b < cutoff]:
                    del table[bucket]
            series.flagged = {b for b in series.flagged if b >= oldest}
        for state in self._brands.values():
            for counts in (state.all_counts, state.negative_counts):
                for bucket in [b for b in counts if b < oldest]:
                    del counts[bucket]


def surge_key(brand: str, category: str | None) -> str:
    """The incident key of a brand's (or brand × category's) surge."""
    return f"surge:{brand}:{category or ALL_CATEGORIES}"
