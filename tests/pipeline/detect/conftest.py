"""Fixtures of the detection tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.config import Watchlist
from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.detect.streams import make_watchlist


@pytest.fixture
def watchlist() -> Watchlist:
    return make_watchlist()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    opened = SQLiteStore(tmp_path / "detect.db")
    yield opened
    opened.close()
