"""Collection runs: one source for one brand's keywords over a window, deduplicated and summarised.

`collect_for_brand` is what the monitoring cycle calls. Per (brand, source) it keeps a checkpoint
record in the store: how far collection got (`until`), the window in progress (so an interrupted run
resumes from where the unfinished window started) and the backoff after a block. The next cycle asks
only for the new window plus `WeiboSettings.overlap_minutes`; overlapping posts are deduplicated by id
here and upserted by id in the store, so nothing is lost and nothing is stored twice.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pipeline.exceptions import ConfigError, SourceError
from pipeline.models import SHANGHAI, Post, format_time
from pipeline.plugins import load_class
from pipeline.sources.base import CollectSummary, RawPage, Source
from pipeline.sources.blocking import error_kind, is_block
from pipeline.sources.checkpoint import Checkpoint
from pipeline.sources.health import record_health
from pipeline.store.base import Store

# requests, BeautifulSoup and the sources are imported where they are used (`SOURCES` names them): the
# command line reads `SOURCE_NAMES` from here for every command, including those that never collect.
if TYPE_CHECKING:
    import requests

    from pipeline.config import BrandConfig, Settings

logger = logging.getLogger(__name__)

# The sources that search (`pipeline.plugins`); "jsonl", the inbox, is read by the monitoring cycle instead.
SOURCES: dict[str, str] = {
    "weibo-search": "pipeline.sources.weibo_search:WeiboSearchSource",
    "weibo-mobile": "pipeline.sources.weibo_mobile:WeiboMobileSource",
    "mastodon": "pipeline.sources.mastodon:MastodonSource",
}
SOURCE_NAMES = tuple(SOURCES)


@dataclass
class CollectResult:
    posts: list[Post] = field(default_factory=list)
    summary: CollectSummary = field(default_factory=CollectSummary)
    stopped_by: str | None = None  # kind of the error that stopped the source early: results are partial


def make_source(
    name: str,
    http: requests.Session,
    settings: Settings,
    sleep: Callable[[float], None] = time.sleep,
    base_url: str | None = None,
    on_page: Callable[[RawPage], None] | None = None,
) -> Source:
    """The source called `name` (one of `SOURCE_NAMES`), optionally at another host."""
    if name not in SOURCES:
        raise ConfigError(f"unknown source {name!r} (known: {', '.join(SOURCE_NAMES)})")
    source: Source = load_class(SOURCES[name]).from_settings(
        settings, http=http, sleep=sleep, base_url=base_url, on_page=on_page
    )
    return source


def collect(
    source: Source,
    keywords: Iterable[str],
    since: datetime,
    until: datetime,
    max_pages: int = 50,
    brand: BrandConfig | None = None,
) -> CollectResult:
    """Run `source` for each keyword; a block or failure stops the source and is reported, never hidden.

    With a brand, hits are kept only when the text names it exactly (the search matches fuzzily), plus
    reposts of kept posts and originals of kept reposts (the spread of a brand post is about the brand).
    """
    result = CollectResult()
    found: list[Post] = []  # each post once: the source de-duplicates (`pipeline.sources.tally`)
    for keyword in keywords:
        try:
            for post in source.search(keyword, since, until, max_pages):
                found.append(post)  # one by one: the posts before a block are kept
        except SourceError as exc:
            kind = error_kind(exc)
            (result.summary.blocked if is_block(exc) else result.summary.failed)[kind] += 1
            result.stopped_by = kind
            result.summary.messages.append(f"{source.name}: {exc}")
            logger.warning("%s stopped on %r: %s", source.name, keyword, exc)
            break
    kept = _keep_brand_posts(found, brand)
    source_summary = source.summary
    result.summary.pages += source_summary.pages
    result.summary.duplicates += source_summary.duplicates
    result.summary.blocked.update(source_summary.blocked)
    result.summary.failed.update(source_summary.failed)
    result.summary.filtered = len(found) - len(kept)
    result.summary.posts = len(kept)
    result.posts = kept
    return result


def _keep_brand_posts(posts: list[Post], brand: BrandConfig | None) -> list[Post]:
    from pipeline.normalise import BrandMatcher

    if brand is None:
        return posts
    matcher = BrandMatcher([brand])
    named = {post.id for post in posts if matcher.match(post.text) == brand.name}
    linked = {post.repost_of for post in posts if post.id in named and post.repost_of}
    return [
        post.with_changes(brand=brand.name)
        for post in posts
        if post.id in named or post.id in linked or (post.repost_of is not None and post.repost_of in named)
    ]


def collect_for_brand(
    settings: Settings,
    brand: BrandConfig,
    store: Store,
    now: datetime,
    http: requests.Session | None = None,
    *,
    sleep: Callable[[float], None] = time.sleep,
    base_urls: dict[str, str] | None = None,
    max_pages: int = 50,
) -> CollectResult:
    """One monitoring cycle for one brand over its configured sources (JSONL replay is not collected here)."""
    import requests

    if now.tzinfo is None:
        now = now.replace(tzinfo=SHANGHAI)  # a naive time is Weibo's own zone, as everywhere in the project
    session = http or requests.Session()
    result = CollectResult()
    try:
        for name in brand.sources:
            if name == "jsonl":
                continue
            one = _collect_one(settings, brand, store, now, session, name, sleep, base_urls or {}, max_pages)
            result.posts.extend(one.posts)
            result.summary.merge(one.summary)
    finally:
        if http is None:
            session.close()
    logger.info("collected for %s: %s", brand.name, result.summary)
    return result


def _collect_one(
    settings: Settings,
    brand: BrandConfig,
    store: Store,
    now: datetime,
    http: requests.Session,
    name: str,
    sleep: Callable[[float], None],
    base_urls: dict[str, str],
    max_pages: int,
) -> CollectResult:
    checkpoint = Checkpoint.load(store, brand.name, name)
    blocked_until = checkpoint.blocked_until
    if blocked_until is not None and now < blocked_until:
        skipped = CollectResult()
        why = f"backing off after {checkpoint.last_block} until {format_time(blocked_until)}"
        skipped.summary.skipped.append(f"{name} ({why})")
        record_health(store, brand.name, name, now, "backing_off", message=why)
        return skipped
    since, until = checkpoint.window(now, timedelta(minutes=settings.weibo.overlap_minutes))
    checkpoint.in_progress = (since, until)
    checkpoint.save(store)

    def keep_raw(page: RawPage) -> None:
        digest = hashlib.sha1(page.url.encode("utf-8")).hexdigest()[:16]
        doc = {**page.to_record(), "brand": brand.name, "source": name}
        store.put_record("raw_page", f"{name}:{format_time(page.fetched_at)}:{digest}", doc)

    on_page = keep_raw if settings.weibo.keep_raw else None
    source = make_source(name, http, settings, sleep, base_urls.get(name), on_page)
    result = collect(source, brand.search_keywords, since, until, max_pages, brand)
    checkpoint.last_run_at = now
    if result.summary.blocked:
        kind = next(iter(result.summary.blocked))
        checkpoint.blocked(kind, now, settings.weibo.backoff_s, settings.weibo.max_backoff_s)
    elif not result.summary.failed:
        checkpoint.finished(until)
    checkpoint.save(store)
    _note_health(settings, store, brand.name, name, now, result)
    return result


def _note_health(settings: Settings, store: Store, brand: str, name: str, now: datetime, result: CollectResult) -> None:
    message = "; ".join(result.summary.messages) or None
    if result.summary.blocked:
        if name.startswith("weibo") and settings.weibo_effective.cookie is None:
            message = f"{message or 'blocked'} (no cookie: set YUQING_WEIBO_COOKIE)"
        record_health(store, brand, name, now, "blocked", message=message, posts=result.summary.posts)
    elif result.summary.failed:
        record_health(store, brand, name, now, "failing", message=message, posts=result.summary.posts)
    else:
        record_health(store, brand, name, now, "ok", posts=result.summary.posts)
