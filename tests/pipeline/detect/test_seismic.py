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
