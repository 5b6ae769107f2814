"""Production entry points for the spread DAG and the CLI: refresh tracked cascades, run one cycle."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

import requests

from pipeline.alert.dispatch import ChannelPool, Dispatcher, DispatchReport
from pipeline.config import Settings, Watchlist
from pipeline.detect.engine import DetectionConfig, DetectionEngine, detection_config
from pipeline.detect.state import REPEATS_WITHIN, DetectorState, fingerprint, load_state, save_state, state_path
from pipeline.detect.tracking import TrackingPolicy, select_roots
from pipeline.exceptions import Blocked, SourceError
from pipeline.models import Post
from pipeline.safe_text import LinkPolicy
from pipeline.store.base import Store

logger = logging.getLogger(__name__)


class RepostSource(Protocol):
    def fetch(self, root_id: str, max_pages: int = 5) -> Iterator[Post]: ...


@dataclass
class RefreshReport:
    tracked: int = 0
    fetched: int = 0
    stored: int = 0
    blocked: str | None = None  # why the source refused us, when it did
    unavailable: str | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class CycleReport:
    now: str
    posts: int = 0
    notifications: list[dict[str, Any]] = field(default_factory=list)
    dispatch: DispatchReport = field(default_factory=DispatchReport)

    def summary(self) -> dict[str, Any]:
        return {
            "now": self.now,
            "posts": self.posts,
            "notifications": len(self.notifications),
            "sent": self.dispatch.sent,
            "failed": self.dispatch.failed,
            "silenced": self.dispatch.silenced,
        }


def _open_store(settings: Settings) -> Store:
    from pipeline.store import open_store  # the store backend is chosen by settings

    store: Store = open_store(settings)
    return store


def _default_source(settings: Settings, http: requests.Session) -> RepostSource:
    from pipeline.sources.weibo_reposts import WeiboRepostTimelineSource

    weibo = settings.weibo_effective
    source: RepostSource = WeiboRepostTimelineSource(http, weibo, base_url=weibo.mobile_base_url)
    return source


def refresh_tracked_cascades(
    settings: Settings,
    now: datetime | None = None,
    *,
    store: Store | None = None,
    source: RepostSource | None = None,
    source_factory: Callable[[Settings, requests.Session], RepostSource] = _default_source,
    policy: TrackingPolicy | None = None,
    max_pages: int = 5,
) -> RefreshReport:
    """Fetch the repost timelines of the roots worth following and store the reposts.

    A missing repost source or a block page is reported, not raised: detection still runs on what the
    store already holds.
    """
    now = now or datetime.now(UTC)
    policy = policy or TrackingPolicy()
    report = RefreshReport()
    own_store = store is None
    active_store = store or _open_store(settings)
    try:
        roots = select_roots(
            active_store.iter_posts(since=now - policy.max_age, until=now, originals_only=True), now, policy
        )
        report.tracked = len(roots)
        if not roots:
            return report
        if source is None:
            try:
                source = source_factory(settings, requests.Session())
            except ImportError as exc:
                report.unavailable = f"repost-timeline source not installed: {exc}"
                logger.warning("cascade refresh skipped: %s", report.unavailable)
                return report
        for root in roots:
            try:
                reposts = list(source.fetch(root.root_id, max_pages=max_pages))
            except Blocked as exc:
                report.blocked = f"{exc.kind}: {exc}"
                logger.warning("cascade refresh stopped, the source is blocked: %s", report.blocked)
                break
            except SourceError as exc:
                report.errors.append(f"{root.root_id}: {exc}")
                continue
            if root.brand is not None:
                reposts = [post if post.brand else post.with_changes(brand=root.brand) for post in reposts]
            report.fetched += len(reposts)
            counts = active_store.upsert_posts(reposts, observed_at=now)
            report.stored += counts.inserted + counts.updated
    finally:
        if own_store:
            active_store.close()
    logger.info(
        "cascade refresh: %d roots tracked, %d reposts fetched, %d stored, %d errors%s",
        report.tracked,
        report.fetched,
        report.stored,
        len(report.errors),
        f", blocked ({report.blocked})" if report.blocked else "",
    )
    return report


def load_window(store: Store, now: datetime, config: DetectionConfig) -> Iterable[Post]:
    """The posts a cold start needs: the surge baseline's days plus the cascade horizon (and any post stamped a
    little in the future by a fast clock: the store's cursor covers it, so it would not come again)."""
    return store.iter_posts(since=now - detection_window(config))


def detection_window(config: DetectionConfig) -> timedelta:
    return timedelta(days=config.surge.history_days + 1)


def run_cycle(
    settings: Settings,
    now: datetime | None = None,
    *,
    store: Store | None = None,
    channels: ChannelPool | None = None,
    config: DetectionConfig | None = None,
) -> CycleReport:
    """One full detection cycle at `now` over the store: detect, fuse into incidents, deliver.

    The detectors carry on from the previous cycle (`pipeline.detect.state`) and read only the posts stored
    since; without a usable saved state they start from the store's window. Without an explicit `config` the
    shipped defaults apply, with the overrides of `settings.detection`.
    """
    now = now or datetime.now(UTC)
    config = config or detection_config(settings.detection)
    watchlist = settings.watchlist_config
    own_store = store is None
    active_store = store or _open_store(settings)
    try:
        engine, state, path = _engine_for(settings, active_store, watchlist, config, now)
        report = CycleReport(now=now.isoformat(timespec="seconds"), posts=engine.observed)
        report.notifications = engine.run(now)  # stored in the incidents' outboxes as they were decided
        if path is not None:
            state.forget_before(now - REPEATS_WITHIN)
            save_state(path, state)
        links = LinkPolicy.from_settings(settings)
        report.dispatch = Dispatcher(watchlist, active_store, channels, links=links, language=settings.language).run(
            now
        )
    finally:
        if own_store:
            active_store.close()
    logger.info("detection cycle: %s", report.summary())
    return report


def _engine_for(
    settings: Settings, store: Store, watchlist: Watchlist, config: DetectionConfig, now: datetime
) -> tuple[DetectionEngine, DetectorState, Path | None]:
    """An engine whose detectors have seen every post of the window: carried over and fed what is new, or
    built from the window (a cold start). The path is where its state is kept (None: not kept)."""
    key = fingerprint(config, sorted(brand.name for brand in watchlist.brands), version("yuqing"))
    path = state_path(settings.data_dir, store.location) if store.location else None
    state = load_state(path, key) if path is not None else None
    stored = store.count_posts()
    if state is not None and state.stored_posts <= stored:
        engine = DetectionEngine(
            store, watchlist, config, cascades=state.cascades, surges=state.surges, language=settings.language
        )
        posts, state.cursor = store.posts_added_since(state.cursor)
        engine.observe(post for post in posts if state.unseen(post.id, now))
    else:
        engine = DetectionEngine(store, watchlist, config, language=settings.language)
        posts = list(load_window(store, now, config))
        state = DetectorState(key, store.added_cursor(), stored, engine.cascades, engine.surges)
        engine.observe(posts)
        # A store may return what was written just before its cursor once more: those are recent posts.
        for post in posts:
            if post.created_at >= now - REPEATS_WITHIN:
                state.unseen(post.id, now)
    state.stored_posts = stored
    return engine, state, path


def refresh_step(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """DAG task body: refresh tracked cascades; returns a small JSON-able summary."""
    report = refresh_tracked_cascades(settings, now)
    return {
        "tracked": report.tracked,
        "fetched": report.fetched,
        "stored": report.stored,
        "blocked": report.blocked,
        "unavailable": report.unavailable,
        "errors": report.errors[:20],
    }


def detect_step(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """DAG task body: run detection and deliver notifications; returns a small JSON-able summary."""
    return run_cycle(settings, now).summary()


def run_spread_cycle(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """One full spread-tracking cycle at `now`: refresh cascades, detect, notify."""
    now = now or datetime.now(UTC)
    return {"refresh": refresh_step(settings, now), "detect": detect_step(settings, now)}
