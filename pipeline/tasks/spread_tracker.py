"""The spread tracker's task bodies (DAG `spread_tracker`, `yuqing monitor`): refresh the repost timelines of
the roots worth following within a time budget, and run one detection cycle (detect cascades, surges and
complaints left unanswered, fuse into incidents, deliver). The two never wait on each other: detection works
on what is stored, the refresh adds to it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import requests

from pipeline.alert.dispatch import ChannelPool, Dispatcher, DispatchReport
from pipeline.config import Settings
from pipeline.detect.engine import DetectionConfig, detection_config
from pipeline.detect.incremental import carried_engine
from pipeline.detect.tracking import TrackedRoot, TrackingPolicy, select_roots
from pipeline.exceptions import Blocked, SourceError
from pipeline.models import Post, format_time, parse_time
from pipeline.safe_text import LinkPolicy
from pipeline.sources.health import ANY_BRAND, record_health
from pipeline.store.base import Store

logger = logging.getLogger(__name__)

REPOST_SOURCE = "weibo-reposts"
WEIBO_SOURCES = frozenset({"weibo-search", "weibo-mobile"})  # brands with these have Weibo roots to follow
REFRESHED_KEY = "refresh|weibo-reposts"  # checkpoint: when each root's timeline was last fetched


class RepostSource(Protocol):
    def fetch(self, root_id: str, max_pages: int = 5) -> Iterator[Post]: ...


@dataclass
class RefreshReport:
    tracked: int = 0
    refreshed: int = 0
    deferred: int = 0  # roots left for the next run when the time budget ran out
    fetched: int = 0
    stored: int = 0
    blocked: str | None = None  # why the source refused us, when it did
    unavailable: str | None = None
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "tracked": self.tracked,
            "refreshed": self.refreshed,
            "deferred": self.deferred,
            "fetched": self.fetched,
            "stored": self.stored,
            "blocked": self.blocked,
            "unavailable": self.unavailable,
            "errors": self.errors[:20],
        }


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

    # One retry at most: a root that fails is tried again next run, and retries with backoff would eat the budget.
    weibo = settings.weibo_effective
    weibo = weibo.model_copy(update={"max_retries": min(weibo.max_retries, 1)})
    source: RepostSource = WeiboRepostTimelineSource(http, weibo, base_url=weibo.mobile_base_url)
    return source


def roots_to_refresh(settings: Settings, store: Store, now: datetime, policy: TrackingPolicy) -> list[TrackedRoot]:
    """The Weibo roots worth following, of brands that collect from Weibo, least recently refreshed first
    (never refreshed ones by urgency), so that a budget too small for all of them still reaches each in turn."""
    weibo_brands = {brand.name for brand in settings.watchlist_config.brands if WEIBO_SOURCES & set(brand.sources)}
    if not weibo_brands:
        return []
    posts = store.iter_posts(since=now - policy.max_age, until=now, originals_only=True)
    candidates = select_roots(
        (post for post in posts if post.brand in weibo_brands and post.id.startswith("weibo:")),
        now,
        TrackingPolicy(policy.max_age, policy.big_account_followers, policy.min_reposts_prefilter, max_roots=10**6),
    )
    refreshed = (store.get_record("checkpoint", REFRESHED_KEY) or {}).get("roots", {})
    never = [root for root in candidates if root.root_id not in refreshed]
    again = sorted((root for root in candidates if root.root_id in refreshed), key=lambda r: refreshed[r.root_id])
    return (never + again)[: policy.max_roots]


def refresh_tracked_cascades(
    settings: Settings,
    now: datetime | None = None,
    *,
    store: Store | None = None,
    source: RepostSource | None = None,
    source_factory: Callable[[Settings, requests.Session], RepostSource] = _default_source,
    policy: TrackingPolicy | None = None,
    max_pages: int = 5,
    clock: Callable[[], float] = time.monotonic,
) -> RefreshReport:
    """Fetch the repost timelines of the roots worth following, within `settings.weibo.refresh_budget_s`.

    A missing repost source, a block page or an exhausted budget is reported (and noted as source health),
    never raised: detection runs on what the store holds either way.
    """
    now = now or datetime.now(UTC)
    policy = policy or TrackingPolicy()
    report = RefreshReport()
    own_store = store is None
    active_store = store or _open_store(settings)
    deadline = clock() + settings.weibo.refresh_budget_s
    try:
        roots = roots_to_refresh(settings, active_store, now, policy)
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
        done: list[str] = []
        for position, root in enumerate(roots):
            if clock() >= deadline:
                report.deferred = len(roots) - position
                break
            try:
                reposts = list(source.fetch(root.root_id, max_pages=max_pages))
            except Blocked as exc:
                report.blocked = f"{exc.kind}: {exc}"
                logger.warning("cascade refresh stopped, the source is blocked: %s", report.blocked)
                break
            except SourceError as exc:
                report.errors.append(f"{root.root_id}: {exc}")
                done.append(root.root_id)  # tried: the others come first next run
                continue
            done.append(root.root_id)
            if root.brand is not None:
                reposts = [post if post.brand else post.with_changes(brand=root.brand) for post in reposts]
            report.fetched += len(reposts)
            counts = active_store.upsert_posts(reposts, observed_at=now)
            report.stored += counts.inserted + counts.updated
            report.refreshed += 1
        _remember_refreshed(active_store, done, now, policy.max_age)
        _note_health(active_store, now, report)
    finally:
        if own_store:
            active_store.close()
    logger.info(
        "cascade refresh: %d roots tracked, %d refreshed, %d left for the next run, %d reposts fetched, %d stored, "
        "%d errors%s",
        report.tracked,
        report.refreshed,
        report.deferred,
        report.fetched,
        report.stored,
        len(report.errors),
        f", blocked ({report.blocked})" if report.blocked else "",
    )
    return report


def _remember_refreshed(store: Store, root_ids: list[str], now: datetime, keep: timedelta) -> None:
    state = store.get_record("checkpoint", REFRESHED_KEY) or {}
    horizon = now - keep
    roots = {key: at for key, at in state.get("roots", {}).items() if parse_time(at) >= horizon}
    roots.update(dict.fromkeys(root_ids, format_time(now)))
    store.put_record("checkpoint", REFRESHED_KEY, {"roots": roots})


def _note_health(store: Store, now: datetime, report: RefreshReport) -> None:
    if report.blocked:
        record_health(store, ANY_BRAND, REPOST_SOURCE, now, "blocked", message=report.blocked, posts=report.fetched)
    elif report.errors and not report.refreshed:
        record_health(store, ANY_BRAND, REPOST_SOURCE, now, "failing", message=report.errors[0], posts=report.fetched)
    elif report.deferred:
        note = f"time budget spent: {report.deferred} of {report.tracked} roots left for the next run"
        record_health(store, ANY_BRAND, REPOST_SOURCE, now, "over_budget", message=note, posts=report.fetched)
    else:
        record_health(store, ANY_BRAND, REPOST_SOURCE, now, "ok", posts=report.fetched)


def run_cycle(
    settings: Settings,
    now: datetime | None = None,
    *,
    store: Store | None = None,
    channels: ChannelPool | None = None,
    config: DetectionConfig | None = None,
) -> CycleReport:
    """One full detection cycle at `now` over the store: detect, fuse into incidents, deliver.

    The detectors carry on from the previous cycle (`pipeline.detect.incremental`) and read only the posts
    stored since; the unanswered rule reads the response records the complaint monitor writes. Without an
    explicit `config` the shipped defaults apply, with the overrides of `settings.detection` and the rule of
    `settings.responses`.
    """
    now = now or datetime.now(UTC)
    config = config or detection_config(settings.detection, settings.responses)
    watchlist = settings.watchlist_config
    own_store = store is None
    active_store = store or _open_store(settings)
    try:
        carried = carried_engine(
            active_store, watchlist, config, now, data_dir=settings.data_dir, language=settings.language
        )
        carried.engine.complaint_posts = active_store.get_posts  # who wrote an unanswered complaint, and what
        report = CycleReport(now=now.isoformat(timespec="seconds"), posts=carried.engine.observed)
        report.notifications = carried.engine.run(now)  # stored in the incidents' outboxes as they were decided
        carried.save(now)
        links = LinkPolicy.from_settings(settings)
        dispatcher = Dispatcher(watchlist, active_store, channels, links=links, language=settings.language)
        report.dispatch = dispatcher.run(now)
    finally:
        if own_store:
            active_store.close()
    logger.info("detection cycle: %s", report.summary())
    return report


def refresh_step(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """DAG task body: refresh tracked cascades; returns a small JSON-able summary."""
    return refresh_tracked_cascades(settings, now).summary()


def detect_step(settings: Settings, now: datetime | None = None) -> dict[str, Any]:
    """DAG task body: run detection and deliver notifications; returns a small JSON-able summary."""
    return run_cycle(settings, now).summary()
