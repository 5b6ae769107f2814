"""Replay a post stream on a simulated clock through the production detection code; no channel is called."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pipeline.config import Watchlist
from pipeline.detect.engine import DetectionConfig, DetectionEngine
from pipeline.i18n import Language
from pipeline.models import Post
from pipeline.store.memory import InMemoryRecords
from pipeline.store.records import RecordStore

logger = logging.getLogger(__name__)


@dataclass
class BacktestResult:
    """What a replay would have sent (`notifications`, alert contract + `event`) and the final incidents."""

    notifications: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[dict[str, Any]] = field(default_factory=list)
    posts: int = 0
    ticks: int = 0
    started_at: datetime | None = None
    ended_at: datetime | None = None


def run_backtest(
    posts: Iterable[Post],
    watchlist: Watchlist,
    *,
    tick: timedelta = timedelta(minutes=1),
    store: RecordStore | None = None,
    config: DetectionConfig | None = None,
    drain: timedelta | None = None,
    progress: Callable[[datetime, int], None] | None = None,
    language: Language = "zh",
) -> BacktestResult:
    """Replay `posts` (already enriched) in time order, one detection cycle per `tick` of simulated time.

    After the last post the clock keeps running for `drain` (default: the resolve delay plus an hour) so
    that open incidents can resolve. Incidents go to `store` when given, else to memory.
    """
    if tick <= timedelta(0):
        raise ValueError("tick must be positive")
    ordered = sorted(posts, key=lambda post: post.created_at)
    result = BacktestResult(posts=len(ordered))
    if not ordered:
        return result
    records = store if store is not None else InMemoryRecords()
    # Nothing is delivered in a replay; the reasons are written in `language`.
    engine = DetectionEngine(records, watchlist, config, outbox=False, language=language)
    settle = drain if drain is not None else engine.config.incidents.resolve_after + timedelta(hours=1)
    start = _floor(ordered[0].created_at, tick)
    end = ordered[-1].created_at + settle
    clock, index = start + tick, 0
    while clock <= end + tick:
        if _idle_until_next_post(engine, ordered, index, clock):
            # Nothing can fire while no post arrives and no incident is open: jump to the next post instead of
            # ticking through a quiet gap (a stream with posts years apart would otherwise take hours).
            clock = max(clock, _floor(ordered[index].created_at, tick))
        batch_end = index
        while batch_end < len(ordered) and ordered[batch_end].created_at < clock:
            batch_end += 1
        engine.observe(ordered[index:batch_end])
        index = batch_end
        result.notifications.extend(engine.run(clock))
        result.ticks += 1
        if progress is not None and result.ticks % 60 == 0:
            progress(clock, index)
        if index >= len(ordered) and clock >= ordered[-1].created_at + tick and not engine.incidents.book.unresolved():
            break
        clock += tick
    result.started_at, result.ended_at = start, clock
    result.incidents = records.list_records("incident")
    logger.info(
        "backtest: %d posts, %d ticks, %d notifications, %d incidents",
        result.posts,
        result.ticks,
        len(result.notifications),
        len(result.incidents),
    )
    return result


IDLE_GAP = timedelta(days=2)  # longer than a cascade is followed (24 h) and an incident takes to resolve


def _idle_until_next_post(engine: DetectionEngine, ordered: list[Post], index: int, clock: datetime) -> bool:
    if index == 0 or index >= len(ordered) or engine.incidents.book.unresolved():
        return False
    return clock - ordered[index - 1].created_at > IDLE_GAP and ordered[index].created_at - clock > IDLE_GAP


def _floor(moment: datetime, tick: timedelta) -> datetime:
    seconds = tick.total_seconds()
    epoch_seconds = moment.timestamp()
    return moment - timedelta(seconds=epoch_seconds % seconds)
