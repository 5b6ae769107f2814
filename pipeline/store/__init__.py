"""Stores: the embedded SQLite store (default) and the Elasticsearch store, behind one `Store` protocol."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipeline.store.base import MetricSnapshot, Store, TrendBucket, UpsertCounts

if TYPE_CHECKING:
    from pipeline.config import Settings  # pydantic-settings: the caller has loaded it already

__all__ = ["MetricSnapshot", "Store", "TrendBucket", "UpsertCounts", "open_store"]


def open_store(settings: Settings, kind: str | None = None) -> Store:
    """The configured store (`YUQING_STORE`), or `kind` when given ("sqlite" | "elasticsearch")."""
    chosen = kind or settings.store
    if chosen == "elasticsearch":
        from pipeline.store.elasticsearch import ElasticsearchStore

        return ElasticsearchStore.from_settings(settings.es)
    from pipeline.store.sqlite import SQLiteStore

    return SQLiteStore(settings.sqlite_path)
