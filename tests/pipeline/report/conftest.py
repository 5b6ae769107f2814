"""A store with eight days of demo-like posts for one brand, and incidents, for briefing tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.i18n import render_reason
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.report.helpers import (
    SURGE_REASON,
    demo_posts,
)


@pytest.fixture
def demo_store(tmp_path: Path) -> Iterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "demo.db")
    store.upsert_posts(demo_posts())
    store.put_record(
        "incident",
        "inc-1",
        {
            "incident_id": "inc-1",
            "kind": "surge",
            "brand": "蒙牛",
            "root_id": None,
            "opened_at": "2026-11-22T11:05:00+08:00",
            "updated_at": "2026-11-22T12:00:00+08:00",
            "status": "open",
            "priority": "P2",
            "reason": render_reason(SURGE_REASON, "zh"),
            "reason_data": SURGE_REASON,
            "evidence": {},
            "predicted_reposts": None,
            "posts": ["weibo:15", "weibo:16"],
        },
    )
    store.put_record(
        "incident",
        "inc-0",
        {
            "incident_id": "inc-0",
            "brand": "蒙牛",
            "status": "resolved",
            "priority": "P4",
            "opened_at": "2026-11-10T09:00:00+08:00",
            "updated_at": "2026-11-11T09:00:00+08:00",
        },
    )
    store.put_record("incident", "inc-x", {"incident_id": "inc-x", "brand": "小米", "status": "open"})
    yield store
    store.close()
