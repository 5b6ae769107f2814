"""SEISMIC final-size prediction of one repost cascade (Zhao et al., KDD 2015; spread-detection.md §5.1).

Inputs are repost times (seconds since the root) and the follower counts of the root author and of every
reposter; no graph, no text, no training. Infectiousness is the global estimate
`p = R_t / Σ nᵢ Φ(t − tᵢ)` with a χ² confidence interval; the final size is
`R_t + α·p·Σ nᵢ(1 − Φ(t − tᵢ)) / (1 − γ·p·n*)`, infinite when `p·n* ≥ 1` (supercritical).

The lower bound `predicted_low` (what the detector pages on) is deliberately more cautious than the paper's
formula: besides the lower χ² bound of p it counts only the reactions still owed to posts younger than
`lower_bound_max_age_s`. What older posts still owe comes from the far tail of the power-law kernel (an
hour-old post still owes ~46 % of its reactions, a three-hour-old one ~35 %), the part of the model the
cascade's own data supports least: where people react within minutes instead, those reactions never come,
and a cascade that is about to die out looks as if it had as much again ahead of it.

Unknown follower counts (NaN in the follower arrays: search pages show none) are not 0. Each is replaced by a
prior, `unknown_followers`, and the bounds are taken over its plausible range [`unknown_followers_low`,
`unknown_followers_high`] as well as over the χ² interval of p: the confident size and the confident branching
factor are the smallest over that range, so "supercritical" needs evidence that holds whatever the unknown
counts are. The branching factor is p times the mean out-degree of the reposters still to come, assumed to
be a mix like the one observed: `n_star` for reposters whose count is known, `unknown_n_star` for the others;
with a fixed out-degree, a higher exposure for the unknown accounts means a lower p, so the confident branching
factor is the one with the unknown counts at the top of their range. The correction factor α of the unknown
share depends on the cascade's age (calibrated on real cascades: the plain estimate falls short early on).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import gammaincinv

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class SeismicParams:
    """Parameters of the SEISMIC estimate.

    Defaults: the kernel constants of the paper (θ = 0.2315, s0 = 300 s); `n_star` = 300 (mean out-degree of
    a typical reposter) — in `benchmarks/detection.py` 100–300 kept false pages ≤ 0.5/week while 1,000 made
    almost every energetic cascade look supercritical, because follower counts are heavy-tailed; α = γ = 1
    (no per-horizon calibration yet). `follower_cap` bounds one account's mark so that a single inflated
    follower count cannot dominate the exposure sum. `lower_bound_max_age_s` (1 h; `math.inf` gives the
    paper's bound) limits which posts' outstanding reactions the lower bound counts, see the module docstring.
    """

    theta: float = 0.2314843
    s0: float = 300.0
    n_star: float = 300.0
    alpha: float = 1.0
    gamma: float = 1.0
    ci_level: float = 0.95
    follower_cap: float = 5e7
    lower_bound_max_age_s: float = 3600.0
    # Accounts whose follower count is unknown (module docstring). `unknown_followers` is the exposure an
    # unknown account counts for in p̂, with its plausible range [low, high] for the bounds;
    # `unknown_n_star` is the out-degree of an unknown reposter in the branching factor, and
    # `unknown_alpha_by_age` the correction factor α of their share, as (cascade age in seconds, α) pairs
    # interpolated in log-age. Fitted with cross-validation on the dev half of the real Weibo cascades (CED),
    # where no reposter's count is known: `python benchmarks/real_cascades.py --fit`.
    unknown_followers: float = 3000.0
    unknown_followers_low: float = 300.0
    unknown_followers_high: float = 30000.0
    unknown_n_star: float = 30.0
    unknown_alpha_by_age: tuple[tuple[float, float], ...] = (
        (600.0, 2.46),
        (1800.0, 2.01),
        (3600.0, 1.65),
        (10800.0, 1.22),
    )

    @property
    def c(self) -> float:
        return self.theta / (self.s0 * (1.0 + self.theta))

    def unknown_alpha_at(self, age_s: float) -> float:
        """α for the share of reposters whose count is unknown, at a cascade age (flat outside the table)."""
        if not self.unknown_alpha_by_age:
            return self.alpha
        ages = np.log([max(age, 1.0) for age, _ in self.unknown_alpha_by_age])
        values = [value for _, value in self.unknown_alpha_by_age]
        return float(np.interp(math.log(max(age_s, 1.0)), ages, values))


@dataclass(frozen=True, slots=True)
class SeismicEstimate:
    """One evaluation of a cascade at time `t` (seconds since the root)."""

    observed: int  # reposts seen so far (R_t)
    infectiousness: float  # p̂_t
    infectiousness_low: float  # lower χ² bound of p̂_t
    infectiousness_high: float
    branching: float  # p̂_t · n*
    branching_low: float  # lower bound of p̂_t · n*, used for the supercritical flag
    predicted: float  # R̂_∞, math.inf when supercritical by the point estimate
    # R̂_∞ from the lower bound of p̂ and the reactions still owed to recent posts only: the size we are
    # confident the cascade reaches
    predicted_low: float
    supercritical: bool  # the *lower* bound of p̂·n* is ≥ 1: confidently explosive
    # upper bounds (χ² upper bound of p̂, unknown follower counts at the top of their range; whole kernel)
    branching_high: float = math.nan
    predicted_high: float = math.nan
    unknown_marks: int = 0  # accounts (root included) whose follower count was unknown


def kernel_cdf(elapsed: FloatArray, params: SeismicParams) -> FloatArray:
    """Φ(s): the share of a post's reaction mass that has arrived `s` seconds after it."""
    s = np.maximum(elapsed, 0.0)
    head = params.c * s
    with np.errstate(divide="ignore"):
        tail = 1.0 - (1.0 / (1.0 + params.theta)) * np.power(np.maximum(s, 1e-9) / params.s0, -params.theta)
    result: FloatArray = np.where(s <= params.s0, head, tail)
    return result


def estimate(
    repost_times: FloatArray,
    repost_followers: FloatArray,
    root_followers: float,
    t: float,
    params: SeismicParams,
) -> SeismicEstimate:
    """SEISMIC at time `t`; reposts after `t` are ignored, times are seconds since the root.

    A follower count of NaN (the root's or a reposter's) is unknown: see the module docstring."""
    seen = repost_times <= t
    times = np.concatenate(([0.0], repost_times[seen]))
    marks = np.concatenate(([float(root_followers)], repost_followers[seen]))
    unknown = np.isnan(marks)
    # an account with 0 followers still exposes the post once (itself)
    marks = np.clip(np.where(unknown, 0.0, marks), 1.0, params.follower_cap)
    observed = int(seen.sum())
    n_unknown = int(unknown.sum())
    cdf = kernel_cdf(t - times, params)
    if observed == 0:
        return SeismicEstimate(observed, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, False, 0.0, 0.0, n_unknown)
    recent = t - times <= params.lower_bound_max_age_s
    exposure = _Exposure.of(marks, cdf, unknown, recent)
    tail = (1.0 - params.ci_level) / 2.0
    # χ²_k quantile = 2·P⁻¹(k/2, q) (regularised incomplete gamma); far cheaper than scipy.stats.chi2.ppf.
    low_factor = float(gammaincinv(observed, tail)) / observed
    high_factor = float(gammaincinv(observed, 1.0 - tail)) / observed
    # Reposters still to come are assumed to be a mix like the observed ones (root left out).
    known_share = 1.0 - int(unknown[1:].sum()) / observed
    n_star = known_share * params.n_star + (1.0 - known_share) * params.unknown_n_star
    alpha = known_share * params.alpha + (1.0 - known_share) * params.unknown_alpha_at(t)

    def at(prior: float, factor: float, recent_only: bool) -> tuple[float, float, float]:
        """(p, branching, predicted) with unknown counts at `prior` and p scaled by `factor`."""
        p = factor * observed / exposure.so_far(prior)
        branching = params.gamma * p * n_star
        to_come = exposure.recent_to_come(prior) if recent_only else exposure.to_come(prior)
        return p, branching, _final_size(observed, alpha * p * to_come, branching)

    p_hat, branching, predicted = at(params.unknown_followers, 1.0, False)
    # nothing unknown: the prior plays no part
    priors = (params.unknown_followers_low, params.unknown_followers_high) if n_unknown else (params.unknown_followers,)
    lows = [at(prior, low_factor, True) for prior in priors]
    highs = [at(prior, high_factor, False) for prior in priors]
    branching_low = min(low[1] for low in lows)
    return SeismicEstimate(
        observed=observed,
        infectiousness=p_hat,
        infectiousness_low=min(low[0] for low in lows),
        infectiousness_high=max(high[0] for high in highs),
        branching=branching,
        branching_low=branching_low,
        predicted=predicted,
        predicted_low=min(low[2] for low in lows),
        supercritical=branching_low >= 1.0,
        branching_high=max(high[1] for high in highs),
        predicted_high=max(high[2] for high in highs),
        unknown_marks=n_unknown,
    )


@dataclass(frozen=True, slots=True)
class _Exposure:
    """The exposure sums of a cascade split into known and unknown follower counts, so that they can be
    evaluated for any prior value of the unknown ones without going over the posts again."""

    known_so_far: float
    unknown_so_far: float
    known_to_come: float
    unknown_to_come: float
    known_recent_to_come: float
    unknown_recent_to_come: float

    @classmethod
    def of(
        cls, marks: FloatArray, cdf: FloatArray, unknown: npt.NDArray[np.bool_], recent: npt.NDArray[np.bool_]
    ) -> _Exposure:
        known = ~unknown
        rest = 1.0 - cdf
        return cls(
            known_so_far=float(np.dot(marks[known], cdf[known])),
            unknown_so_far=float(cdf[unknown].sum()),
            known_to_come=float(np.dot(marks[known], rest[known])),
            unknown_to_come=float(rest[unknown].sum()),
            known_recent_to_come=float(np.dot(marks[known & recent], rest[known & recent])),
            unknown_recent_to_come=float(rest[unknown & recent].sum()),
        )

    def so_far(self, prior: float) -> float:
        # never zero: the root exposes the post at least once from the first second (Φ(0) = 0 only at t = 0)
        return max(self.known_so_far + prior * self.unknown_so_far, 1e-12)

    def to_come(self, prior: float) -> float:
        return self.known_to_come + prior * self.unknown_to_come

    def recent_to_come(self, prior: float) -> float:
        return self.known_recent_to_come + prior * self.unknown_recent_to_come


def _final_size(observed: int, direct_to_come: float, branching: float) -> float:
    if branching >= 1.0:
        return math.inf
    return observed + direct_to_come / (1.0 - branching)
