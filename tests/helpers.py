"""Shared test helpers of `tests`: plain names that tests import (the fixtures stay in
conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


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
