"""The demo day moved to now, for a first run of the real scheduler: its posts shifted so that the scripted
蒙牛 crisis is under way at this moment (a big account reposted it twenty minutes ago), cut at now, and written
as one file into the JSONL inbox that the complaint monitor reads. Nothing else is touched."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pipeline.demo.posts import BIG_ACCOUNT_REPOST_ID, generate_demo_posts
from pipeline.jsonl import atomic_writer
from pipeline.models import format_time, parse_time

LIVE_FILE = "demo-live.jsonl"
BIG_ACCOUNT_AGO = timedelta(minutes=20)


def live_posts(now: datetime) -> list[dict[str, Any]]:
    """The demo posts up to `now`, shifted so that the big account's repost was `BIG_ACCOUNT_AGO` before it."""
    posts = generate_demo_posts()
    anchor = next(parse_time(post["created_at"]) for post in posts if post["id"] == BIG_ACCOUNT_REPOST_ID)
    shift = now - BIG_ACCOUNT_AGO - anchor
    moved = []
    for post in posts:
        created = parse_time(post["created_at"]) + shift
        if created <= now:
            moved.append({**post, "created_at": format_time(created)})
    return moved


def write_live_inbox(inbox: Path, now: datetime) -> tuple[Path, int]:
    """Write the shifted posts to `<inbox>/demo-live.jsonl` (replacing an earlier copy); (path, posts)."""
    posts = live_posts(now)
    inbox.mkdir(parents=True, exist_ok=True)
    path = inbox / LIVE_FILE
    with atomic_writer(path) as handle:
        for post in posts:
            handle.write(json.dumps(post, ensure_ascii=False) + "\n")
    return path, len(posts)
