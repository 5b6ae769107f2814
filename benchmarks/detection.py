"""Detection benchmark: yuqing's detectors vs ElastAlert- and Kibana-style rules on simulated worlds.

Protocol of spread-detection.md §8: worlds of 14 days (2 warm-up), one brand each, crisis classes big-account
cascades, organic cascades and outage surges; every detector swept over a threshold grid; at the same
false-alarm budget (≤ 0.5 false alerts per brand per week) report recall per class, median delay, cascade
size at alert (% of its 24-h size) and false alerts per week. Our detectors run through the production
classes (`CascadeDetector`, `SurgeDetector`, `IncidentManager`) fed minute by minute; a page is an incident
"opened" or "updated" notification. The "misspecified" worlds are the held-out check: besides each
detector's best setting per scenario, every scenario reports our A1 + A2 exactly as `DetectionConfig()` ships
them, and the targets are checked on that row, so the same defaults must hold in every scenario. The worlds
that stress the surge test (over-dispersed and self-exciting backgrounds, back-to-back and night-time surges,
`benchmarks/simulate.py`) are reported the same way.

    .venv/bin/python benchmarks/detection.py            # 12 worlds per scenario, every scenario
    .venv/bin/python benchmarks/detection.py --quick    # 4 worlds per scenario
    .venv/bin/python benchmarks/detection.py --scenarios hawkes_exp,night --first-seed 100 --cascade-grid shipped
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from simulate import CATEGORIES, DAY, SCENARIOS, World, make_world

from pipeline.detect.cascade import CascadeDetector, CascadeRules
from pipeline.detect.engine import DetectionConfig
from pipeline.detect.incidents import IncidentBook, IncidentManager, IncidentRules
from pipeline.detect.surge import SurgeDetector, SurgeRules
from pipeline.models import SHANGHAI
from pipeline.store.memory import InMemoryRecords

BASE = datetime(2026, 1, 5, tzinfo=SHANGHAI).timestamp()  # a Monday, 00:00 Asia/Shanghai
CLASSES = ("bigv", "organic", "surge")
BUDGET = 0.5


@dataclass(frozen=True)
class Alert:
    t: float  # seconds since the world's start
    kind: str | None = None  # "cascade" / "surge" for ours, None for global rules
    root: int | None = None  # cascade index for per-root detectors


@dataclass
class Score:
    hits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CLASSES, 0))
    delays: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in CLASSES})
    size_share: dict[str, list[float]] = field(default_factory=lambda: {c: [] for c in CLASSES})
    false_alerts: int = 0
    days: int = 0

    def add(self, other: Score) -> None:
        for c in CLASSES:
            self.hits[c] += other.hits[c]
            self.totals[c] += other.totals[c]
            self.delays[c] += other.delays[c]
            self.size_share[c] += other.size_share[c]
        self.false_alerts += other.false_alerts
        self.days += other.days

    def recall(self, c: str) -> float:
        return self.hits[c] / self.totals[c] if self.totals[c] else float("nan")

    def fa_week(self) -> float:
        return self.false_alerts / self.days * 7 if self.days else float("nan")

    def median_delay(self, c: str) -> float:
        return statistics.median(self.delays[c]) / 60 if self.delays[c] else float("nan")

    def median_share(self, c: str) -> float:
        return statistics.median(self.size_share[c]) * 100 if self.size_share[c] else float("nan")


def score(world: World, alerts: Iterable[Alert]) -> Score:
    """Per-root alerts hit only their own root; global alerts hit every crisis whose window holds them."""
    result = Score(days=world.evaluated_days)
    for crisis in world.crises:
        result.totals[crisis.kind] += 1
    first: dict[int, float] = {}
    lo, hi = world.warmup_days * DAY, world.days * DAY
    gray_roots = {root for _, _, root in world.gray}
    for alert in alerts:
        if not lo <= alert.t < hi:
            continue
        used = False
        for index, crisis in enumerate(world.crises):
            inside = crisis.start <= alert.t <= crisis.end
            if alert.root is not None:
                match = crisis.root == alert.root and inside
            elif alert.kind == "surge":
                match = crisis.kind == "surge" and inside
                used = used or inside
            else:
                match = inside
            if match:
                used = True
                first[index] = min(first.get(index, alert.t), alert.t)
        if alert.root is not None:
            used = used or alert.root in gray_roots
        else:
            used = used or any(start <= alert.t <= end for start, end, _ in world.gray)
        if not used:
            result.false_alerts += 1
    for index, t in first.items():
        crisis = world.crises[index]
        result.hits[crisis.kind] += 1
        result.delays[crisis.kind].append(t - crisis.start)
        if crisis.root is not None:
            cascade = world.cascades[crisis.root]
            seen = int(np.searchsorted(cascade.times, t, side="right"))
            result.size_share[crisis.kind].append(seen / crisis.size24)
    return result


# --- baselines, on per-minute counts of all mentions, exactly as the rules behave -------------------------


def elastalert_spike(
    counts: np.ndarray, threshold_cur: int, spike_height: float = 3.0, timeframe: int = 60
) -> list[Alert]:
    """`spike` (up): cur = last timeframe, ref = the timeframe before; threshold_ref 0; no check before
    2 × timeframe after the first event; after a match both windows clear and checks pause 2 × timeframe."""
    cumulative = np.concatenate(([0], np.cumsum(counts)))
    first_event = int(np.argmax(counts > 0))
    alerts, resume = [], first_event + 2 * timeframe
    for minute in range(resume, len(counts)):
        if minute < resume:
            continue
        cur = cumulative[minute + 1] - cumulative[minute + 1 - timeframe]
        ref = cumulative[minute + 1 - timeframe] - cumulative[minute + 1 - 2 * timeframe]
        if cur >= threshold_cur and cur >= ref * spike_height:
            alerts.append(Alert((minute + 1) * 60.0))
            resume = minute + 2 * timeframe
    return alerts


def elastalert_frequency(counts: np.ndarray, num_events: int, timeframe: int = 60, realert: int = 30) -> list[Alert]:
    """`frequency`: ≥ num_events within timeframe; the window empties after a match; `realert` silences."""
    cumulative = np.concatenate(([0], np.cumsum(counts)))
    alerts, cleared, last_alert = [], -1, -(10**9)
    for minute in range(len(counts)):
        start = max(minute + 1 - timeframe, cleared + 1)
        if cumulative[minute + 1] - cumulative[start] >= num_events:
            cleared = minute
            if minute - last_alert >= realert:
                alerts.append(Alert((minute + 1) * 60.0))
                last_alert = minute
    return alerts


def kibana_threshold(counts: np.ndarray, threshold: int, window: int = 15) -> list[Alert]:
    """ES-query rule: count in the last 15 min > T, checked every minute, notify on status change only."""
    cumulative = np.concatenate(([0], np.cumsum(counts)))
    alerts, matching = [], False
    for minute in range(window, len(counts)):
        now = cumulative[minute + 1] - cumulative[minute + 1 - window] > threshold
        if now and not matching:
            alerts.append(Alert((minute + 1) * 60.0))
        matching = now
    return alerts


def elastalert_frequency_per_root(world: World, num_events: int, timeframe: float = 3600.0) -> list[Alert]:
    """`frequency` with query_key = root id, scored as in §8.1: the first time one cascade collects
    `num_events` reposts within a sliding window (its later re-alerts are not counted against it)."""
    alerts = []
    for index, cascade in enumerate(world.cascades):
        times = cascade.times
        if len(times) < num_events:
            continue
        cleared, last_alert, lo = -np.inf, -np.inf, 0
        for i, t in enumerate(times):
            while lo <= i and (times[lo] <= cleared or times[lo] <= t - timeframe):
                lo += 1
            if i - lo + 1 >= num_events:
                cleared = t
                alert_t = (t // 60 + 1) * 60.0  # rules run every minute
                if alert_t - last_alert >= 60:
                    alerts.append(Alert(alert_t, root=index))
                    last_alert = alert_t
                break
    return alerts


# --- ours: the production detector classes, fed minute by minute -----------------------------------------


def _tick_loop(world: World, feed: Callable[[float], None], check: Callable[[datetime], list[Alert]]) -> list[Alert]:
    alerts: list[Alert] = []
    for minute in range(1, world.days * 1440 + 1):
        t = minute * 60.0
        feed(t)
        alerts += check(datetime.fromtimestamp(BASE + t, tz=SHANGHAI))
    return alerts


def _pages(notifications: list[dict[str, object]], t: float) -> list[Alert]:
    alerts = []
    for note in notifications:
        if note["event"] not in ("opened", "updated"):
            continue
        root = note.get("root_id")
        alerts.append(Alert(t, str(note["kind"]), int(str(root)) if root is not None else None))
    return alerts


def ours_cascade(world: World, rules: CascadeRules, incident_rules: IncidentRules) -> list[Alert]:
    detector = CascadeDetector(rules)
    manager = IncidentManager(IncidentBook(InMemoryRecords()), incident_rules)
    events = sorted(
        [(c.t0, -1, i, c.root_followers) for i, c in enumerate(world.cascades)]
        + [
            (float(t), 1, i, float(n))
            for i, c in enumerate(world.cascades)
            for t, n in zip(c.times, c.followers, strict=False)
        ]
    )
    position = 0

    def feed(t: float) -> None:
        nonlocal position
        while position < len(events) and events[position][0] < t:
            at, kind, index, followers = events[position]
            if kind < 0:
                detector.observe_root(str(index), "brand", BASE + at, followers, negative=True)
            else:
                detector.observe_repost(str(index), BASE + at, followers)
            position += 1

    def check(now: datetime) -> list[Alert]:
        result = detector.check(now)
        return _pages(manager.process(result.hits, result.active, now), now.timestamp() - BASE)

    return _tick_loop(world, feed, check)


def ours_surge(world: World, rules: SurgeRules, incident_rules: IncidentRules) -> list[Alert]:
    detector = SurgeDetector(rules)
    manager = IncidentManager(IncidentBook(InMemoryRecords()), incident_rules)
    order = np.argsort(world.original_t, kind="stable")
    position = 0

    def feed(t: float) -> None:
        nonlocal position
        while position < len(order) and world.original_t[order[position]] < t:
            index = order[position]
            detector.observe(
                "brand",
                BASE + float(world.original_t[index]),
                negative=True,
                author=f"a{world.original_author[index]}",
                category=CATEGORIES[world.original_category[index]],
            )
            position += 1

    def check(now: datetime) -> list[Alert]:
        result = detector.check(now)
        return _pages(manager.process(result.hits, result.active, now), now.timestamp() - BASE)

    return _tick_loop(world, feed, check)


Rule = Callable[[World, np.ndarray], list[Alert]]


def _on_counts(rule: Callable[[np.ndarray, int], list[Alert]], setting: int) -> Rule:
    return lambda _world, counts: rule(counts, setting)


def _per_root(setting: int) -> Rule:
    return lambda world, _counts: elastalert_frequency_per_root(world, setting)


PRODUCTION = DetectionConfig()  # exactly what ships; every other parameter of the sweeps is left at it
# Predicted 24-h size that pages, and the tail probability that pages; the shipped values are always swept.
CASCADE_GRID = tuple(sorted({200.0, 300.0, 500.0, 1000.0, PRODUCTION.cascade.predicted_threshold}))
SURGE_GRID = tuple(sorted({1e-5, 1e-6, 1e-8, PRODUCTION.surge.alpha}, reverse=True))
PRODUCTION_NAME = "yuqing production defaults (as shipped)"


def cascade_label(value: float) -> str:
    return f"R̂ ≥ {value:.0f}"


def surge_label(value: float) -> str:
    return f"α {value:.0e}"


def _ours_job(job: tuple[str, float, int, str]) -> list[Alert]:
    """One production-code run on one world (in a worker process; the world is rebuilt from its seed)."""
    which, value, seed, scenario = job
    world = make_world(seed, scenario)  # type: ignore[arg-type]
    if which == "cascade":
        return ours_cascade(world, replace(PRODUCTION.cascade, predicted_threshold=value), PRODUCTION.incidents)
    return ours_surge(world, replace(PRODUCTION.surge, alpha=value), PRODUCTION.incidents)


# --- sweep, selection, report ------------------------------------------------------------------------------


def total(world_alerts: list[tuple[World, list[Alert]]]) -> Score:
    overall = Score()
    for world, alerts in world_alerts:
        overall.add(score(world, alerts))
    return overall


def select(candidates: dict[str, Score], budget: float = BUDGET) -> tuple[str, Score] | None:
    """Highest sum of recalls within the budget; ties → smallest median delays (organic + surge)."""
    within = [(name, s) for name, s in candidates.items() if s.fa_week() <= budget]
    if not within:
        return None

    def key(item: tuple[str, Score]) -> tuple[float, float]:
        s = item[1]
        recall = sum(0 if np.isnan(s.recall(c)) else s.recall(c) for c in CLASSES)
        delay = sum(0 if np.isnan(s.median_delay(c)) else s.median_delay(c) for c in ("organic", "surge"))
        return (-recall, delay)

    return min(within, key=key)


def row(name: str, setting: str, s: Score) -> str:
    def cell(c: str) -> str:
        if not s.totals[c]:
            return "–"
        if not s.hits[c]:
            return f"{s.recall(c):.2f} / –"
        text = f"{s.recall(c):.2f} / {s.median_delay(c):.0f} min"
        if c != "surge" and s.size_share[c]:
            text += f" · {s.median_share(c):.1f} %"
        return text

    return f"| {name} ({setting}) | {s.fa_week():.2f} | {cell('bigv')} | {cell('organic')} | {cell('surge')} |"


def run(
    seeds: range,
    scenario: str,
    progress: Callable[[str], None],
    workers: int = 2,
    cascade_grid: tuple[float, ...] = CASCADE_GRID,
) -> tuple[list[str], dict[str, tuple[str, Score]]]:
    worlds = {seed: make_world(seed, scenario) for seed in seeds}  # type: ignore[arg-type]
    counts = {c: sum(1 for w in worlds.values() for x in w.crises if x.kind == c) for c in CLASSES}
    progress(f"{scenario}: {len(seeds)} worlds, crises {counts}")
    all_counts = [w.minute_counts() for w in worlds.values()]
    best: dict[str, tuple[str, Score]] = {}
    families: dict[str, dict[str, list[tuple[World, list[Alert]]]]] = {}

    def family(name: str, settings: Iterable[tuple[str, Rule]]) -> None:
        families[name] = {
            label: [(w, make(w, c)) for w, c in zip(worlds.values(), all_counts, strict=False)]
            for label, make in settings
        }

    family(
        "ElastAlert spike",
        [(f"threshold_cur {n}", _on_counts(elastalert_spike, n)) for n in (40, 60, 80, 120, 160, 220, 300, 420)],
    )
    family(
        "ElastAlert frequency, global",
        [(f"≥ {n}/h", _on_counts(elastalert_frequency, n)) for n in (40, 60, 90, 130, 180, 250, 330)],
    )
    family(
        "Kibana ES-query threshold",
        [(f"> {n}/15 min", _on_counts(kibana_threshold, n)) for n in (15, 25, 40, 60, 90, 130)],
    )
    family(
        "ElastAlert frequency per root",
        [(f"≥ {n}/h", _per_root(n)) for n in (20, 30, 50, 75, 100, 150, 200, 300)],
    )
    progress(f"{scenario}: baselines done")
    spike, per_root = families["ElastAlert spike"], families["ElastAlert frequency per root"]
    families["ElastAlert spike OR frequency per root"] = {
        f"{a}; {b}": [(w, x + y) for (w, x), (_, y) in zip(spike[a], per_root[b], strict=False)]
        for a, b in itertools.product(spike, per_root)
    }

    cascade_runs: dict[str, list[tuple[World, list[Alert]]]] = {}
    surge_runs: dict[str, list[tuple[World, list[Alert]]]] = {}
    jobs = [("cascade", float(n), seed, scenario) for n in cascade_grid for seed in seeds]
    jobs += [("surge", alpha, seed, scenario) for alpha in SURGE_GRID for seed in seeds]
    started = time.monotonic()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = pool.map(_ours_job, jobs)
    for (which, value, seed, _), alerts in zip(jobs, results, strict=False):
        if which == "cascade":
            cascade_runs.setdefault(cascade_label(value), []).append((worlds[seed], alerts))
        else:
            surge_runs.setdefault(surge_label(value), []).append((worlds[seed], alerts))
    progress(f"{scenario}: our detectors, {len(jobs)} runs in {time.monotonic() - started:.0f} s")
    families["yuqing A1 cascade (SEISMIC + velocity)"] = cascade_runs
    families["yuqing A2 surge (seasonal, originals)"] = surge_runs
    families["yuqing A1 + A2"] = {
        f"{a}; {b}": [(w, x + y) for (w, x), (_, y) in zip(cascade_runs[a], surge_runs[b], strict=False)]
        for a, b in itertools.product(cascade_runs, surge_runs)
    }
    # The held-out check: A1 + A2 exactly as `DetectionConfig()` ships, whatever its false-alert rate here.
    shipped = f"{cascade_label(PRODUCTION.cascade.predicted_threshold)}; {surge_label(PRODUCTION.surge.alpha)}"
    production = total(families["yuqing A1 + A2"][shipped])
    best[PRODUCTION_NAME] = (shipped, production)
    cascade_false = total(cascade_runs[cascade_label(PRODUCTION.cascade.predicted_threshold)]).false_alerts
    surge_false = total(surge_runs[surge_label(PRODUCTION.surge.alpha)]).false_alerts
    sizes = sorted(
        world.cascades[alert.root].size_within(DAY)
        for world, alerts in cascade_runs[cascade_label(PRODUCTION.cascade.predicted_threshold)]
        for alert in alerts
        if alert.root is not None and score(world, [alert]).false_alerts
    )
    anatomy = (
        f"False alerts of the production defaults: cascade pages {cascade_false}"
        + (f" (24-h sizes of those cascades: {', '.join(map(str, sizes))})" if sizes else "")
        + f", surge pages {surge_false}."
    )

    lines = [
        f"**{scenario} scenario** — {len(seeds)} worlds (seeds {seeds.start}–{seeds.stop - 1}) × "
        f"{worlds[seeds.start].evaluated_days} evaluated days; crises: "
        f"{counts['bigv']} big-account, {counts['organic']} organic, {counts['surge']} surge.",
        "",
        "| detector (best setting at ≤ 0.5 FA/week) | FA/week | big-account cascades | organic cascades | surges |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, settings in families.items():
        scores = {label: total(runs) for label, runs in settings.items()}
        chosen = select(scores)
        if chosen is None:
            lowest = min(s.fa_week() for s in scores.values())
            lines.append(f"| {name} | ≥ {lowest:.2f} at every setting | | | |")
            continue
        best[name] = chosen
        lines.append(row(name, chosen[0], chosen[1]))
    lines.append(row(f"**{PRODUCTION_NAME}**", shipped, production))
    lines += ["", anatomy]
    return lines, best


def verdict(best: dict[str, tuple[str, Score]]) -> list[str]:
    """The targets (issue 19, tighter than spread-detection.md §8.5), checked on the production defaults (not on
    a per-scenario pick)."""
    shipped, s = best[PRODUCTION_NAME]
    checks = [
        (f"false alerts ≤ {BUDGET} per week: {s.fa_week():.2f}", s.fa_week() <= BUDGET),
        (
            f"recall ≥ 0.95 per class: {', '.join(f'{c} {s.recall(c):.2f}' for c in CLASSES)}",
            all(s.recall(c) >= 0.95 for c in CLASSES if s.totals[c]),
        ),
        (
            f"surge median delay ≤ 20 min: {s.median_delay('surge'):.0f} min",
            not s.totals["surge"] or s.median_delay("surge") <= 20,
        ),
        (
            f"big-account recall 1.00, median delay ≤ 2 min: {s.recall('bigv'):.2f}, {s.median_delay('bigv'):.0f} min",
            not s.totals["bigv"] or (s.recall("bigv") == 1.0 and s.median_delay("bigv") <= 2),
        ),
        (
            f"organic size at alert ≤ 3 %: {s.median_share('organic'):.1f} %",
            not s.totals["organic"] or s.median_share("organic") <= 3,
        ),
    ]
    elastalert = [name for name in best if name.startswith("ElastAlert")]
    worse = []
    for name in elastalert:
        other = best[name][1]
        if any(other.recall(c) < s.recall(c) for c in CLASSES if s.totals[c]):
            worse.append(name)
    checks.append(
        (
            f"every ElastAlert-style rule (best setting) worse on at least one class: {len(worse)}/{len(elastalert)}",
            len(worse) == len(elastalert),
        )
    )
    lines = [f"Production defaults ({shipped}):"]
    lines += [f"- {'met' if ok else 'NOT met'}: {text}" for text, ok in checks]
    every = all(ok for _, ok in checks)
    summary = "every target met" if every else "NOT every target met"
    lines.append(f"- **{summary} with the production defaults in this scenario**")
    tuned = best.get("yuqing A1 + A2")
    if tuned is not None:
        lines.append(f"- best A1 + A2 setting of the sweep here (for reference only): {tuned[0]}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 worlds per scenario instead of 12")
    parser.add_argument("--seeds", type=int)
    parser.add_argument("--workers", type=int, default=2, help="processes for our detectors' runs")
    parser.add_argument("--write", type=Path, help="replace the Detection section of this markdown file")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated worlds to run")
    parser.add_argument("--first-seed", type=int, default=0, help="report seeds from here (develop on others)")
    parser.add_argument(
        "--cascade-grid",
        choices=("full", "shipped"),
        default="full",
        help="sweep A1's threshold, or run it only as shipped (the surge sweep is always run)",
    )
    args = parser.parse_args(argv)
    count = args.seeds or (4 if args.quick else 12)
    seeds = range(args.first_seed, args.first_seed + count)
    scenarios = args.scenarios.split(",")
    grid = CASCADE_GRID if args.cascade_grid == "full" else (PRODUCTION.cascade.predicted_threshold,)
    started = time.monotonic()
    command = " ".join([".venv/bin/python benchmarks/detection.py", *(argv if argv is not None else sys.argv[1:])])

    def progress(text: str) -> None:
        print(f"[{time.monotonic() - started:5.0f} s] {text}", file=sys.stderr, flush=True)

    output: list[str] = []
    summary = [
        "| world | FA/week | surges: recall / median delay | organic: recall / size at page | "
        "big-account: recall / delay | every target |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for scenario in scenarios:
        lines, best = run(seeds, scenario, progress, args.workers, grid)
        judged = verdict(best)
        output += [*lines, "", *judged, ""]
        s = best[PRODUCTION_NAME][1]
        summary.append(
            f"| {scenario} | {s.fa_week():.2f} | {s.recall('surge'):.2f} / {s.median_delay('surge'):.0f} min | "
            f"{s.recall('organic'):.2f} / {s.median_share('organic'):.1f} % | "
            f"{s.recall('bigv'):.2f} / {s.median_delay('bigv'):.0f} min | "
            f"{'met' if any(line.startswith('- **every target met') for line in judged) else 'NOT met'} |"
        )
    output += ["Production defaults in every world:", "", *summary, ""]
    output.append(
        f"Command: `{command}` ({time.monotonic() - started:.0f} s on {os.cpu_count()} cores, "
        f"{datetime.now(SHANGHAI):%Y-%m-%d})."
    )
    text = "\n".join(output)
    print(text)
    if args.write:
        write_section(args.write, text)
    return 0


PREAMBLE = """\
Simulated worlds as in `spread-detection.md` §8.1 (`benchmarks/simulate.py`): 14 days per world, the first 2
warm-up; one brand; diurnal Poisson background of original negative posts (12/h × d(h)), each with a small
Hawkes cascade (SEISMIC kernel, lognormal follower marks, median 200, σ = 2); big-account posts (0.2/day,
10^5–10^7 followers), organic complaints (6/day, mean-supercritical but mostly fizzling) and outage surges
(0.15/day, ×4–10 original rate for 1–4 h, 30-min ramp; complaints carry the surge's category 80 % of the
time). A cascade with ≥ 1,000 reposts in 24 h is a crisis, 200–999 a gray zone. The *misspecified* worlds
(exponential 20-min delays, sub-linear follower effect, organic r ~ U(0.8, 1.05)) are the held-out check:
a model the detectors do not assume. Five more worlds stress the surge test, each on the main cascade model:
*overdispersed* (background rate × a gamma factor, mean 1, shape 3, redrawn every 30 min), *hawkes_exp* and
*hawkes_power* (complaints beget complaints from other authors, branching ratio 0.5, exponential 10-min or
Lomax power-law delays; immigrant rates halved so that volumes match), *back_to_back* (every surge followed by
one or two more, 2.5–6 h apart) and *night* (surges start between 00:00 and 05:00).

Scoring: an alert in a crisis window hits it (first alert → delay from the root post / surge start; size at
alert = reposts seen / 24-h size). Alerts inside any crisis or gray window are "used", all others are false
alerts (FA/week per brand). Baselines (ElastAlert `spike`, `frequency`, `frequency` per root, Kibana
threshold) are implemented with their documented semantics on per-minute counts of all mentions; their global
alerts hit any crisis whose window holds them. Ours are scored more strictly: a cascade page only counts for
its own root, a surge page only for a surge. Our detectors run through the production classes
(`CascadeDetector`, `SurgeDetector`, `IncidentManager`) minute by minute; every "opened" and "updated"
notification counts as a page. Each detector's setting is the one with the highest summed recall at
≤ 0.5 FA/week (ties: shortest organic + surge delays). The last row of each table is our A1 + A2 exactly as
`DetectionConfig()` ships, whatever its false-alert rate, and the met / NOT met lines check the targets of
`spread-detection.md` §8.5 on that row: the same defaults have to hold in both scenarios, the misspecified one
being the held-out check (the defaults are tuned on the main scenario only).

Tuned defaults (`pipeline.detect.engine.DetectionConfig`):

| part | default |
| --- | --- |
| SEISMIC (`SeismicParams`) | θ = 0.2315, s0 = 300 s, n* = 300, α = γ = 1, follower cap 5·10^7; the lower bound of the predicted size uses the 97.5 % lower bound of p̂ and counts only the reactions still owed to posts at most 1 h old (what older posts owe rests on the kernel's heavy tail) |
| A1 cascade (`CascadeRules`) | from the 10th repost, every 2 min, until 24 h; page when that lower bound of the predicted size ≥ 230 (≥ 100 once an account with ≥ 1 M followers is in the cascade), or the lower bound of p̂·n* ≥ 1, or ≥ 100 reposts in 60 min |
| A2 surge (`SurgeRules`) | 5-min buckets, 15-min window; baseline = median over 7 days of the slot ±2 (mean when 0) × EWMA level (1-day half-life; buckets of paged windows left out); dispersion = decayed mean (3-day half-life) of squared Pearson residuals of 5-min buckets, winsorised at 5σ; Poisson tail, negative binomial when that dispersion > 1.5; α = 10⁻⁸, ≥ 5 posts from ≥ 4 authors, the same tail for distinct authors; silent before 2 days of history; negative share over 60 min, binomial α = 10⁻⁶, ≥ 8 negatives and ≥ 2× the usual share |
| A3 incidents (`IncidentRules`) | re-page on ×3 growth or a priority rise; resolve after 2 h below the quiet level (< 10 reposts/h, or ≤ μ + 2σ); ≤ 4 state changes per incident per hour |

The detection cycle of the monitor (and so the spread-tracker DAG) takes overrides of the main knobs from the
environment (`pipeline.config.DetectionSettings`): `YUQING_DETECTION__PREDICTED_THRESHOLD`,
`__BIG_ACCOUNT_PREDICTED_THRESHOLD`, `__VELOCITY_THRESHOLD`, `__LOWER_BOUND_MAX_AGE_S`, `__N_STAR`,
`__SURGE_ALPHA`; unset ones keep the defaults above, which are what this benchmark measures.

Crisis counts are small (tens per class): recall differences under ~10 points are noise.
"""  # noqa: E501 - markdown table rows


def write_section(path: Path, body: str) -> None:
    """Replace the body of the `## Detection` section, leaving every other section as it is."""
    content = path.read_text(encoding="utf-8")
    heading = "## Detection (`benchmarks/detection.py`)"
    start = content.index(heading) + len(heading)
    following = content.find("\n## ", start)
    end = following if following >= 0 else len(content)
    path.write_text(content[:start] + "\n\n" + PREAMBLE + "\n" + body.strip() + "\n" + content[end:], encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
