"""Stores: the embedded SQLite store (default) and the Elasticsearch store, behind one `Store` protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.exceptions import ConfigError
from pipeline.plugins import load_class
from pipeline.store.base import MetricSnapshot, Store, TrendBucket, UpsertCounts

if TYPE_CHECKING:
    from pipeline.config import Settings  # pydantic-settings: the caller has loaded it already

__all__ = ["STORES", "MetricSnapshot", "Store", "TrendBucket", "UpsertCounts", "open_store"]


# Store name → class (`pipeline.plugins`): the Elasticsearch client is imported only when that store is used.
STORES: dict[str, str] = {
    "sqlite": "pipeline.store.sqlite:SQLiteStore",
    "elasticsearch": "pipeline.store.elasticsearch:ElasticsearchStore",
}


def open_store(settings: Settings, kind: str | None = None) -> Store:
    """The configured store (`YUQING_STORE`), or `kind` when given (one of `STORES`)."""
    chosen = kind or settings.store
    if chosen not in STORES:
        raise ConfigError(f"unknown store {chosen!r} (known: {', '.join(STORES)})")
    store: Store = load_class(STORES[chosen]).from_settings(settings)
    return store
