"""One cascade's forecast for people: final size with its interval, branching factor with its bounds.

What `yuqing forecast POST_ID` prints and what the console's post page can show. It runs the detector's own
predictor (`pipeline.detect.seismic` with the shipped `CascadeRules`) on the stored root and reposts, as of
now (never past the 24-h horizon, after which detection stops evaluating a cascade).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from pipeline.detect.cascade import CascadeRules
from pipeline.detect.seismic import estimate
from pipeline.models import Post
from pipeline.store.base import Store


@dataclass(frozen=True, slots=True)
class Forecast:
    """A cascade's forecast as of `as_of`. Sizes count reposts; None where the model gives no finite value."""

    root_id: str
    as_of: datetime
    minutes: float  # since the root post
    observed: int  # reposts seen by `as_of`
    unknown_followers: int  # accounts (root included) whose follower count is unknown
    root_followers: int | None
    enough: bool  # at least `min_reposts` reposts: below that no size is forecast, as in detection
    predicted: float | None  # point forecast of the final size; None when supercritical by the point estimate
    predicted_low: float | None  # the confident size (what detection pages on)
    predicted_high: float | None
    branching: float  # expected reposts of each new repost
    branching_low: float  # its confident lower bound: ≥ 1 is "supercritical"
    branching_high: float
    supercritical: bool


def forecast_cascade(
    root_id: str, root: Post | None, reposts: list[Post], now: datetime, rules: CascadeRules | None = None
) -> Forecast:
    """The forecast of the cascade of root post `root_id` from its `reposts` (any order), as of `now`.

    Without the root post (not stored), the cascade starts at its first repost and the root's count is unknown.
    """
    rules = rules or CascadeRules()
    ordered = sorted(reposts, key=lambda post: post.created_at)
    start = root.created_at if root is not None else (ordered[0].created_at if ordered else now)
    age_s = min(max((now - start).total_seconds(), 0.0), rules.horizon_s)
    times = np.array([(post.created_at - start).total_seconds() for post in ordered], dtype=np.float64)
    followers = np.array([_followers(post) for post in ordered], dtype=np.float64)
    root_followers = _followers(root) if root is not None else math.nan
    result = estimate(times, followers, root_followers, age_s, rules.seismic)
    enough = result.observed >= rules.min_reposts
    return Forecast(
        root_id=root_id,
        as_of=start + timedelta(seconds=age_s),
        minutes=age_s / 60.0,
        observed=result.observed,
        unknown_followers=result.unknown_marks,
        root_followers=None if math.isnan(root_followers) else int(root_followers),
        enough=enough,
        predicted=_finite(result.predicted) if enough else None,
        predicted_low=_finite(result.predicted_low) if enough else None,
        predicted_high=_finite(result.predicted_high) if enough else None,
        branching=result.branching,
        branching_low=result.branching_low,
        branching_high=result.branching_high,
        supercritical=enough and result.supercritical,
    )


def forecast_post(store: Store, post_id: str, now: datetime, rules: CascadeRules | None = None) -> Forecast | None:
    """The forecast of the cascade a stored post belongs to (its own, or its root's for a repost); None when
    the post is not stored."""
    post = store.get_post(post_id)
    if post is None:
        return None
    root_id = post.repost_of or post.id
    root = post if post.repost_of is None else store.get_post(root_id)
    return forecast_cascade(root_id, root, store.reposts_of(root_id), now, rules)


def _followers(post: Post) -> float:
    """The author's follower count, NaN when unknown (no author, or a source that shows none)."""
    if post.author is None or post.author.followers is None:
        return math.nan
    return float(post.author.followers)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
