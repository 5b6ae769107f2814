"""Shared fixtures: isolated settings and environment, sample posts."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from pipeline.config import Settings

FIXTURES = Path(__file__).parent / "fixtures"

# Property tests draw the same examples on every run by default, so that a run passes or fails for the code,
# not for the draw; `HYPOTHESIS_PROFILE=explore` draws new ones (and more) to look for what they have missed.
hypothesis_settings.register_profile("default", derandomize=True)
hypothesis_settings.register_profile("explore", max_examples=2000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A clean YUQING_* environment; tests set what they need through the returned monkeypatch."""
    for name in list(os.environ):
        if name.startswith("YUQING_"):
            monkeypatch.delenv(name)
    yield monkeypatch


@pytest.fixture
def settings(env: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    env.setenv("YUQING_DATA_DIR", str(tmp_path / "data"))
    env.setenv("YUQING_SCORER", "snownlp")
    return Settings()


def make_post(**overrides: Any) -> dict[str, Any]:
    """A valid post record (docs/data-contracts.md) with the given fields replaced."""
    record: dict[str, Any] = {
        "id": "weibo:4978123456789012",
        "source": "weibo",
        "url": "https://weibo.com/1234567890/Pz1aBcDeF",
        "text": "蒙牛纯牛奶喝出异物，已经打12315投诉了[怒]",
        "created_at": "2026-11-22T10:00:00+08:00",
        "fetched_at": "2026-11-22T10:07:12+08:00",
        "author": {
            "id": "1234567890",
            "name": "路人甲",
            "followers": 5321,
            "verified": False,
            "verified_type": -1,
        },
        "metrics": {"reposts": 12, "comments": 3, "likes": 40},
        "repost_of": None,
    }
    record.update(overrides)
    return record


def write_jsonl(path: Path, lines: list[Any]) -> Path:
    """Write records (dicts become JSON, strings are written raw, to make broken lines on purpose)."""
    path.write_text(
        "".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines),
        encoding="utf-8",
    )
    return path
