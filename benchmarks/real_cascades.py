"""Real Weibo cascades (the dev half of CED): final-size prediction at fixed ages, and a replay through detection.

Data: /work/shared/data/weibo_cascades_ced/ced_dev.jsonl.gz (1,694 cascades of 2010-2014 with repost times and
the source post's final repost counter; reposters' follower counts are not in it, as on search pages). The
truth of a cascade is max(final repost counter, reposts in the file). Folds: five, by a hash of the cascade id;
nothing is ever fitted on the fold it is scored on (the other half of CED is held out elsewhere).

1. Prediction error at ages 10 min, 30 min, 1 h, 3 h over cascades with >= 10 reposts at that age: median
   |ln(pred/final)| and MSLE (mean squared log2(1 + size) error, DeepHawkes-style) with the number scored and
   the number the predictor could not score (infinite size: supercritical by its point estimate), for
   - the shipped predictor (unknown follower counts get the calibrated prior),
   - plain SEISMIC (paper kernel, n* = 300, α = γ = 1, unknown counts read as 0: what ran before),
   - "final = 2 × current".
   With --fit the unknown-follower constants are fitted on four folds and scored on the fifth (out-of-fold
   errors are printed), then fitted on all of dev: those are the constants in `SeismicParams`.
2. Replay: every dev cascade becomes a negative root post of one brand, its start spread uniformly over a
   fortnight (seed 0), its reposts posted at their real delays (reposts later than 48 h are left out: the
   detector forgets a cascade after 48 h); the stream goes through `run_backtest` (what `yuqing backtest`
   runs) with the shipped `DetectionConfig`, once with reposters' follower counts unknown (None, the truth
   here) and once with them read as 0 (what the code did before unknown counts existed). A page is an incident
   opened for the cascade. Goals (issue 19): >= 95 % of cascades with >= 500 reposts within 24 h paged before
   10 % of their final size; <= 10 % of cascades ending under 150 paged; median |ln(pred/final)| at the
   first page <= 0.4 (a page without a finite predicted size counts as an infinite error).

    .venv/bin/python benchmarks/real_cascades.py            # prediction table + replay (a few minutes)
    .venv/bin/python benchmarks/real_cascades.py --fit      # cross-validated fit of the constants
    .venv/bin/python benchmarks/real_cascades.py --quick    # one cascade in four
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import itertools
import json
import math
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.config import BrandConfig, Watchlist
from pipeline.detect.backtest import run_backtest
from pipeline.detect.seismic import FloatArray, SeismicParams, estimate, kernel_cdf
from pipeline.models import SHANGHAI, Author, Complaint, Post, Sentiment

DATA = Path("/work/shared/data/weibo_cascades_ced/ced_dev.jsonl.gz")
AGES = (600.0, 1800.0, 3600.0, 10800.0)
MIN_REPOSTS = 10  # as the detector: SEISMIC is not evaluated below this
FOLDS = 5
BRAND = "示例品牌"
REPLAY_START = datetime(2026, 3, 2, tzinfo=SHANGHAI)  # a Monday
FORTNIGHT = 14 * 86400.0
KEEP_S = 48 * 3600.0


@dataclass(frozen=True)
class Cascade:
    cascade_id: str
    delays: FloatArray  # seconds after the source post, sorted
    root_followers: float
    final: int
    fold: int


def load(path: Path = DATA, every: int = 1) -> list[Cascade]:
    cascades = []
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if number % every:
                continue
            row = json.loads(line)
            delays = np.sort(np.array([float(event["dt"]) for event in row["events"]]))
            digest = int(hashlib.sha1(row["cascade"].encode()).hexdigest(), 16)
            cascades.append(
                Cascade(
                    row["cascade"],
                    delays,
                    float(row["followers"]),
                    max(int(row["final_reposts"]), len(delays)),
                    digest % FOLDS,
                )
            )
    return cascades


# --- 1. prediction error at fixed ages -------------------------------------------------------------------------

Predictor = Callable[[Cascade, float], float]


def shipped(params: SeismicParams) -> Predictor:
    def predict(cascade: Cascade, age: float) -> float:
        unknown = np.full(len(cascade.delays), math.nan)
        return estimate(cascade.delays, unknown, cascade.root_followers, age, params).predicted

    return predict


def plain_seismic(cascade: Cascade, age: float) -> float:
    zeros = np.zeros(len(cascade.delays))  # unknown read as 0 followers, all counts "known": the old code path
    return estimate(cascade.delays, zeros, cascade.root_followers, age, SeismicParams()).predicted


def doubling(cascade: Cascade, age: float) -> float:
    return 2.0 * float(np.searchsorted(cascade.delays, age, side="right"))


@dataclass(frozen=True)
class Errors:
    scored: int
    failed: int  # no finite prediction
    median_abs_log: float  # failures count as infinite errors
    msle: float  # over the finite predictions

    def cell(self) -> str:
        return f"{self.median_abs_log:5.3f} {self.msle:5.2f} ({self.scored}, {self.failed} inf)"


def errors(predictions: list[float], finals: list[int]) -> Errors:
    pred, final = np.array(predictions), np.array(finals, dtype=float)
    finite = np.isfinite(pred)
    abs_log = np.full(len(pred), math.inf)
    abs_log[finite] = np.abs(np.log(pred[finite] / final[finite]))
    msle = float(np.mean((np.log2(1.0 + pred[finite]) - np.log2(1.0 + final[finite])) ** 2)) if finite.any() else 0.0
    return Errors(len(pred), int((~finite).sum()), float(np.median(abs_log)) if len(pred) else math.nan, msle)


def scored(cascades: list[Cascade], age: float) -> list[Cascade]:
    return [c for c in cascades if np.searchsorted(c.delays, age, side="right") >= MIN_REPOSTS]


def prediction_table(cascades: list[Cascade], predictors: dict[str, Predictor]) -> None:
    print("median |ln(pred/final)|, MSLE (log2), (scored, unscorable) at each age; cascades with >= 10 reposts")
    print(f"{'predictor':<34}" + "".join(f"{f'{round(age / 60)} min':<30}" for age in AGES))
    for name, predict in predictors.items():
        cells = []
        for age in AGES:
            chosen = scored(cascades, age)
            cells.append(errors([predict(c, age) for c in chosen], [c.final for c in chosen]).cell())
        print(f"{name:<34}" + "".join(f"{cell:<30}" for cell in cells))


# --- cross-validated fit of the unknown-follower constants -----------------------------------------------------


@dataclass(frozen=True)
class Sums:
    """Per (cascade, age): what the prediction needs when every reposter's count is unknown."""

    reposts: FloatArray
    root_so_far: FloatArray  # n_root · Φ(age)
    root_to_come: FloatArray
    unknown_so_far: FloatArray  # Σ Φ(age − tᵢ)
    unknown_to_come: FloatArray
    final: FloatArray
    fold: FloatArray


def sums(cascades: list[Cascade], age: float, params: SeismicParams) -> Sums:
    rows = []
    for cascade in scored(cascades, age):
        seen = cascade.delays[cascade.delays <= age]
        root = float(kernel_cdf(np.array([age]), params)[0])
        cdf = kernel_cdf(age - seen, params)
        rows.append(
            (len(seen), cascade.root_followers * root, cascade.root_followers * (1 - root), cdf.sum(),
             (1 - cdf).sum(), cascade.final, cascade.fold)
        )  # fmt: skip
    table = np.array(rows, dtype=float)
    return Sums(*(table[:, column] for column in range(7)))


def fast_predict(s: Sums, prior: float, n_star: float, alpha: float) -> FloatArray:
    """`estimate(...).predicted` for cascades whose reposters' counts are all unknown, vectorised."""
    p = s.reposts / (s.root_so_far + prior * s.unknown_so_far)
    branching = p * n_star
    future = alpha * p * (s.root_to_come + prior * s.unknown_to_come) / np.maximum(1.0 - branching, 1e-12)
    result: FloatArray = np.where(branching < 1.0, s.reposts + future, math.inf)
    return result


def median_error(pred: FloatArray, final: FloatArray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.median(np.where(np.isfinite(pred), np.abs(np.log(pred / final)), math.inf)))


PRIORS = (30.0, 100.0, 300.0, 1000.0, 3000.0, 10000.0, 30000.0, 100000.0)
N_STARS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0)
ALPHAS = tuple(float(a) for a in np.exp(np.linspace(-2.0, 3.0, 51)))


def fit(table: dict[float, Sums], train: Callable[[Sums], np.ndarray]) -> tuple[float, float, dict[float, float]]:
    """(prior, n*, α per age) minimising the mean over ages of the median |ln(pred/final)| on `train` rows."""
    best: tuple[float, float, float, dict[float, float]] | None = None
    for prior, n_star in itertools.product(PRIORS, N_STARS):
        alphas, total = {}, 0.0
        for age, s in table.items():
            rows = train(s)
            sub = Sums(*(getattr(s, name)[rows] for name in Sums.__dataclass_fields__))
            error, alpha = min((median_error(fast_predict(sub, prior, n_star, a), sub.final), a) for a in ALPHAS)
            alphas[age], total = alpha, total + error
        if best is None or total < best[0]:
            best = (total, prior, n_star, alphas)
    assert best is not None
    return best[1], best[2], best[3]


def run_fit(cascades: list[Cascade]) -> None:
    params = SeismicParams()
    table = {age: sums(cascades, age, params) for age in AGES}
    print("cross-validated fit (unknown follower prior, unknown n*, α per age); kernel: the paper's")
    print(f"{'fold':<6}{'prior':>7}{'n*':>6}  " + "".join(f"{f'{round(a / 60)}m α/err':>18}" for a in AGES))
    out_of_fold: dict[float, list[tuple[float, float]]] = {age: [] for age in AGES}
    for fold in range(FOLDS):
        prior, n_star, alphas = fit(table, lambda s, k=fold: s.fold != k)  # type: ignore[misc]
        cells = []
        for age, s in table.items():
            rows = s.fold == fold
            pred = fast_predict(Sums(*(getattr(s, n)[rows] for n in Sums.__dataclass_fields__)), prior, n_star,
                                alphas[age])  # fmt: skip
            out_of_fold[age] += list(zip(pred, s.final[rows], strict=True))
            cells.append(f"{alphas[age]:.2f}/{median_error(pred, s.final[rows]):.3f}")
        print(f"{fold:<6}{prior:>7.0f}{n_star:>6.0f}  " + "".join(f"{cell:>18}" for cell in cells))
    print("out-of-fold median |ln(pred/final)|: " + ", ".join(
        f"{round(a / 60)} min {median_error(*map(np.array, zip(*out_of_fold[a], strict=True))):.3f}" for a in AGES
    ))  # fmt: skip
    prior, n_star, alphas = fit(table, lambda s: np.ones(len(s.final), dtype=bool))
    print(f"fitted on all of dev: unknown_followers={prior:g}, unknown_n_star={n_star:g}, unknown_alpha_by_age="
          + repr(tuple((age, round(alpha, 2)) for age, alpha in alphas.items())))  # fmt: skip
    # kernel check: the reaction delays (repost − the post it came through) by maximum likelihood
    print("kernel check on the fitted constants, median |ln(pred/final)| by kernel (θ, s0):")
    for theta, s0 in ((0.2314843, 300.0), (0.35, 900.0), (0.5, 1800.0), (0.8, 3600.0)):
        kernel = replace(params, theta=theta, s0=s0)
        line = []
        for age in AGES:
            s = sums(cascades, age, kernel)
            line.append(min(median_error(fast_predict(s, prior, n_star, a), s.final) for a in ALPHAS))
        print(f"  θ={theta:.3f} s0={s0:>5.0f}: " + ", ".join(f"{e:.3f}" for e in line) + " (α refitted per age)")


# --- 2. replay through detection --------------------------------------------------------------------------------


def replay_posts(cascades: list[Cascade], starts: list[float], unknown: bool) -> Iterator[Post]:
    sentiment, complaint = Sentiment("negative", 0.9), Complaint(True, 0.9, 1, "service")
    for cascade, start in zip(cascades, starts, strict=True):
        t0 = REPLAY_START + timedelta(seconds=start)
        root_id = f"weibo:{cascade.cascade_id}"
        root_author = Author(f"root-{cascade.cascade_id}", "发帖人", int(cascade.root_followers))
        yield Post(root_id, f"{BRAND}的投诉", t0, "weibo", author=root_author, brand=BRAND,
                   sentiment=sentiment, complaint=complaint)  # fmt: skip
        reposter = Author("reposter", "转发者", None if unknown else 0)
        for number, delay in enumerate(cascade.delays[cascade.delays <= KEEP_S]):
            yield Post(f"{root_id}-{number}", "转发微博", t0 + timedelta(seconds=float(delay)), "weibo",
                       author=reposter, repost_of=root_id, brand=BRAND, sentiment=sentiment,
                       complaint=complaint)  # fmt: skip


@dataclass(frozen=True)
class ReplayScore:
    big: int
    big_early: int  # paged before 10 % of the final size
    small: int
    small_paged: int
    small_p1: int
    paged: int
    first_page_error: float
    seconds: float

    def lines(self) -> list[str]:
        return [
            f"reached 500 in 24 h: {self.big_early}/{self.big} paged before 10 % of final "
            f"({self.big_early / max(self.big, 1):.1%}, goal >= 95 %)",
            f"ended under 150: {self.small_paged}/{self.small} paged ({self.small_paged / max(self.small, 1):.1%}, "
            f"goal <= 10 %), {self.small_p1} at P1",
            f"median |ln(pred/final)| at the first page: {self.first_page_error:.3f} over {self.paged} paged "
            "(goal <= 0.4)",
        ]


def replay(cascades: list[Cascade], unknown: bool) -> ReplayScore:
    rng = random.Random(0)
    starts = [rng.uniform(0.0, FORTNIGHT) for _ in cascades]
    watchlist = Watchlist(brands=[BrandConfig(name=BRAND)])
    began = time.perf_counter()
    result = run_backtest(replay_posts(cascades, starts, unknown), watchlist, language="zh")
    seconds = time.perf_counter() - began
    first: dict[str, dict[str, object]] = {}
    for note in result.notifications:
        root = str(note.get("root_id") or "")
        if note["kind"] == "cascade" and root not in first:
            first[root] = note
    big = big_early = small = small_paged = small_p1 = 0
    page_errors = []
    for cascade, start in zip(cascades, starts, strict=True):
        note = first.get(f"weibo:{cascade.cascade_id}")
        if cascade.final < 150:
            small += 1
            small_paged += note is not None
            small_p1 += note is not None and note["priority"] == "P1"
        at_page = math.inf
        if note is not None:
            opened = datetime.fromisoformat(str(note["opened_at"])).timestamp()
            age = opened - (REPLAY_START.timestamp() + start)
            at_page = float(np.searchsorted(cascade.delays, age, side="right"))
            predicted = note.get("predicted_reposts")
            page_errors.append(abs(math.log(float(predicted) / cascade.final)) if predicted else math.inf)  # type: ignore[arg-type]
        if np.searchsorted(cascade.delays, 86400.0, side="right") >= 500:
            big += 1
            big_early += at_page < 0.1 * cascade.final
    error = float(np.median(page_errors)) if page_errors else math.nan
    return ReplayScore(big, big_early, small, small_paged, small_p1, len(first), error, seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fit", action="store_true", help="cross-validated fit of the unknown-follower constants")
    parser.add_argument("--quick", action="store_true", help="one cascade in four")
    parser.add_argument("--no-replay", action="store_true", help="prediction table only")
    args = parser.parse_args(argv)
    cascades = load(every=4 if args.quick else 1)
    command = "python benchmarks/real_cascades.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print(f"{command.strip()}  ({len(cascades)} CED dev cascades, {datetime.now(UTC):%Y-%m-%d})")
    if args.fit:
        run_fit(cascades)
        return 0
    prediction_table(
        cascades,
        {"shipped (unknown = prior)": shipped(SeismicParams()), "plain SEISMIC (unknown = 0)": plain_seismic,
         "final = 2 x current": doubling},
    )  # fmt: skip
    if args.no_replay:
        return 0
    for unknown, name in ((False, "follower counts read as 0 (before)"), (True, "follower counts unknown (now)")):
        score = replay(cascades, unknown)
        print(f"\nreplay over a fortnight, {name}: {score.seconds:.0f} s")
        for line in score.lines():
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
