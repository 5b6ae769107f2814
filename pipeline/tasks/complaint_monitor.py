"""One monitoring cycle for one brand, split into collect → enrich → store steps that exchange small
JSONL batch files, so that an Airflow task passes only a path between steps (XComs stay small)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.config import Settings
from pipeline.enrich.registry import make_enricher
from pipeline.ingest import IngestSummary, enrich_missing, prepare
from pipeline.jsonl import read_posts, write_posts
from pipeline.models import Post
from pipeline.normalise import BrandMatcher
from pipeline.sources.jsonl import JsonlSource
from pipeline.store import open_store

logger = logging.getLogger(__name__)


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


def store_batch(settings: Settings, enriched_path: str) -> dict[str, Any]:
    """Upsert an enriched batch (idempotent: a retried task changes nothing the second time)."""
    with open_store(settings) as store:
        counts = store.upsert_posts(read_posts(enriched_path))
    logger.info("store %s: %s", enriched_path, counts)
    return asdict(counts)


def _batch_path(settings: Settings, run_id: str, brand: str, stage: str) -> Path:
    safe_run = "".join(char if char.isalnum() or char in "-_" else "_" for char in run_id)
    return settings.data_dir / "batches" / safe_run / f"{brand}.{stage}.jsonl"
