"""World simulator for the detection benchmark (spread-detection.md §8.1): one brand's negative-mention stream.

Diurnal Poisson background of original negative posts, each starting a small Hawkes cascade (SEISMIC kernel,
heavy-tailed lognormal follower marks); crisis generators for big-account cascades, slow organic cascades
and outage-style surges of independent complaints. The "misspecified" scenario (exponential delays, sub-
linear follower effect, different organic branching) is the held-out check with a model the detectors do
not assume. Times are seconds since the world's start (a Monday 00:00, Asia/Shanghai).

Worlds that stress the surge test (A2), each on the main cascade model:
- "overdispersed": the background rate is multiplied by a gamma factor (mean 1, shape 3) redrawn every 30 min,
  so original counts are gamma-Poisson rather than Poisson;
- "hawkes_exp" / "hawkes_power": complaints beget complaints from other authors (branching ratio 0.5) after an
  exponential (mean 10 min) or power-law (Lomax, median 15 min, infinite mean) delay; background and surge
  immigrant rates are scaled by 1 − 0.5, so mean volumes match the main world while clumping is much stronger;
- "back_to_back": every surge is followed by one or two more of the same kind, each starting 2.5–6 h after the
  previous one ended, so earlier surges sit in the later ones' baseline;
- "night": surges of the same size start between 00:00 and 05:00, when the seasonal baseline is lowest.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Scenario = Literal["main", "misspecified", "overdispersed", "hawkes_exp", "hawkes_power", "back_to_back", "night"]
SCENARIOS: tuple[Scenario, ...] = (
    "main",
    "misspecified",
    "overdispersed",
    "hawkes_exp",
    "hawkes_power",
    "back_to_back",
    "night",
)
SELF_EXCITING = 0.5  # branching ratio of complaints among originals in the Hawkes worlds
GAMMA_SHAPE, GAMMA_BLOCK = 3.0, 1800.0  # rate factor of the over-dispersed world, redrawn every 30 min
THETA, S0 = 0.2314843, 300.0
FOLLOWER_MEDIAN, FOLLOWER_SIGMA = 200.0, 2.0
MEAN_FOLLOWERS = FOLLOWER_MEDIAN * math.exp(FOLLOWER_SIGMA**2 / 2)  # ≈ 1,478
MEAN_FOLLOWERS_07 = FOLLOWER_MEDIAN**0.7 * math.exp((0.7 * FOLLOWER_SIGMA) ** 2 / 2)
HOUR, DAY = 3600.0, 86400.0
CATEGORIES = ("quality", "safety", "delivery", "service", "price", "other")


@dataclass
class Cascade:
    root: int  # index into World.originals
    kind: str  # "background" | "bigv" | "organic" | "surge"
    t0: float
    root_followers: float
    times: np.ndarray  # absolute repost times, sorted
    followers: np.ndarray

    def size_within(self, seconds: float) -> int:
        return int(np.searchsorted(self.times, self.t0 + seconds, side="right"))


@dataclass
class Crisis:
    kind: str  # "bigv" | "organic" | "surge"
    start: float
    end: float  # end of the crisis window
    root: int | None = None  # for cascades
    size24: int = 0


@dataclass
class World:
    seed: int
    scenario: Scenario
    days: int
    warmup_days: int
    # originals: time, author, category index, followers, cascade index
    original_t: np.ndarray = field(default_factory=lambda: np.zeros(0))
    original_author: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    original_category: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cascades: list[Cascade] = field(default_factory=list)
    crises: list[Crisis] = field(default_factory=list)
    gray: list[tuple[float, float, int]] = field(default_factory=list)  # (start, end, root)

    @property
    def evaluated_days(self) -> int:
        return self.days - self.warmup_days

    def minute_counts(self, originals_only: bool = False) -> np.ndarray:
        """Events per minute: all mentions (originals + reposts) or originals only."""
        minutes = self.days * 1440
        counts = np.bincount((self.original_t // 60).astype(np.int64), minlength=minutes)[:minutes]
        if not originals_only:
            for cascade in self.cascades:
                if len(cascade.times):
                    idx = (cascade.times // 60).astype(np.int64)
                    counts += np.bincount(idx[idx < minutes], minlength=minutes)[:minutes]
        return counts


def diurnal(hours: np.ndarray) -> np.ndarray:
    h = hours % 24
    return 0.55 + 0.35 * np.sin(2 * np.pi * (h - 10) / 24) + 0.15 * np.sin(4 * np.pi * (h - 7) / 24)


def _marks(rng: np.random.Generator, size: int) -> np.ndarray:
    return rng.lognormal(math.log(FOLLOWER_MEDIAN), FOLLOWER_SIGMA, size)


def _delays(rng: np.random.Generator, size: int, scenario: str) -> np.ndarray:
    if scenario == "misspecified":
        return rng.exponential(20 * 60.0, size)
    head = rng.random(size) < THETA / (1 + THETA)
    uniform = rng.uniform(0, S0, size)
    tail = S0 * np.power(1.0 - rng.random(size), -1.0 / THETA)
    return np.where(head, uniform, tail)


def simulate_cascade(
    rng: np.random.Generator,
    t0: float,
    root_followers: float,
    branching: float,
    scenario: str,
    horizon: float = 48 * HOUR,
    cap: int = 30_000,
) -> tuple[np.ndarray, np.ndarray]:
    """Marked Hawkes by branching, generation by generation; keeps the earliest `cap` reposts exactly.

    Descendants are always later than their ancestor, so once `cap` events are known, events later than
    the cap-th earliest cannot change the kept set and are neither stored nor expanded.
    """
    p = branching / MEAN_FOLLOWERS
    frontier_t = np.array([t0])
    frontier_n = np.array([root_followers])
    kept_t: list[np.ndarray] = []
    kept_n: list[np.ndarray] = []
    cutoff = t0 + horizon
    total = 0
    while len(frontier_t):
        if scenario == "misspecified":
            rate = p * np.power(frontier_n, 0.7) * MEAN_FOLLOWERS / MEAN_FOLLOWERS_07
        else:
            rate = p * frontier_n
        children = rng.poisson(rate)
        count = int(children.sum())
        if count == 0:
            break
        child_t = np.repeat(frontier_t, children) + _delays(rng, count, scenario)
        keep = child_t <= cutoff
        child_t = child_t[keep]
        child_n = _marks(rng, len(child_t))
        kept_t.append(child_t)
        kept_n.append(child_n)
        total += len(child_t)
        if total > cap:
            every = np.concatenate(kept_t)
            cutoff = min(cutoff, float(np.partition(every, cap - 1)[cap - 1]))
        frontier_t, frontier_n = child_t[child_t <= cutoff], child_n[child_t <= cutoff]
    if not kept_t:
        return np.zeros(0), np.zeros(0)
    times = np.concatenate(kept_t)
    followers = np.concatenate(kept_n)
    order = np.argsort(times, kind="stable")[:cap]
    return times[order], followers[order]


def _poisson_times(rng: np.random.Generator, rate_per_day: float, days: int) -> np.ndarray:
    return np.sort(rng.uniform(0, days * DAY, rng.poisson(rate_per_day * days)))


def _background_times(rng: np.random.Generator, scenario: Scenario, days: int) -> np.ndarray:
    """Times of the background's original complaints (the immigrants, in the self-exciting worlds)."""
    # 12 per hour × d(h), by thinning a homogeneous process at the peak rate.
    peak = 12.0 * 1.05
    if scenario == "overdispersed":
        factors = rng.gamma(GAMMA_SHAPE, 1.0 / GAMMA_SHAPE, int(days * DAY / GAMMA_BLOCK) + 1)
        peak *= float(factors.max())
    candidates = rng.uniform(0, days * DAY, rng.poisson(peak * 24 * days))
    rate = 12.0 * diurnal(candidates / HOUR)
    if scenario == "overdispersed":
        rate *= factors[(candidates // GAMMA_BLOCK).astype(np.int64)]
    elif scenario in ("hawkes_exp", "hawkes_power"):
        rate *= 1.0 - SELF_EXCITING
    return np.sort(candidates[rng.random(len(candidates)) < rate / peak])


def _surge_starts(rng: np.random.Generator, scenario: Scenario, days: int) -> list[tuple[float, float]]:
    """(start, duration) of every surge."""
    surges = []
    for start in _poisson_times(rng, 0.15, days):
        if scenario == "night":
            start = (start // DAY) * DAY + rng.uniform(0, 5 * HOUR)
        duration = rng.uniform(1, 4) * HOUR
        surges.append((float(start), float(duration)))
        if scenario == "back_to_back":
            for _ in range(int(rng.integers(1, 3))):
                start += duration + rng.uniform(2.5, 6) * HOUR
                duration = rng.uniform(1, 4) * HOUR
                surges.append((float(start), float(duration)))
    return sorted(surges)


def _offspring_delays(rng: np.random.Generator, size: int, scenario: Scenario) -> np.ndarray:
    if scenario == "hawkes_exp":
        return rng.exponential(10 * 60.0, size)
    # Lomax: scale 5 min, tail exponent 0.5 (median 15 min, infinite mean: some come days later).
    return 5 * 60.0 * (np.power(1.0 - rng.random(size), -1.0 / 0.5) - 1.0)


def make_world(seed: int, scenario: Scenario = "main", days: int = 14, warmup_days: int = 2) -> World:
    rng = np.random.default_rng([seed, SCENARIOS.index(scenario)])
    world = World(seed, scenario, days, warmup_days)
    cascade_model = "misspecified" if scenario == "misspecified" else "main"
    times: list[float] = []
    authors: list[int] = []
    categories: list[int] = []
    kinds: list[str] = []
    next_author = 0

    def add_original(t: float, kind: str, followers: float, branching: float, category: int) -> int:
        nonlocal next_author
        index = len(times)
        times.append(t)
        authors.append(next_author)
        next_author += 1
        categories.append(category)
        kinds.append(kind)
        reposts, marks = simulate_cascade(rng, t, followers, branching, cascade_model)
        world.cascades.append(Cascade(index, kind, t, followers, reposts, marks))
        return len(world.cascades) - 1

    for t in _background_times(rng, scenario, days):
        add_original(
            float(t), "background", _marks(rng, 1)[0], rng.uniform(0.05, 0.5), int(rng.integers(len(CATEGORIES)))
        )

    organic_r = (0.8, 1.05) if scenario == "misspecified" else (1.0, 1.5)
    for t in _poisson_times(rng, 0.2, days):
        add_original(float(t), "bigv", 10 ** rng.uniform(5, 7), rng.uniform(0.6, 0.95), 1)
    for t in _poisson_times(rng, 6.0, days):
        add_original(
            float(t), "organic", 10 ** rng.uniform(3, 4.7), rng.uniform(*organic_r), int(rng.integers(len(CATEGORIES)))
        )

    immigrants = 1.0 - SELF_EXCITING if scenario in ("hawkes_exp", "hawkes_power") else 1.0
    if scenario in ("main", "misspecified"):
        surges = [(float(start), 0.0) for start in _poisson_times(rng, 0.15, days)]
    else:
        surges = _surge_starts(rng, scenario, days)
    for start, duration in surges:
        k = rng.uniform(4, 10)
        if scenario in ("main", "misspecified"):  # the draws in their historical order: the same worlds as ever
            duration = rng.uniform(1, 4) * HOUR
        extra = rng.uniform(start, start + duration, rng.poisson(12.0 / HOUR * k * duration * immigrants))
        ramp = np.clip((extra - start) / (30 * 60), 0.15, 1.0)
        extra = np.sort(extra[rng.random(len(extra)) < ramp])
        category = int(rng.integers(len(CATEGORIES)))
        for t in extra:
            # Classifiers are imperfect: one complaint in five lands in another category.
            chosen = category if rng.random() < 0.8 else int(rng.integers(len(CATEGORIES)))
            add_original(float(t), "surge", _marks(rng, 1)[0], rng.uniform(0.05, 0.5), chosen)
        if start >= warmup_days * DAY and start + duration <= days * DAY:
            world.crises.append(Crisis("surge", float(start), float(start + duration + HOUR)))

    if scenario in ("hawkes_exp", "hawkes_power"):
        # Complaints beget complaints (other authors, mostly about the same thing), generation by generation.
        parents = [i for i, kind in enumerate(kinds) if kind in ("background", "surge")]
        while parents:
            children: list[tuple[float, str, int]] = []
            counts = rng.poisson(SELF_EXCITING, len(parents))
            delays = _offspring_delays(rng, int(counts.sum()), scenario)
            position = 0
            for parent, count in zip(parents, counts, strict=True):
                for delay in delays[position : position + count]:
                    same = rng.random() < 0.7
                    category = categories[parent] if same else int(rng.integers(len(CATEGORIES)))
                    children.append((times[parent] + float(delay), kinds[parent], category))
                position += count
            parents = []
            for t, kind, category in children:
                if t < days * DAY:
                    parents.append(add_original(t, kind, _marks(rng, 1)[0], rng.uniform(0.05, 0.5), category))

    world.original_t = np.array(times)
    world.original_author = np.array(authors, dtype=np.int64)
    world.original_category = np.array(categories, dtype=np.int64)
    for index, cascade in enumerate(world.cascades):
        size24 = cascade.size_within(24 * HOUR)
        window = (cascade.t0, cascade.t0 + 24 * HOUR)
        if cascade.t0 < warmup_days * DAY or window[1] > days * DAY:
            if size24 >= 200:  # outside the evaluated span: never a false alert either
                world.gray.append((window[0], window[1], index))
            continue
        if size24 >= 1000:
            kind = cascade.kind if cascade.kind in ("bigv", "organic") else "organic"
            world.crises.append(Crisis(kind, window[0], window[1], index, size24))
        elif size24 >= 200:
            world.gray.append((window[0], window[1], index))
    return world
