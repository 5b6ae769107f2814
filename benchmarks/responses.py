"""Does the brand answer? Collection cost and the unanswered rule on a fixture fortnight, against the truth.

A fortnight of complaints about one brand (real Weibo texts with the brand put in, `realistic_posts.py`), each
with passers-by's comments and reposts and, for most, an answer by the brand's 客服 or official account after a
delay drawn from a plausible mix (a quarter never answered; the rest log-normal around 45 min, a long tail
to days). A loopback m.weibo.cn (`pipeline.demo.weibo_server`) serves them as they stood at each moment. The
monitoring cycle's response step (`collect_brand_responses`) runs every `--every` minutes of simulated time,
followed by a detection cycle, exactly as in production but with the polite delay set to 0 (a real run waits
`WeiboSettings.delay_s` 6 s ± 2 s before each request: multiply the requests by ~7 s).

Reported: HTTP requests per complaint check and per complaint, seconds per check at the loopback server
(comments and reposts, and comments only as the baseline of the same run; then with 7 s a request
charged against the time budget, the pace of a real run), the "unanswered" incidents opened
and resolved against the ones the true reply times call for, and the response measures
(`pipeline.report.responses`) against the true ones.

    .venv/bin/python benchmarks/responses.py [--complaints 300] [--every 30] [--seed 1]
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
_spec = importlib.util.spec_from_file_location("realistic_posts", HERE / "realistic_posts.py")
assert _spec is not None and _spec.loader is not None
realistic_posts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(realistic_posts)

from pipeline.config import BrandConfig, OfficialAccount, Settings, Watchlist  # noqa: E402
from pipeline.demo.weibo_server import (  # noqa: E402
    Script,
    ScriptedComment,
    ScriptedRepost,
    ScriptedUser,
    ScriptedWeibo,
)
from pipeline.detect.backtest import run_backtest  # noqa: E402
from pipeline.detect.engine import DetectionEngine, detection_config  # noqa: E402
from pipeline.models import SHANGHAI, Author, Complaint, Post, format_time  # noqa: E402
from pipeline.sources.brand_replies import ResponseSummary, collect_responses  # noqa: E402
from pipeline.sources.weibo_comments import WeiboCommentSource  # noqa: E402
from pipeline.store.sqlite import SQLiteStore  # noqa: E402
from pipeline.tasks.complaint_monitor import collect_brand_responses  # noqa: E402

BRAND = "顺丰"
START = datetime(2026, 11, 2, tzinfo=SHANGHAI)
DAYS = 14
OFFICIAL = OfficialAccount(uid="1400000001", name="顺丰速运")
SERVICE = OfficialAccount(uid="1400000002", name="顺丰客服", role="service")
NEVER = 0.25  # share of complaints never answered
MEDIAN_DELAY_MIN, DELAY_SIGMA = 45.0, 1.3  # log-normal first-response delay of the answered ones


@dataclass
class Fixture:
    post: Post
    reply_at: datetime | None


def fortnight(count: int, seed: int, data_dir: Path) -> tuple[list[Fixture], Script]:
    """The complaints, their true first reply, and what the loopback server will show of them."""
    rng = random.Random(seed)
    texts = realistic_posts.real_texts(data_dir)
    rng.shuffle(texts)
    script = Script()
    complaints = []
    for number, text in enumerate(texts[:count]):
        mid = str(5250000000000000 + number)
        posted = START + timedelta(seconds=rng.uniform(0, DAYS * 86_400))
        severity = rng.choices([1, 2, 3], weights=[0.45, 0.35, 0.20])[0]
        author = Author(id=str(2_000_000_000 + number), name=f"网友{number:04d}", followers=rng.randint(10, 5000))
        post = Post(
            id=f"weibo:{mid}",
            text=realistic_posts.with_brand(text, BRAND, rng),
            created_at=posted,
            source="weibo",
            url=f"https://weibo.com/{author.id}/{mid}",
            author=author,
            brand=BRAND,
            complaint=Complaint(is_complaint=True, probability=0.9, severity=severity, category="delivery"),
        )
        reply_at = None
        if rng.random() >= NEVER:
            delay = rng.lognormvariate(math.log(MEDIAN_DELAY_MIN), DELAY_SIGMA)
            reply_at = posted + timedelta(minutes=max(1.0, delay), seconds=rng.randint(0, 59))
        complaints.append(Fixture(post, reply_at))
        script.comments[mid], script.reposts[mid] = _thread(rng, mid, posted, reply_at, author.name)
    return complaints, script


def _thread(
    rng: random.Random, mid: str, posted: datetime, reply_at: datetime | None, author: str
) -> tuple[list[ScriptedComment], list[ScriptedRepost]]:
    """Passers-by's comments (a heavy tail: most posts get a few, some get dozens) and reposts, and the answer."""
    count = min(int(rng.paretovariate(1.2) * 2), 150)
    comments = [
        ScriptedComment(
            f"{mid}{n:03d}",
            posted + timedelta(minutes=rng.expovariate(1 / 180)),
            ScriptedUser(str(3_000_000_000 + rng.randint(0, 899_999_999)), f"路人{n}"),
            rng.choice(["同问", "我也是", "蹲后续", "太气人了"]),
        )
        for n in range(count)
    ]
    reposts = [
        ScriptedRepost(
            f"{mid[:-3]}9{n:02d}",
            posted + timedelta(minutes=rng.expovariate(1 / 240)),
            ScriptedUser(str(3_900_000_000 + rng.randint(0, 99_999_999)), f"转发者{n}"),
            rng.choice(["转发微博", "顶", "同遭遇"]),
        )
        for n in range(min(int(rng.paretovariate(1.5)) - 1, 40))
    ]
    if reply_at is not None:
        kind = rng.random()
        if kind < 0.1:
            official = ScriptedUser(OFFICIAL.uid, OFFICIAL.name, 10_000_000, True)
            reposts.append(
                ScriptedRepost(f"{mid[:-3]}8{rng.randint(0, 99):02d}", reply_at, official, "已私信您，请查收")
            )
        else:
            service = ScriptedUser(SERVICE.uid, SERVICE.name, 500_000, True)
            answer = ScriptedComment(f"{mid}999", reply_at, service, f"@{author} 您好，请私信运单号")
            comments.append(answer)
    comments.sort(key=lambda comment: comment.at)
    return comments, reposts


def run(
    complaints: list[Fixture], script: Script, every: timedelta, *, reposts: bool, pace_s: float, db: Path
) -> dict[str, Any]:
    """The monitoring cycle's response step and a detection cycle every `every` over the fortnight and two days
    after. `pace_s` seconds per request are charged against the step's time budget (the requests themselves
    are not slowed): 0 leaves the budget unbounded, ~7 is a real run's polite pace."""
    brand = BrandConfig(name=BRAND, sources=["weibo-mobile"], official_accounts=[OFFICIAL, SERVICE])
    watchlist = Watchlist(brands=[brand])
    settings = Settings()
    figures: dict[str, Any] = {"checks": 0, "left": 0, "seconds": 0.0, "opened": {}, "resolved": {}, "expired": {}}
    with SQLiteStore(db) as store, ScriptedWeibo(script, START) as weibo:
        store.upsert_posts(c.post for c in complaints)
        fast = {"mobile_base_url": weibo.base_url, "delay_s": 0.0, "jitter_s": 0.0, "max_requests_per_run": 10**6}
        loopback = settings.model_copy(update={"weibo": settings.weibo.model_copy(update=fast), "weibo_cookie": None})
        engine = DetectionEngine(
            store, watchlist, detection_config(None, settings.responses), outbox=False, complaint_posts=store.get_posts
        )
        now = START + every
        while now <= START + timedelta(days=DAYS + 2):
            weibo.clock = now
            started = time.perf_counter()

            def clock() -> float:
                return pace_s * weibo.requests.total()

            if reposts:
                summary = collect_brand_responses(loopback, brand, store, now, monotonic=clock)
            else:
                summary = comments_only(loopback, brand, store, now, clock)
            figures["seconds"] += time.perf_counter() - started
            figures["checks"] += summary.checked
            figures["left"] += summary.left
            for note in engine.run(now):
                event = note["event"]
                if event == "resolved" and note["reason_data"][0]["key"] != "unanswered.answered":
                    event = "expired"
                figures[event][note["root_id"]] = now
            now += every
        figures["records"] = store.list_records("response")
        figures["requests"] = dict(weibo.requests)
    return figures


def comments_only(
    settings: Settings, brand: BrandConfig, store: SQLiteStore, now: datetime, clock: Callable[[], float]
) -> ResponseSummary:
    """The cycle's response step without the repost timelines: the baseline of the cost figures."""
    since = now - timedelta(hours=settings.responses.lookback_hours)
    complaints = list(store.iter_posts(brand=BRAND, since=since, until=now, originals_only=True))
    with requests.Session() as http:
        source = WeiboCommentSource.from_settings(settings, http=http)
        return collect_responses(
            complaints,
            brand,
            source.fetch,
            None,
            store,
            now,
            settings.responses.budget_s,
            min_severity=settings.responses.min_severity,
            monotonic=clock,
        )


def truth_incidents(complaints: list[Fixture], settings: Settings) -> tuple[set[str], set[str]]:
    """(complaints whose incident should open, of those the ones that should resolve) from the true replies."""
    after = timedelta(minutes=settings.responses.unanswered_after_minutes)
    follow = timedelta(hours=settings.responses.lookback_hours)
    should_open, should_resolve = set(), set()
    for c in complaints:
        assert c.post.complaint is not None
        if c.post.complaint.severity < settings.responses.unanswered_min_severity:
            continue
        if c.reply_at is None or c.reply_at - c.post.created_at > after:
            should_open.add(c.post.id)
            if c.reply_at is not None and c.reply_at - c.post.created_at <= follow:
                should_resolve.add(c.post.id)
    return should_open, should_resolve


def true_records(complaints: list[Fixture]) -> list[dict[str, Any]]:
    """The response records a check right after every reply would have written."""
    records = []
    for c in complaints:
        assert c.post.complaint is not None
        reply = format_time(c.reply_at) if c.reply_at else None
        records.append(
            {
                "post_id": c.post.id,
                "brand": BRAND,
                "complaint_at": format_time(c.post.created_at),
                "severity": c.post.complaint.severity,
                "category": "delivery",
                "checked_at": reply or format_time(c.post.created_at),
                "complete": True,
                "comments_read": 0,
                "first_reply_at": reply,
                "replies": [
                    {
                        "account_uid": SERVICE.uid,
                        "account_name": SERVICE.name,
                        "kind": "comment",
                        "at": reply,
                        "text": "",
                        "url": "",
                    }
                ]
                if reply
                else [],
            }
        )
    return records


def true_measures(complaints: list[Fixture], min_severity: int) -> dict[str, float]:
    checked = [c for c in complaints if c.post.complaint is not None and c.post.complaint.severity >= min_severity]
    delays = sorted((c.reply_at - c.post.created_at).total_seconds() for c in checked if c.reply_at is not None)
    return {
        "complaints": len(checked),
        "answered": len(delays),
        "reply_rate": len(delays) / len(checked),
        "median_first_response_s": statistics.median(delays),
        "p90_first_response_s": delays[max(0, math.ceil(0.9 * len(delays)) - 1)],
        "within_1h": sum(d <= 3600 for d in delays) / len(checked),
        "within_24h": sum(d <= 86_400 for d in delays) / len(checked),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=300)
    parser.add_argument("--every", type=int, default=30, help="minutes between monitoring cycles (simulated)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=realistic_posts.DEFAULT_DATA_DIR)
    args = parser.parse_args()
    every = timedelta(minutes=args.every)
    complaints, script = fortnight(args.complaints, args.seed, args.data_dir)
    settings = Settings()
    rules = settings.responses
    print(
        f"$ .venv/bin/python benchmarks/responses.py --complaints {args.complaints} --every {args.every} "
        f"--seed {args.seed}"
    )
    print(
        f"{len(complaints)} complaints over {DAYS} days, {NEVER:.0%} never answered, the rest after a log-normal "
        f"delay (median {MEDIAN_DELAY_MIN:.0f} min, σ {DELAY_SIGMA}); a cycle every {args.every} min; "
        f"budget {rules.budget_s:.0f} s, look-back {rules.lookback_hours:.0f} h"
    )
    worth = sum(1 for c in complaints if c.post.complaint and c.post.complaint.severity >= rules.min_severity)
    runs = {}
    with tempfile.TemporaryDirectory() as folder:
        for name, reposts, pace in (
            ("comments + reposts, no pace", True, 0.0),
            ("comments only, no pace (baseline)", False, 0.0),
            ("comments + reposts, 7 s/request", True, 7.0),
        ):
            runs[name] = run(
                complaints, script, every, reposts=reposts, pace_s=pace, db=Path(folder) / f"{pace}{reposts}.db"
            )

    print(f"\ncollection cost, {worth} complaints of severity ≥ {rules.min_severity} (loopback, polite delay 0)")
    base = runs["comments only, no pace (baseline)"]
    base_ms = 1000 * base["seconds"] / max(1, base["checks"])
    for name, figures in runs.items():
        requests = sum(figures["requests"].values())
        per_check = requests / max(1, figures["checks"])
        ms = 1000 * figures["seconds"] / max(1, figures["checks"])
        paths = ", ".join(
            f"{path.rsplit('/', 1)[-1]} {count / max(1, figures['checks']):.2f}"
            for path, count in sorted(figures["requests"].items())
        )
        print(
            f"  {name}: {figures['checks']} checks ({figures['checks'] / worth:.1f} per complaint, "
            f"{figures['left']} left over by the budget), {per_check:.2f} requests/check ({paths}), "
            f"{requests / worth:.1f} requests/complaint, {ms:.1f} ms/check ({ms / base_ms:.2f}× the baseline); "
            f"at a real 7 s a request: {7 * per_check:.0f} s/check"
        )

    should_open, should_resolve = truth_incidents(complaints, settings)
    replay = run_backtest([], Watchlist(brands=[BrandConfig(name=BRAND)]), responses=true_records(complaints))
    print(
        f"\nunanswered incidents (severity ≥ {rules.unanswered_min_severity}, no reply within "
        f"{rules.unanswered_after_minutes} min): truth {len(should_open)} to open, {len(should_resolve)} of them "
        f"to resolve on the reply (the others get none within the {rules.lookback_hours:.0f} h look-back)"
    )
    by_id = {c.post.id: c for c in complaints}
    after = timedelta(minutes=rules.unanswered_after_minutes)
    replayed = {
        "opened": {n["root_id"]: None for n in replay.notifications if n["event"] == "opened"},
        "resolved": {
            n["root_id"]: None
            for n in replay.notifications
            if n["event"] == "resolved" and n["reason_data"][0]["key"] == "unanswered.answered"
        },
    }
    for name, figures in [("backtest over the true reply times", replayed), *runs.items()]:
        opened, resolved = set(figures["opened"]), set(figures["resolved"])
        wrong = len(opened - should_open)
        line = (
            f"  {name}: opened {len(opened & should_open)}/{len(should_open)} (wrongly {wrong}), "
            f"resolved on the reply {len(resolved & should_resolve)}/{len(should_resolve)} "
            f"(wrongly {len(resolved - should_resolve)})"
        )
        lags = [
            (figures["opened"][i] - by_id[i].post.created_at - after).total_seconds() / 60
            for i in opened & should_open
            if figures["opened"][i] is not None
        ]
        waits = [
            (figures["resolved"][i] - reply).total_seconds() / 60
            for i in resolved & should_resolve
            if figures["resolved"][i] is not None and (reply := by_id[i].reply_at) is not None
        ]
        if lags:
            line += f"; opened after the deadline by median {statistics.median(lags):.0f}, max {max(lags):.0f} min"
        if waits:
            line += f"; resolved after the reply by median {statistics.median(waits):.0f}, max {max(waits):.0f} min"
        print(line)

    try:
        from pipeline.report.responses import response_measures
    except ImportError:
        print("\n(pipeline.report.responses is not there: no measures)")
        return 0
    truth = true_measures(complaints, rules.min_severity)
    print(f"\nresponse measures over the fortnight (severity ≥ {rules.min_severity}): truth, then each run")
    names = list(runs)
    print(f"  {'measure':<24} {'truth':>10}" + "".join(f"  {name[:26]:>26}" for name in names))
    measured = {name: response_measures(figures["records"]) for name, figures in runs.items()}
    for field, value in truth.items():
        cells = [_shown(field, getattr(measured[name], field)) for name in names]
        print(f"  {field:<24} {_shown(field, value):>10}" + "".join(f"  {cell:>26}" for cell in cells))
    return 0


def _shown(field: str, value: float | None) -> str:
    if value is None:
        return "-"
    if field.endswith("_s"):
        return f"{value / 60:.1f} min"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


if __name__ == "__main__":
    sys.exit(main())
