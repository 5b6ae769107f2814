"""Replay a post stream on a simulated clock through the production detection code; no channel is called.

Response records (`pipeline.sources.brand_replies`) may come with the posts: the unanswered-complaint rule is
then replayed too, each record as a check at that minute would have seen it. A record is taken to exist from
its complaint's time on (the complaint was checked as soon as it was posted), and its reply to appear at its
`first_reply_at`: an incident opens `after` minutes past an unanswered critical complaint and resolves at
the reply.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pipeline.config import Watchlist
from pipeline.detect.engine import DetectionConfig, DetectionEngine
from pipeline.detect.unanswered import ResponseState, states_of
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
    responses: Iterable[Mapping[str, Any]] = (),
) -> BacktestResult:
    """Replay `posts` (already enriched) in time order, one detection cycle per `tick` of simulated time, with
    the unanswered rule over `responses` (response records; see the module docstring).

    After the last post (or response event) the clock keeps running for `drain` (default: the resolve delay
    plus an hour) so that open incidents can resolve. Incidents go to `store` when given, else to memory.
    """
    if tick <= timedelta(0):
        raise ValueError("tick must be positive")
    ordered = sorted(posts, key=lambda post: post.created_at)
    result = BacktestResult(posts=len(ordered))
    config = config or DetectionConfig()
    replayed = _ReplayedResponses(states_of(responses), config)
    if not ordered and not replayed.events:
        return result
    records = store if store is not None else InMemoryRecords()
    by_id = {post.id: post for post in ordered}
    # Nothing is delivered in a replay; the reasons are written in `language`.
    engine = DetectionEngine(
        records,
        watchlist,
        config,
        outbox=False,
        language=language,
        responses=replayed.as_of,
        complaint_posts=lambda ids: {post_id: by_id[post_id] for post_id in ids if post_id in by_id},
    )
    settle = drain if drain is not None else engine.config.incidents.resolve_after + timedelta(hours=1)
    moments = [post.created_at for post in ordered[:1] + ordered[-1:]] + replayed.events[:1] + replayed.events[-1:]
    start = _floor(min(moments), tick)
    last = max(moments)
    end = last + settle
    clock, index = start + tick, 0
    while clock <= end + tick:
        if _idle_until_next_post(engine, ordered, index, clock) and not replayed.due_before(
            ordered[index].created_at, clock
        ):
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
        if index >= len(ordered) and clock >= last + tick and not engine.incidents.book.unresolved():
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


class _ReplayedResponses:
    """Response records as a check at each simulated minute would have seen them; only those the rule can act
    on (severe enough, posted within the follow-up window and the quiet period after it) are looked at."""

    def __init__(self, states: Sequence[ResponseState], config: DetectionConfig) -> None:
        rules = config.unanswered
        self._states = sorted((s for s in states if s.severity >= rules.min_severity), key=lambda s: s.complaint_at)
        self._posted = [state.complaint_at for state in self._states]
        self._window = rules.follow_for + config.incidents.resolve_after
        # When something can happen: a deadline passes, a reply arrives.
        deadlines = [state.complaint_at + rules.after for state in self._states]
        replies = [state.first_reply_at for state in self._states if state.first_reply_at is not None]
        self.events = sorted([*self._posted, *deadlines, *replies])

    def as_of(self, moment: datetime) -> list[ResponseState]:
        first = bisect.bisect_left(self._posted, moment - self._window)
        last = bisect.bisect_right(self._posted, moment)
        return [state.as_of(moment) for state in self._states[first:last]]

    def due_before(self, moment: datetime, clock: datetime) -> bool:
        """Whether a response event falls between `clock` and `moment` (a quiet gap may not be skipped then)."""
        position = bisect.bisect_left(self.events, clock - self._window)
        return position < len(self.events) and self.events[position] < moment


IDLE_GAP = timedelta(days=2)  # longer than a cascade is followed (24 h) and an incident takes to resolve


def _idle_until_next_post(engine: DetectionEngine, ordered: list[Post], index: int, clock: datetime) -> bool:
    if index == 0 or index >= len(ordered) or engine.incidents.book.unresolved():
        return False
    return clock - ordered[index - 1].created_at > IDLE_GAP and ordered[index].created_at - clock > IDLE_GAP


def _floor(moment: datetime, tick: timedelta) -> datetime:
    seconds = tick.total_seconds()
    epoch_seconds = moment.timestamp()
    return moment - timedelta(seconds=epoch_seconds % seconds)
