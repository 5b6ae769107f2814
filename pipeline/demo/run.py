"""`yuqing demo`: ingest the bundled day of posts into a fresh embedded store and show what a PR team
wants to see first — volume and negative share over time, the most spread negative posts, the incidents
that the early-warning detectors raise and resolve on the scripted crisis, and whether the brand answered its
complaints (played at a loopback m.weibo.cn, `pipeline.demo.responses`)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from pipeline.config import Settings, Watchlist, load_watchlist
from pipeline.demo.posts import DAY, generate_demo_posts
from pipeline.demo.responses import show_responses
from pipeline.enrich.registry import make_enricher
from pipeline.i18n import Language, reason_of, term
from pipeline.ingest import ingest
from pipeline.jsonl import read_posts
from pipeline.models import SHANGHAI, Post
from pipeline.normalise import BrandMatcher
from pipeline.store.sqlite import SQLiteStore

_BARS = " ▁▂▃▄▅▆▇█"
DEMO_WATCHLIST = Path(__file__).resolve().parent.parent / "data" / "watchlist.yaml"


def run_demo(settings: Settings, out: TextIO, progress: Callable[[str], None]) -> int:
    folder = settings.data_dir / "demo"
    shutil.rmtree(folder, ignore_errors=True)  # a fresh store each run: the demo shows one clean day
    folder.mkdir(parents=True)
    posts_file = folder / "demo_posts.jsonl"
    posts_file.write_text(
        "".join(json.dumps(post, ensure_ascii=False) + "\n" for post in generate_demo_posts()),
        encoding="utf-8",
    )
    watchlist = load_watchlist(DEMO_WATCHLIST)
    store = SQLiteStore(folder / "demo.db")
    try:
        progress(f"scoring and storing {posts_file} with the '{settings.scorer}' scorer")
        summary = ingest(
            read_posts(posts_file),
            matcher=BrandMatcher.from_watchlist(watchlist),
            enricher=make_enricher(settings.scorer),
            store=store,
        )
        print(
            f"yuqing demo — {DAY:%Y-%m-%d}, a day of Weibo posts about {len(watchlist.brands)} brands",
            file=out,
        )
        print(f"Stored in {folder / 'demo.db'}: {summary}\n", file=out)
        posts = list(store.iter_posts(since=DAY, until=DAY + timedelta(days=1)))
        print_volume(posts, watchlist, out)
        print_top_negative(store, out)
        print_incidents(posts, watchlist, out, progress, settings.language, store)
        show_responses(store, watchlist, settings, out, progress, settings.language)
    finally:
        store.close()
    database = f"YUQING_DB_PATH={folder / 'demo.db'}"
    print("\nExplore further (the demo's store holds its posts and incidents):", file=out)
    print(
        f"  {database} yuqing trends --since 2026-11-22T00:00+08:00 --until 2026-11-23T00:00+08:00 --by sentiment",
        file=out,
    )
    print(f"  {database} yuqing alerts list", file=out)
    print(f"  {database} yuqing report --brand 蒙牛 --date {DAY:%Y-%m-%d} --out briefing.html", file=out)
    print("  yuqing serve   # the web console on http://127.0.0.1:8000 (this store while yours is empty)", file=out)
    return 0


def print_volume(posts: list[Post], watchlist: Watchlist, out: TextIO) -> None:
    """Mentions and negative share per hour and brand, with a sparkline of the negative count."""
    counts: dict[str, list[list[int]]] = {brand.name: [[0, 0] for _ in range(24)] for brand in watchlist.brands}
    for post in posts:
        if post.brand in counts:
            hour = post.created_at.astimezone(SHANGHAI).hour
            counts[post.brand][hour][0] += 1
            counts[post.brand][hour][1] += int(post.is_negative)
    print("Mentions per hour (Asia/Shanghai): negative count as a sparkline, then totals", file=out)
    width = max(len(name) for name in counts) * 2
    print(f"{'':<{width}}  0h{' ' * 20}23h  mentions  negative  share  peak negative hour", file=out)
    for brand, hours in counts.items():
        negatives = [negative for _, negative in hours]
        peak = max(negatives)
        line = "".join(_BARS[round(value / peak * 8)] if peak else _BARS[0] for value in negatives)
        total = sum(mentions for mentions, _ in hours)
        negative = sum(negatives)
        share = negative / total if total else 0.0
        peak_hour = negatives.index(peak)
        pad = width - len(brand) * 2
        print(
            f"{brand}{' ' * pad}  {line}  {total:>8}  {negative:>8}  {share:>5.0%}  "
            f"{peak_hour:02d}:00 ({peak} negative)",
            file=out,
        )
    print(file=out)


def print_top_negative(store: SQLiteStore, out: TextIO, limit: int = 5) -> None:
    print("Most spread negative posts", file=out)
    for post in store.top_posts(since=DAY, until=DAY + timedelta(days=1), limit=limit):
        severity = post.complaint.severity_label if post.complaint else "-"
        category = post.complaint.category if post.complaint else "-"
        text = post.text.replace("\n", " ")
        print(
            f"  {post.created_at.astimezone(SHANGHAI):%H:%M}  {post.brand}  {post.metrics.reposts:>4} reposts  "
            f"severity {severity}, {category}  {text[:48]}…",
            file=out,
        )
        print(f"         {post.url}", file=out)
    print(file=out)


def print_incidents(
    posts: list[Post],
    watchlist: Watchlist,
    out: TextIO,
    progress: Callable[[str], None],
    language: Language = "zh",
    store: SQLiteStore | None = None,
) -> None:
    """Replay the day through the production detectors on a simulated clock (no real channel is called); the
    events and reasons are written in `language`, the incidents into `store` (when given) as a cycle would."""
    from pipeline.detect.backtest import run_backtest

    progress("replaying the day through the spread detectors")
    result = run_backtest(posts, watchlist, language=language, store=store)
    print("Early warning: what the on-call team would have received (replayed on a simulated clock)", file=out)
    if not result.notifications:
        print("  no incident", file=out)
    for note in result.notifications:
        stamp = str(note.get("updated_at") or note.get("opened_at") or "")[11:16]
        event = term("event", note.get("event"), language) or str(note.get("event", ""))
        print(
            f"  {stamp}  {note.get('priority', '')}  {event}  {note.get('brand', '')}  {reason_of(note, language)}",
            file=out,
        )
