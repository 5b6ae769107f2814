"""One monitoring cycle for one brand, split into collect → enrich → store steps that exchange small
JSONL batch files, so that an Airflow task passes only a path between steps (XComs stay small).

Once a brand's posts are stored, the answer step (`answers_for_brand`) asks whether the brand answered its
complaints: for a brand with official accounts and a Weibo source, the comments and reposts of its complaints
of the last `ResponseSettings.lookback_hours` are read within `budget_s`, and one response record per
complaint is written. It is a step of its own so that its requests go through the same Weibo pool as
collecting; a block stops that collection only, never the cycle.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.config import BrandConfig, Settings
from pipeline.enrich.registry import make_enricher
from pipeline.exceptions import SourceError
from pipeline.ingest import IngestSummary, enrich_missing, prepare
from pipeline.jsonl import read_posts, write_posts
from pipeline.models import Post
from pipeline.normalise import BrandMatcher
from pipeline.sources.blocking import error_kind, is_block
from pipeline.sources.health import record_health
from pipeline.sources.jsonl import JsonlSource
from pipeline.store import open_store
from pipeline.store.base import Store

if TYPE_CHECKING:
    import requests

    from pipeline.sources.brand_replies import ResponseSummary

logger = logging.getLogger(__name__)
WEIBO_SOURCES = frozenset({"weibo-search", "weibo-mobile"})  # brands whose complaints are Weibo posts
COMMENTS_SOURCE = "weibo-comments"  # the name under which the response collection notes its health


def brand_names(settings: Settings) -> list[str]:
    return [brand.name for brand in settings.watchlist_config.brands]


def collect_batch(settings: Settings, brand_name: str, run_id: str, now: datetime) -> str:
    """Gather this brand's new posts from its configured sources into `<data_dir>/batches/<run>/<brand>.jsonl`."""
    brand = settings.watchlist_config.brand(brand_name)
    matcher = BrandMatcher([brand])
    summary = IngestSummary()
    raw: list[Post] = []
    if "jsonl" in brand.sources:
        raw.extend(JsonlSource(settings.inbox_path).fetch())
    if any(source != "jsonl" for source in brand.sources):
        raw.extend(_collect_remote(settings, brand_name, now))
    posts = prepare(raw, matcher, summary)
    path = _batch_path(settings, run_id, brand_name, "collected")
    write_posts(path, posts)
    logger.info("collect %s: %d posts (%s)", brand_name, len(posts), summary)
    return str(path)


def _collect_remote(settings: Settings, brand_name: str, now: datetime) -> list[Post]:
    from pipeline.sources.collect import collect_for_brand

    with open_store(settings) as store:
        result = collect_for_brand(settings, settings.watchlist_config.brand(brand_name), store, now)
    logger.info("collect %s from the web: %s", brand_name, result.summary)
    return list(result.posts)


def enrich_batch(settings: Settings, collected_path: str) -> str:
    """Score a collected batch (posts stored already with the same text keep their labels: each crawl sees most
    posts of the last one again); writes the enriched batch beside it and returns its path."""
    posts = list(read_posts(collected_path))
    enriched: list[Post] = []
    if posts:
        with open_store(settings) as store:
            enriched = enrich_missing(posts, make_enricher(settings.scorer), store)
    path = Path(collected_path).with_name(Path(collected_path).name.replace(".collected.", ".enriched."))
    write_posts(path, enriched)
    return str(path)


def store_batch(settings: Settings, enriched_path: str) -> dict[str, int]:
    """Upsert an enriched batch (idempotent: a retried task changes nothing the second time); the counts."""
    with open_store(settings) as store:
        counts = asdict(store.upsert_posts(read_posts(enriched_path)))
    logger.info("store %s: %s", enriched_path, counts)
    return counts


def answers_for_brand(settings: Settings, brand_name: str, now: datetime | None = None) -> dict[str, Any]:
    """Collect the brand's answers to its complaints when it has official accounts and a Weibo source; a small
    JSON-able summary (`{"skipped": why}` for a brand that is not checked)."""
    brand = next((b for b in settings.watchlist_config.brands if b.name == brand_name), None)
    if brand is None or not wants_responses(brand):
        return {"skipped": "no official accounts or no Weibo source"}
    with open_store(settings) as store:
        summary = collect_brand_responses(settings, brand, store, now or datetime.now(UTC))
    return {
        "checked": summary.checked,
        "answered": summary.answered,
        "partial": summary.partial,
        "left": summary.left,
        "blocked": summary.blocked or None,
    }


def wants_responses(brand: BrandConfig) -> bool:
    """Whether the cycle checks this brand's complaints for official replies."""
    return bool(brand.official_accounts) and bool(WEIBO_SOURCES & set(brand.sources))


def collect_brand_responses(
    settings: Settings,
    brand: BrandConfig,
    store: Store,
    now: datetime,
    *,
    http: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> ResponseSummary:
    """Check the brand's stored complaints of the last `lookback_hours` for official replies, through one
    polite fetcher shared by the comment and repost sources (one pace and one request cap towards
    m.weibo.cn), within `budget_s`. Original posts only: the brand answers a complaint, not each of its
    reposts. Blocks and failures end up in the summary and the source health, never raised."""
    import requests

    from pipeline.sources.brand_replies import ResponseSummary, collect_responses
    from pipeline.sources.http import PoliteFetcher
    from pipeline.sources.weibo_comments import WeiboCommentSource
    from pipeline.sources.weibo_reposts import WeiboRepostTimelineSource

    responses = settings.responses
    weibo = settings.weibo_effective
    since = now - timedelta(hours=responses.lookback_hours)
    complaints = [
        post
        for post in store.iter_posts(brand=brand.name, since=since, until=now, originals_only=True)
        if post.complaint is not None and post.complaint.is_complaint
    ]
    session = http or requests.Session()
    try:
        fetcher = PoliteFetcher.for_weibo(session, weibo, sleep)
        comments = WeiboCommentSource.from_settings(settings, http=session, sleep=sleep, fetcher=fetcher)
        reposts = WeiboRepostTimelineSource(session, weibo, sleep, weibo.mobile_base_url, fetcher=fetcher)
        summary = collect_responses(
            complaints,
            brand,
            comments.fetch,
            reposts.fetch,
            store,
            now,
            responses.budget_s,
            min_severity=responses.min_severity,
            monotonic=monotonic,
        )
    except SourceError as exc:  # not expected (blocks end a run without raising), and never the cycle's end
        logger.warning("responses of %s not collected: %s", brand.name, exc)
        summary = ResponseSummary(blocked=f"{error_kind(exc)}: {exc}" if is_block(exc) else "")
        summary.failed[error_kind(exc)] += 1
    finally:
        if http is None:
            session.close()
    _note_health(store, brand.name, now, summary)
    logger.info("responses of %s: %s", brand.name, summary)
    return summary


def _note_health(store: Store, brand: str, now: datetime, summary: ResponseSummary) -> None:
    if summary.blocked:
        record_health(store, brand, COMMENTS_SOURCE, now, "blocked", message=summary.blocked, posts=summary.checked)
    elif summary.failed and not summary.checked:
        failures = ", ".join(f"{kind}={count}" for kind, count in sorted(summary.failed.items()))
        record_health(store, brand, COMMENTS_SOURCE, now, "failing", message=failures, posts=summary.checked)
    elif summary.left:
        note = f"time budget spent: {summary.left} complaints left for the next cycle"
        record_health(store, brand, COMMENTS_SOURCE, now, "over_budget", message=note, posts=summary.checked)
    else:
        record_health(store, brand, COMMENTS_SOURCE, now, "ok", posts=summary.checked)


def _batch_path(settings: Settings, run_id: str, brand: str, stage: str) -> Path:
    safe_run = "".join(char if char.isalnum() or char in "-_" else "_" for char in run_id)
    return settings.data_dir / "batches" / safe_run / f"{brand}.{stage}.jsonl"
