"""Crawl-to-page latency through the real Airflow processes, on the production schedules.

The end-to-end harness of tests/e2e (api-server, dag-processor and scheduler on LocalExecutor and SQLite, a
loopback Weibo, a webhook receiver) with the shipped schedules (`YUQING_SCHEDULES__*` left unset:
complaint_monitor every 3 minutes, spread_tracker every 5 minutes and whenever new posts are stored).
N brands are watched; each gets one food-safety crisis (a complaint with 110 reposts from the 25 minutes
before it shows, 20 more over the next 10), shown at a random moment of the run. For each crisis: the time
from when it first shows at the Weibo stage to when its page arrives at the webhook, and where that time
went, from the task instances in Airflow's metadata DB and the detect task's log:

- waiting for collect: until the collect task that first saw the crisis started (the slot of the schedule,
  and the pool queue: one collect talks to Weibo at a time);
- collect, enrich, store: each step from the end of the one before, so queueing counts to the step that waited;
- waiting for spread_tracker: from the store's end to the start of the detect_and_notify task that paged;
- detect_and_notify: to the log line of the incident's opening; delivery: from there to the webhook.

    .venv/bin/python benchmarks/crawl_to_page.py [--crises 8] [--minutes 30] [--seed 1] [--out FILE.json]

The run lasts `--minutes` plus up to `--settle` minutes (default 12) for the last pages, plus start-up.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: make `tests` importable

from tests.e2e.airflow_stack import AirflowStack, TaskRun, watchlist_yaml, yuqing_env
from tests.e2e.weibo_stage import Crisis, PageReceiver, WeiboStage, calm_posts, make_crisis

BRANDS = "蒙牛 伊利 君乐宝 飞鹤 农夫山泉 康师傅 元气森林 三只松鼠 蜜雪冰城 喜茶 海天 雀巢".split()
PAUSED = ("daily_briefing", "retrain_classifiers")
STEPS = (
    "waiting for collect",
    "collect",
    "enrich",
    "store",
    "waiting for spread_tracker",
    "detect_and_notify",
    "delivery",
)


@dataclass
class Measure:
    brand: str
    root_id: str
    appears_at: datetime
    first_shown: datetime | None
    paged_at: datetime | None
    steps: dict[str, float | None]

    @property
    def latency(self) -> float | None:
        return (self.paged_at - self.appears_at).total_seconds() if self.paged_at else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--crises", type=int, default=8, help=f"brands with one crisis each (≤ {len(BRANDS)})")
    parser.add_argument("--minutes", type=float, default=30.0, help="crises show at random over this many minutes")
    parser.add_argument("--settle", type=float, default=12.0, help="minutes to wait for pages after the last crisis")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="JSON report here (default: in the folder)")
    parser.add_argument("--folder", type=Path, default=None, help="AIRFLOW_HOME and store here (default: a temp dir)")
    args = parser.parse_args(argv)
    if not 1 <= args.crises <= len(BRANDS):
        parser.error(f"--crises must be between 1 and {len(BRANDS)}")
    folder = args.folder or Path(tempfile.mkdtemp(prefix="yuqing-crawl-to-page-"))
    folder.mkdir(parents=True, exist_ok=True)
    out = args.out or folder / "crawl_to_page.json"
    rng = random.Random(args.seed)
    brands = BRANDS[: args.crises]
    started = time.monotonic()

    stage, receiver = WeiboStage(), PageReceiver()
    stage.start()
    receiver.start()
    now = datetime.now(UTC)
    for number, brand in enumerate(brands):
        first = 5_242_000_000_000_000 + number * 100
        stage.add(calm_posts(brand, now, range(first, first + 4), rng))
    watchlist = folder / "watchlist.yaml"
    watchlist.write_text(watchlist_yaml(brands, receiver.url), encoding="utf-8")
    stack = AirflowStack(folder / "airflow", yuqing_env(folder / "data", watchlist, stage.url))
    stack.home.mkdir(exist_ok=True)
    try:
        stack.start(pause=PAUSED)
        up = datetime.now(UTC)
        _say(f"stack up after {time.monotonic() - started:.0f} s; {len(brands)} crises over {args.minutes:g} min")
        crises = []
        for number, brand in enumerate(brands):
            appears = up + timedelta(minutes=rng.uniform(0.5, args.minutes))
            crises.append(make_crisis(brand, appears, 5_242_100_000_000_000 + number * 10_000, rng))
            stage.add(crises[-1].posts)
        crises.sort(key=lambda crisis: crisis.appears_at)
        _wait_for_pages(stack, receiver, crises, max(c.appears_at for c in crises) + timedelta(minutes=args.settle))
        measures = [_measure(stack, stage, receiver, crisis, brands) for crisis in crises]
        report = _report(args, measures, stage, stack, time.monotonic() - started)
    finally:
        stack.stop()
        stage.stop()
        receiver.stop()
    print(_markdown(report, measures))
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\nJSON: {out}")
    return 0 if all(measure.paged_at for measure in measures) else 1


def _say(text: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {text}", file=sys.stderr, flush=True)


def _wait_for_pages(stack: AirflowStack, receiver: PageReceiver, crises: list[Crisis], until: datetime) -> None:
    waiting = {crisis.root_id for crisis in crises}
    while waiting and datetime.now(UTC) < until:
        stack.check_alive()
        for root_id in sorted(waiting):
            if receiver.pages_for(root_id):
                waiting.discard(root_id)
                _say(f"paged: {root_id} ({len(crises) - len(waiting)}/{len(crises)})")
        time.sleep(2)
    if waiting:
        _say(f"no page by {until:%H:%M:%S} for {sorted(waiting)}")


def _measure(
    stack: AirflowStack, stage: WeiboStage, receiver: PageReceiver, crisis: Crisis, brands: list[str]
) -> Measure:
    pages = receiver.pages_for(crisis.root_id)
    paged_at = min((page.at for page in pages), default=None)
    first_shown = stage.first_shown(crisis.root.mid)
    steps: dict[str, float | None] = dict.fromkeys(STEPS)
    if paged_at is None or first_shown is None:
        return Measure(crisis.brand, crisis.root_id, crisis.appears_at, first_shown, paged_at, steps)
    runs = stack.task_runs()
    collects = [r for r in _brand_tasks(runs, "collect", crisis.brand, brands) if r.start and r.start <= first_shown]
    collect = next((r for r in collects if first_shown <= (r.end or first_shown)), None)
    # enrich and store are mapped over collect's results: the same map index in the same run.
    enrich = _same_slot(runs, "enrich", collect) if collect else None
    store = _same_slot(runs, "store", collect) if collect else None
    detects = [r for r in runs if r.dag_id == "spread_tracker" and r.task_id == "detect_and_notify" and r.start]
    detect = next((r for r in detects if r.start and r.start <= paged_at <= (r.end or paged_at)), None)
    decided = _decision_time(stack, detect, crisis.root_id) if detect else None
    points = [
        ("waiting for collect", collect.start if collect else None),
        ("collect", collect.end if collect else None),
        ("enrich", enrich.end if enrich else None),
        ("store", store.end if store else None),
        ("waiting for spread_tracker", detect.start if detect else None),
        ("detect_and_notify", decided),
        ("delivery", paged_at),
    ]
    # Each step runs from the latest moment before it to its own end; steps of a run that overlap count 0.
    reached = crisis.appears_at
    for step, moment in points:
        if moment is None:
            continue
        steps[step] = max((moment - reached).total_seconds(), 0.0)
        reached = max(reached, moment)
    return Measure(crisis.brand, crisis.root_id, crisis.appears_at, first_shown, paged_at, steps)


def _brand_tasks(runs: list[TaskRun], task_id: str, brand: str, brands: list[str]) -> list[TaskRun]:
    """The complaint_monitor tasks of one brand: labelled with it, or at its place in the watchlist."""
    index = brands.index(brand)
    return [
        run
        for run in runs
        if run.dag_id == "complaint_monitor"
        and run.task_id == task_id
        and (run.label == brand or (run.label is None and run.map_index == index))
    ]


def _same_slot(runs: list[TaskRun], task_id: str, collect: TaskRun) -> TaskRun | None:
    return next(
        (r for r in runs if r.task_id == task_id and r.run_id == collect.run_id and r.map_index == collect.map_index),
        None,
    )


def _decision_time(stack: AirflowStack, detect: TaskRun, root_id: str) -> datetime | None:
    """When the detect task logged the opening of the crisis's incident ("incident ... opened (P1): ...")."""
    for line in stack.task_log(detect):
        event = str(line.get("event", ""))
        if event.startswith("incident ") and " opened (" in event and root_id in event and line.get("timestamp"):
            moment = datetime.fromisoformat(str(line["timestamp"]).replace("Z", "+00:00"))
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _report(
    args: argparse.Namespace, measures: list[Measure], stage: WeiboStage, stack: AirflowStack, wall_s: float
) -> dict[str, Any]:
    latencies = [m.latency for m in measures if m.latency is not None]
    summary: dict[str, Any] = {"paged": len(latencies), "crises": len(measures)}
    if latencies:
        summary.update(
            p50_s=round(_percentile(latencies, 0.5), 1),
            p95_s=round(_percentile(latencies, 0.95), 1),
            max_s=round(max(latencies), 1),
            mean_s=round(statistics.fmean(latencies), 1),
        )
    step_means = {}
    for step in STEPS:
        values = [m.steps[step] for m in measures if m.steps[step] is not None]
        step_means[step] = round(statistics.fmean(v for v in values if v is not None), 1) if values else None
    return {
        "command": "benchmarks/crawl_to_page.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": _cpus(), "python": platform.python_version(), "platform": platform.platform()},
        "schedules": "shipped defaults (YUQING_SCHEDULES__* unset)",
        "minutes": args.minutes,
        "seed": args.seed,
        "wall_s": round(wall_s),
        "stage_requests": len(stage.requests),
        "task_instances": len(stack.task_runs()),
        "latency": summary,
        "step_means_s": step_means,
        "crises": [
            {
                "brand": m.brand,
                "root_id": m.root_id,
                "appears_at": m.appears_at.isoformat(timespec="seconds"),
                "first_shown_at": m.first_shown.isoformat(timespec="seconds") if m.first_shown else None,
                "paged_at": m.paged_at.isoformat(timespec="seconds") if m.paged_at else None,
                "latency_s": round(m.latency, 1) if m.latency is not None else None,
                "steps_s": {step: (round(v, 1) if v is not None else None) for step, v in m.steps.items()},
            }
            for m in measures
        ],
    }


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


def _markdown(report: dict[str, Any], measures: list[Measure]) -> str:
    def cell(value: float | None) -> str:
        return "–" if value is None else f"{value:.0f}"

    latency = report["latency"]
    lines = [
        f"Crawl to page, {report['schedules']}: {latency['paged']}/{latency['crises']} crises paged; "
        f"p50 {latency.get('p50_s', '–')} s, p95 {latency.get('p95_s', '–')} s, max {latency.get('max_s', '–')} s "
        f"({report['stage_requests']} requests to the Weibo stage, {report['wall_s']} s wall).",
        "",
        "| brand | shows at (UTC) | page after (s) | " + " | ".join(STEPS) + " |",
        "| --- | --- | ---: | " + " | ".join("---:" for _ in STEPS) + " |",
    ]
    for m in measures:
        steps = " | ".join(cell(m.steps[step]) for step in STEPS)
        lines.append(f"| {m.brand} | {m.appears_at:%H:%M:%S} | {cell(m.latency)} | {steps} |")
    means = " | ".join(cell(report["step_means_s"][step]) for step in STEPS)
    lines.append(f"| mean | | {cell(latency.get('mean_s'))} | {means} |")
    lines += ["", f"Command: .venv/bin/python {report['command']}"]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
