"""A1: per-root cascade detector — SEISMIC predicted size, beside a per-root repost-velocity rule.

Streaming shape: `observe_root`/`observe_repost` (or `update(post)`) as posts arrive, `check(now)` on
every tick. A cascade is evaluated from its `min_reposts`-th repost, every `evaluate_every_s`, until
`horizon_s` after the root. It fires when the predicted 24-h size reaches `predicted_threshold`, when the
lower confidence bound of its branching factor is ≥ 1 (confidently supercritical), or when it collects
`velocity_threshold` reposts within `velocity_window_s` (ElastAlert `frequency` with `query_key` = root).
Only negative or complaint roots fire: a viral advert is not an incident.
"""

from __future__ import annotations

import bisect
import heapq
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np

from pipeline.detect.base import CheckResult, EvidencePost, Hit, epoch
from pipeline.detect.seismic import FloatArray, SeismicEstimate, SeismicParams, estimate
from pipeline.i18n import Reason, clause
from pipeline.models import Post


@dataclass(frozen=True, slots=True)
class CascadeRules:
    """Thresholds of the A1 detector; defaults tuned in `benchmarks/detection.py`."""

    seismic: SeismicParams = field(default_factory=SeismicParams)
    min_reposts: int = 10  # SEISMIC is too noisy below this
    # N_crisis: the confident (lower-bound) predicted size that pages. The bound leaves out what posts older
    # than an hour still owe (`SeismicParams.lower_bound_max_age_s`), so the bar sits below the 300 that the
    # paper's bound needed for the same organic size at alert (tuned on the main scenario only).
    predicted_threshold: float = 230.0
    # A big account (≥ big_account_followers) in the cascade exposes it to millions at once; a lower bar
    # then applies, because such a cascade is an escalation on its own (spread-detection.md A3).
    big_account_predicted_threshold: float = 100.0
    # Compare the *lower* confidence bound of the predicted size with the bar: a cascade caught at its 10th
    # repost has a wide interval, and paging on the point estimate then pages on noise.
    size_on_lower_bound: bool = True
    fire_on_supercritical: bool = True
    velocity_window_s: float = 3600.0
    velocity_threshold: int = 100  # reposts of one root within the window
    evaluate_every_s: float = 120.0
    horizon_s: float = 24 * 3600.0  # stop evaluating a cascade this long after its root
    forget_after_s: float = 48 * 3600.0
    quiet_reposts_per_hour: int = 10  # below this the cascade counts as calm (resolve hysteresis)
    big_account_followers: int = 1_000_000
    top_posts: int = 5


@dataclass
class _Cascade:
    root_id: str
    brand: str
    t0: float
    root_followers: float
    root_url: str = ""
    root_author: str = ""
    negative: bool = False
    severity: int = 0
    category: str | None = None
    root_known: bool = False
    times: list[float] = field(default_factory=list)
    followers: list[float] = field(default_factory=list)
    top: list[tuple[int, str, str, str]] = field(default_factory=list)  # min-heap (followers, id, url, name)
    big_accounts: list[tuple[str, int]] = field(default_factory=list)  # (name or post id, followers)
    max_followers: int = 0
    last_evaluated: float = -math.inf
    last_estimate: SeismicEstimate | None = None
    # numpy copies of times/followers, extended in place while reposts arrive in time order
    cached_times: FloatArray | None = None
    cached_followers: FloatArray | None = None
    out_of_order: bool = False

    def __reduce__(self) -> tuple[type[_Cascade], tuple[Any, ...]]:
        # Carried from cycle to cycle (`pipeline.detect.state`): positional values pickle several times faster
        # than a dataclass's state dict, and the numpy copies are rebuilt on first use.
        return _Cascade, tuple(getattr(self, name) for name in _CARRIED)


_CARRIED = [name for name in _Cascade.__dataclass_fields__ if not name.startswith("cached_") and name != "out_of_order"]


class _Root(NamedTuple):
    """What is known of a root post before anyone reposts it."""

    brand: str
    t0: float
    followers: float
    url: str
    author: str
    negative: bool
    severity: int
    category: str | None


def _take_root(cascade: _Cascade, root: _Root) -> None:
    cascade.t0, cascade.root_followers, cascade.brand = root.t0, root.followers, root.brand
    cascade.root_url, cascade.root_author, cascade.root_known = root.url, root.author, True
    cascade.negative, cascade.severity = root.negative, root.severity
    cascade.category = root.category if root.category not in (None, "none") else None
    cascade.max_followers = max(cascade.max_followers, _count(root.followers))


class CascadeDetector:
    """Tracks cascades by root post id and decides which ones are spreading."""

    def __init__(self, rules: CascadeRules | None = None) -> None:
        self.rules = rules or CascadeRules()
        self._cascades: dict[str, _Cascade] = {}
        # Roots nobody has reposted yet, as plain tuples: most posts are never reposted, and the detector is
        # carried from cycle to cycle (`pipeline.detect.state`), where tens of thousands of objects cost. Roots
        # that are neither negative nor complaints can never fire: only their time is kept, so that their
        # reposts are known to be theirs (and not taken for the reposts of an unseen, perhaps negative, root).
        self._roots: dict[str, _Root] = {}
        self._calm_roots: dict[str, float] = {}
        self._busy: set[str] = set()  # cascades with enough reposts to be evaluated or to count as active
        self._last_forget = -math.inf

    def __len__(self) -> int:
        return len(self._cascades) + len(self._roots) + len(self._calm_roots)

    def update(self, post: Post) -> None:
        """Feed one post: a root starts (or completes) its cascade, a repost joins its root's."""
        # An unknown follower count (a search page shows none) travels as NaN: the predictor puts its prior in.
        followers = _followers(post)
        verified = bool(post.author and post.author.verified)
        name = post.author.name if post.author else ""
        severity = post.complaint.severity if post.complaint else 0
        complaint = bool(post.complaint and post.complaint.is_complaint)
        if post.repost_of is None:
            if post.brand is None:
                return
            self.observe_root(
                post.id,
                post.brand,
                epoch(post.created_at),
                followers,
                url=post.url,
                author=name,
                negative=post.is_negative or complaint,
                severity=severity,
                category=post.complaint.category if post.complaint else None,
            )
        else:
            self.observe_repost(
                post.repost_of,
                epoch(post.created_at),
                followers,
                post_id=post.id,
                url=post.url,
                author=name,
                verified=verified,
                brand=post.brand,
                negative=post.is_negative or complaint,
            )

    def observe_root(
        self,
        root_id: str,
        brand: str,
        t0: float,
        followers: float,
        *,
        url: str = "",
        author: str = "",
        negative: bool = True,
        severity: int = 0,
        category: str | None = None,
    ) -> None:
        root = _Root(brand, t0, followers, url, author, negative, severity, category)
        cascade = self._cascades.get(root_id)
        if cascade is None:
            if negative:
                self._roots[root_id] = root
            else:
                self._calm_roots[root_id] = t0
            return
        _take_root(cascade, root)  # a root seen after some of its reposts replaces their placeholder

    def observe_repost(
        self,
        root_id: str,
        t: float,
        followers: float,
        *,
        post_id: str = "",
        url: str = "",
        author: str = "",
        verified: bool = False,
        brand: str | None = None,
        negative: bool = False,
    ) -> None:
        cascade = self._cascades.get(root_id)
        if cascade is None:
            if root_id in self._calm_roots:
                return  # only negative or complaint roots can fire: the reposts of others need no keeping
            root = self._roots.pop(root_id, None)
            if root is not None:
                cascade = _Cascade(root_id, root.brand, root.t0, root.followers)
                _take_root(cascade, root)
            elif brand is None:
                return  # a repost of an unknown root with no brand cannot be attributed
            else:
                # Root not seen (yet): reposts inherit the root's label, so a negative repost marks it negative.
                cascade = _Cascade(root_id, brand, t, math.nan, negative=negative)  # root unseen: count unknown
            self._cascades[root_id] = cascade
        self._add_repost(cascade, root_id, t, followers, post_id, url, author, negative)

    def _add_repost(
        self,
        cascade: _Cascade,
        root_id: str,
        t: float,
        followers: float,
        post_id: str,
        url: str,
        author: str,
        negative: bool,
    ) -> None:
        index = bisect.bisect_right(cascade.times, t)
        cascade.out_of_order = cascade.out_of_order or index < len(cascade.times)
        cascade.times.insert(index, t)
        cascade.followers.insert(index, followers)
        if len(cascade.times) >= min(self.rules.min_reposts, self.rules.quiet_reposts_per_hour):
            self._busy.add(root_id)
        if not cascade.root_known and negative:
            cascade.negative = True
        cascade.max_followers = max(cascade.max_followers, _count(followers))
        if post_id:
            entry = (_count(followers), post_id, url, author)
            if len(cascade.top) < self.rules.top_posts:
                heapq.heappush(cascade.top, entry)
            elif entry > cascade.top[0]:
                heapq.heapreplace(cascade.top, entry)
        if followers >= self.rules.big_account_followers and len(cascade.big_accounts) < 5:
            cascade.big_accounts.append((author or post_id, int(followers)))

    def check(self, now: datetime) -> CheckResult:
        """Evaluate the cascades that are due; returns hits and the keys of cascades still spreading."""
        t_now = epoch(now)
        rules = self.rules
        hits: list[Hit] = []
        active: set[str] = set()
        self._forget(t_now)
        # Only cascades with enough reposts to matter are looked at: thousands of one-repost posts stay cheap.
        for root_id in list(self._busy):
            cascade = self._cascades[root_id]
            age = t_now - cascade.t0
            last_hour = len(cascade.times) - bisect.bisect_right(cascade.times, t_now - 3600.0)
            if last_hour >= rules.quiet_reposts_per_hour:
                active.add(_key(root_id))
            observed = bisect.bisect_right(cascade.times, t_now)
            if (
                not cascade.negative
                or age > rules.horizon_s
                or observed < rules.min_reposts
                or t_now - cascade.last_evaluated < rules.evaluate_every_s
            ):
                continue
            cascade.last_evaluated = t_now
            hit = self._evaluate(cascade, t_now, now)
            if hit is not None:
                hits.append(hit)
        return CheckResult(hits, active)

    def _forget(self, t_now: float) -> None:
        """Drop cascades older than `forget_after_s`, at most once per simulated hour."""
        if t_now - self._last_forget < 3600.0:
            return
        self._last_forget = t_now
        for root_id in [key for key, c in self._cascades.items() if t_now - c.t0 > self.rules.forget_after_s]:
            del self._cascades[root_id]
            self._busy.discard(root_id)
        horizon = t_now - self.rules.forget_after_s
        self._roots = {key: root for key, root in self._roots.items() if root.t0 >= horizon}
        self._calm_roots = {key: t0 for key, t0 in self._calm_roots.items() if t0 >= horizon}

    def estimate(self, root_id: str, now: datetime) -> SeismicEstimate | None:
        """The SEISMIC estimate of one tracked cascade at `now` (None when the root is not tracked)."""
        cascade = self._cascades.get(root_id)
        if cascade is None:
            return None
        return self._seismic(cascade, epoch(now))

    def _seismic(self, cascade: _Cascade, t_now: float) -> SeismicEstimate:
        times, followers = _arrays(cascade)
        return estimate(times - cascade.t0, followers, cascade.root_followers, t_now - cascade.t0, self.rules.seismic)

    def _evaluate(self, cascade: _Cascade, t_now: float, now: datetime) -> Hit | None:
        rules = self.rules
        result = self._seismic(cascade, t_now)
        cascade.last_estimate = result
        window_start = t_now - rules.velocity_window_s
        in_window = bisect.bisect_right(cascade.times, t_now) - bisect.bisect_right(cascade.times, window_start)
        big = bool(cascade.big_accounts) or cascade.root_followers >= rules.big_account_followers
        threshold = (
            min(rules.predicted_threshold, rules.big_account_predicted_threshold)
            if big
            else (rules.predicted_threshold)
        )
        sized = result.predicted_low if rules.size_on_lower_bound else result.predicted
        by_size = sized >= threshold
        by_supercritical = rules.fire_on_supercritical and result.supercritical
        by_velocity = in_window >= rules.velocity_threshold
        if not (by_size or by_supercritical or by_velocity):
            return None
        return self._hit(cascade, result, in_window, now, t_now, threshold, (by_size, by_supercritical, by_velocity))

    def _hit(
        self,
        cascade: _Cascade,
        result: SeismicEstimate,
        in_window: int,
        now: datetime,
        t_now: float,
        threshold: float,
        fired: tuple[bool, bool, bool],
    ) -> Hit:
        rules = self.rules
        by_size, by_supercritical, by_velocity = fired
        minutes = max(1, round((t_now - cascade.t0) / 60))
        window = round(rules.velocity_window_s / 60)
        spread = dict(
            root=cascade.root_id, reposts=result.observed, minutes=minutes, in_window=in_window, window=window
        )
        reason: Reason = [
            clause("cascade.spreading_by", author=cascade.root_author, **spread)
            if cascade.root_author
            else clause("cascade.spreading", **spread),
            clause("cascade.predicted_unbounded")
            if math.isinf(result.predicted)
            else clause("cascade.predicted", predicted=round(result.predicted)),
        ]
        if not math.isinf(result.predicted_low):
            reason.append(clause("cascade.predicted_low", low=round(result.predicted_low)))
        causes: Reason = []
        if by_size:
            # A bar below the usual one can only be the bar for cascades a big account has joined.
            big_bar = threshold < rules.predicted_threshold
            causes.append(
                clause("cascade.cause.size_big_account" if big_bar else "cascade.cause.size", threshold=threshold)
            )
        if by_supercritical:
            causes.append(clause("cascade.cause.supercritical", branching_low=float(result.branching_low)))
        if by_velocity:
            causes.append(clause("cascade.cause.velocity", threshold=rules.velocity_threshold, window=window))
        reason.append(clause("cascade.fired", causes=causes))
        if cascade.big_accounts:
            accounts = [clause("cascade.account", name=name, followers=n) for name, n in cascade.big_accounts]
            reason.append(clause("cascade.big_accounts", accounts=accounts))
        evidence: dict[str, Any] = {
            "observed_reposts": result.observed,
            "reposts_in_window": in_window,
            "window_minutes": rules.velocity_window_s / 60,
            "minutes_since_root": minutes,
            "predicted_reposts": None if math.isinf(result.predicted) else round(result.predicted),
            "predicted_reposts_low": None if math.isinf(result.predicted_low) else round(result.predicted_low),
            "infectiousness": result.infectiousness,
            "branching": round(result.branching, 4),
            "branching_low": round(result.branching_low, 4),
            "branching_high": round(result.branching_high, 4),
            "predicted_reposts_high": None
            if not math.isfinite(result.predicted_high)
            else round(result.predicted_high),
            "unknown_followers": result.unknown_marks,
            "supercritical": result.supercritical,
            "root_followers": None if math.isnan(cascade.root_followers) else int(cascade.root_followers),
            "max_followers": cascade.max_followers,
            "big_accounts": [f"{name} ({n:,} followers)" for name, n in cascade.big_accounts],
            "fired_by": [name for name, on in zip(("size", "supercritical", "velocity"), fired, strict=True) if on],
        }
        posts = [
            EvidencePost(
                cascade.root_id,
                cascade.root_url,
                _count(cascade.root_followers),
                cascade.severity,
                cascade.root_author,
            )
        ]
        posts += [EvidencePost(pid, url, n, 0, name) for n, pid, url, name in sorted(cascade.top, reverse=True)]
        size = result.predicted if not math.isinf(result.predicted) else max(10.0 * result.observed, 1e6)
        return Hit(
            kind="cascade",
            key=_key(cascade.root_id),
            brand=cascade.brand,
            at=now,
            reason=reason,
            size=size,
            evidence=evidence,
            root_id=cascade.root_id,
            category=cascade.category,
            predicted_reposts=None if math.isinf(result.predicted) else result.predicted,
            severity=cascade.severity,
            max_followers=cascade.max_followers,
            big_account=bool(cascade.big_accounts) or cascade.root_followers >= rules.big_account_followers,
            posts=tuple(posts),
        )


def _arrays(cascade: _Cascade) -> tuple[FloatArray, FloatArray]:
    """The repost times and followers as arrays, converting only what arrived since the last call."""
    cached = cascade.cached_times
    if cached is None or cascade.out_of_order or cascade.cached_followers is None:
        cascade.cached_times = np.asarray(cascade.times, dtype=np.float64)
        cascade.cached_followers = np.asarray(cascade.followers, dtype=np.float64)
        cascade.out_of_order = False
    elif len(cached) < len(cascade.times):
        done = len(cached)
        cascade.cached_times = np.concatenate((cached, np.asarray(cascade.times[done:], dtype=np.float64)))
        cascade.cached_followers = np.concatenate(
            (cascade.cached_followers, np.asarray(cascade.followers[done:], dtype=np.float64))
        )
    times, followers = cascade.cached_times, cascade.cached_followers
    assert times is not None and followers is not None  # both were just set above
    return times, followers


def _followers(post: Post) -> float:
    """The author's follower count, NaN when unknown (no author, or a source that shows no count)."""
    if post.author is None or post.author.followers is None:
        return math.nan
    return float(post.author.followers)


def _count(followers: float) -> int:
    """A follower count for display and ordering: 0 when unknown."""
    return 0 if math.isnan(followers) else int(followers)


def _key(root_id: str) -> str:
    return f"cascade:{root_id}"


def cascade_key(root_id: str) -> str:
    """The incident key of a root post's cascade."""
    return _key(root_id)
