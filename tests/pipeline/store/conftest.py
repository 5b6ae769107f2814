"""The `store` fixture: every contract test runs on SQLite always, and on Elasticsearch when
YUQING_ES_URL points at a real server (skipped otherwise, saying so)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.store.base import Store


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        from pipeline.store.sqlite import SQLiteStore

        sqlite_store = SQLiteStore(tmp_path / "contract.db")
        yield sqlite_store
        sqlite_store.close()
        return
    url = os.environ.get("YUQING_ES_URL")
    if not url:
        pytest.skip("Elasticsearch contract run skipped: set YUQING_ES_URL to a real server to run it")
    from pipeline.store.elasticsearch import ElasticsearchStore

    es_store = ElasticsearchStore.for_tests(url, prefix=f"yuqing-test-{uuid.uuid4().hex[:12]}")
    yield es_store
    es_store.drop_all()
    es_store.close()
