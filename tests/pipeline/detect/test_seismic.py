from __future__ import annotations

import math
import random

import numpy as np
import pytest

from pipeline.detect.seismic import SeismicParams, estimate, kernel_cdf

PARAMS = SeismicParams()


def test_kernel_cdf_matches_the_published_constants() -> None:
    theta = PARAMS.theta
    values = kernel_cdf(np.array([0.0, 300.0, 600.0, 3600.0, 86400.0, 1e12]), PARAMS)
    assert values[0] == 0.0
    assert values[1] == pytest.approx(theta / (1 + theta))  # Φ(s0)
    assert values[2] == pytest.approx(0.31, abs=0.01)
    assert values[3] == pytest.approx(0.54, abs=0.01)
    assert values[4] == pytest.approx(0.78, abs=0.01)
    assert 0.99 < values[5] <= 1.0  # heavy tail: the mass keeps arriving for a very long time
    assert np.all(np.diff(values) >= 0)


def test_estimate_follows_the_formula_on_a_small_cascade() -> None:
    times = np.array([60.0, 400.0, 1200.0])
    followers = np.array([50.0, 2000.0, 10.0])
    t = 1800.0
    result = estimate(times, followers, 300.0, t, PARAMS)
    all_times = np.array([0.0, *times])
    marks = np.array([300.0, *followers])
    cdf = kernel_cdf(t - all_times, PARAMS)
    p = 3 / float(np.dot(marks, cdf))
    expected = 3 + p * float(np.dot(marks, 1 - cdf)) / (1 - p * PARAMS.n_star)
    assert result.observed == 3
    assert result.infectiousness == pytest.approx(p)
    assert result.predicted == pytest.approx(expected)
    assert result.infectiousness_low < p < result.infectiousness_high


def test_reposts_after_t_are_ignored() -> None:
    times = np.array([60.0, 120.0, 5000.0])
    followers = np.array([100.0, 100.0, 100.0])
    assert estimate(times, followers, 100.0, 200.0, PARAMS).observed == 2


def test_an_explosive_cascade_is_flagged_supercritical() -> None:
    rng = random.Random(1)
    times = np.sort(np.array([rng.uniform(0, 600) for _ in range(400)]))
    followers = np.full(400, 20.0)
    result = estimate(times, followers, 50.0, 600.0, PARAMS)
    assert result.branching_low >= 1.0
    assert result.supercritical
    assert math.isinf(result.predicted)


def test_a_dying_cascade_predicts_close_to_what_it_has() -> None:
    times = np.array([60.0 * k for k in range(1, 21)])
    followers = np.full(20, 10_000.0)  # wide exposure, few takers: clearly subcritical
    result = estimate(times, followers, 10_000.0, 7 * 86400.0, PARAMS)
    assert not result.supercritical
    assert 20 <= result.predicted < 30


def _burst(reposts: int, followers: float) -> tuple[np.ndarray, np.ndarray]:
    """`reposts` evenly spread over the first hour, every reposter with `followers` followers."""
    times = np.arange(1, reposts + 1) * (3600.0 / reposts)
    return times, np.full(reposts, followers)


def test_lower_bound_leaves_out_what_old_posts_still_owe() -> None:
    times, followers = _burst(180, 3000.0)
    t = 3 * 3600.0  # every post is more than an hour old
    paper = estimate(times, followers, 3000.0, t, SeismicParams(lower_bound_max_age_s=math.inf))
    result = estimate(times, followers, 3000.0, t, PARAMS)
    assert result.predicted == pytest.approx(paper.predicted)  # the point estimate keeps the whole kernel
    assert result.predicted_low == result.observed == 180  # nothing recent, so nothing more is certain
    assert paper.predicted_low > 230  # the paper's bound still expects a quarter as much again


def test_lower_bound_counts_the_debt_of_recent_posts() -> None:
    times = np.array([60.0, 600.0, 5000.0, 6000.0, 6500.0])
    followers = np.array([800.0, 50.0, 4000.0, 300.0, 20.0])
    t = 7000.0
    result = estimate(times, followers, 500.0, t, PARAMS)
    all_times = np.array([0.0, *times])
    marks = np.array([500.0, *followers])
    recent = t - all_times <= PARAMS.lower_bound_max_age_s  # the last three reposts
    owed = float(np.dot(marks[recent], 1 - kernel_cdf(t - all_times[recent], PARAMS)))
    p_low = result.infectiousness_low
    expected = 5 + p_low * owed / (1 - p_low * PARAMS.n_star)
    assert int(recent.sum()) == 3
    assert result.predicted_low == pytest.approx(expected)
    assert result.observed < result.predicted_low < result.predicted


def _fast_burst(reposts: int, minutes: float) -> np.ndarray:
    return np.linspace(30.0, minutes * 60.0, reposts)


def test_unknown_follower_counts_are_not_zero() -> None:
    """Read as 0, unknown counts make an active cascade look explosive; as unknown they get the prior."""
    times = _fast_burst(200, 20.0)
    as_zero = estimate(times, np.zeros(200), 100_000.0, 1200.0, PARAMS)
    unknown = estimate(times, np.full(200, math.nan), 100_000.0, 1200.0, PARAMS)
    assert as_zero.supercritical and as_zero.unknown_marks == 0
    assert unknown.unknown_marks == 200
    assert not unknown.supercritical
    assert math.isfinite(unknown.predicted)
    assert unknown.predicted_low <= unknown.predicted <= unknown.predicted_high


def test_unknown_counts_widen_the_interval() -> None:
    times = _fast_burst(60, 30.0)
    unknown = estimate(times, np.full(60, math.nan), 5000.0, 1800.0, PARAMS)
    # the same cascade with every count known at the prior and the calibration of unknown accounts
    known_params = SeismicParams(n_star=PARAMS.unknown_n_star, alpha=PARAMS.unknown_alpha_at(1800.0))
    known = estimate(times, np.full(60, PARAMS.unknown_followers), 5000.0, 1800.0, known_params)
    assert unknown.predicted == pytest.approx(known.predicted)  # the prior is the point value
    assert unknown.predicted_low < known.predicted_low
    assert unknown.predicted_high > known.predicted_high
    assert unknown.branching_low <= known.branching_low


def test_supercritical_needs_evidence_whatever_the_unknown_counts_are() -> None:
    """The confident branching factor is the smallest over the plausible range of the unknown counts."""
    times = _fast_burst(400, 10.0)
    result = estimate(times, np.full(400, math.nan), 50.0, 600.0, PARAMS)
    at_top = estimate(
        times,
        np.full(400, PARAMS.unknown_followers_high),
        50.0,
        600.0,
        SeismicParams(n_star=PARAMS.unknown_n_star, alpha=PARAMS.unknown_alpha_at(600.0)),
    )
    assert result.branching_low == pytest.approx(at_top.branching_low)
    assert result.branching_low < result.branching < result.branching_high


def test_known_counts_ignore_the_unknown_prior() -> None:
    times, followers = _burst(50, 500.0)
    a = estimate(times, followers, 500.0, 3600.0, PARAMS)
    b = estimate(times, followers, 500.0, 3600.0, SeismicParams(unknown_followers=1.0, unknown_n_star=999.0))
    assert (a.predicted, a.predicted_low, a.branching_low) == (b.predicted, b.predicted_low, b.branching_low)


def test_unknown_alpha_is_interpolated_in_log_age_and_flat_outside() -> None:
    params = SeismicParams(unknown_alpha_by_age=((600.0, 2.0), (6000.0, 1.0)))
    assert params.unknown_alpha_at(60.0) == 2.0
    assert params.unknown_alpha_at(600.0 * math.sqrt(10.0)) == pytest.approx(1.5)
    assert params.unknown_alpha_at(1e6) == 1.0
    assert SeismicParams(unknown_alpha_by_age=()).unknown_alpha_at(600.0) == 1.0
