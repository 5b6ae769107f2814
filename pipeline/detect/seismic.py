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

    @property
    def c(self) -> float:
        return self.theta / (self.s0 * (1.0 + self.theta))


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
    """SEISMIC at time `t`; reposts after `t` are ignored, times are seconds since the root."""
    seen = repost_times <= t
    times = np.concatenate(([0.0], repost_times[seen]))
    marks = np.minimum(np.concatenate(([float(root_followers)], repost_followers[seen])), params.follower_cap)
    marks = np.maximum(marks, 1.0)  # an account with 0 followers still exposes the post once (itself)
    observed = int(seen.sum())
    cdf = kernel_cdf(t - times, params)
    exposure_so_far = float(np.dot(marks, cdf))
    exposure_to_come = float(np.dot(marks, 1.0 - cdf))
    if observed == 0 or exposure_so_far <= 0.0:
        return SeismicEstimate(observed, 0.0, 0.0, 0.0, 0.0, 0.0, float(observed), float(observed), False)
    p_hat = observed / exposure_so_far
    tail = (1.0 - params.ci_level) / 2.0
    dof = 2 * observed
    # χ²_k quantile = 2·P⁻¹(k/2, q) (regularised incomplete gamma); far cheaper than scipy.stats.chi2.ppf.
    p_low = p_hat * 2.0 * float(gammaincinv(observed, tail)) / dof
    p_high = p_hat * 2.0 * float(gammaincinv(observed, 1.0 - tail)) / dof
    branching = params.gamma * p_hat * params.n_star
    branching_low = params.gamma * p_low * params.n_star
    predicted = _final_size(observed, p_hat, exposure_to_come, branching, params)
    # The confident bound leaves out what posts older than `lower_bound_max_age_s` still owe: that mass rests
    # on the kernel's heavy tail, which a cascade in a faster-reacting world never delivers.
    recent = t - times <= params.lower_bound_max_age_s
    recent_exposure_to_come = float(np.dot(marks[recent], 1.0 - cdf[recent]))
    predicted_low = _final_size(observed, p_low, recent_exposure_to_come, branching_low, params)
    return SeismicEstimate(
        observed=observed,
        infectiousness=p_hat,
        infectiousness_low=p_low,
        infectiousness_high=p_high,
        branching=branching,
        branching_low=branching_low,
        predicted=predicted,
        predicted_low=predicted_low,
        supercritical=branching_low >= 1.0,
    )


def _final_size(observed: int, p: float, exposure_to_come: float, branching: float, params: SeismicParams) -> float:
    if branching >= 1.0:
        return math.inf
    return observed + params.alpha * p * exposure_to_come / (1.0 - branching)
