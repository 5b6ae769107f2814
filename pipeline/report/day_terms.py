"""Terms of one brand's negative and complaint posts on one local day, counted once and kept as a record.

Counting means segmenting every such post of the day (jieba, ~100 µs a post): a week of a busy brand took
seconds, and the briefing needs eight days. A day's counts are stored (record kind `day_terms`) with what they
were counted from: the day's post count by sentiment, and the latest creation time counted. When the day has
gained posts since, and all of them are newer than that time (posts arrive in time order while a day goes on),
only those are counted and added; any other change (posts re-scored, a late backfill) counts the day again.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from pipeline.models import Post
from pipeline.segment import terms
from pipeline.store.base import Store
from pipeline.store.records import RecordKind

KIND: RecordKind = "day_terms"


def day_terms(
    store: Store, brand: str, day_start: datetime, day_end: datetime, sentiments: dict[str, int]
) -> Counter[str]:
    """Term counts (one per post that holds the term) of the day's negative or complaint posts of `brand`.
    `sentiments` is the day's post count per sentiment label, as trends give it: the caller has it already."""
    key = f"{brand}|{day_start.isoformat()}"  # the local midnight with its offset: the day and the zone
    stored = store.get_record(KIND, key)
    counts, latest = _parse(stored)
    if stored is not None and stored.get("sentiments") == sentiments:
        return counts
    counted: dict[str, int] = stored.get("sentiments", {}) if stored is not None else {}
    if counted and latest is not None and _only_grew(counted, sentiments):
        newer = list(store.iter_posts(brand=brand, since=latest + timedelta(microseconds=1), until=day_end))
        if len(newer) == sum(sentiments.values()) - sum(counted.values()):
            counts += _count(newer, brand)
            latest = max([latest, *(post.created_at for post in newer)])
            _save(store, key, sentiments, counts, latest)
            return counts
    posts = list(store.iter_posts(brand=brand, since=day_start, until=day_end))
    counts = _count(posts, brand)
    _save(store, key, sentiments, counts, max((post.created_at for post in posts), default=None))
    return counts


def _count(posts: list[Post], brand: str) -> Counter[str]:
    counter: Counter[str] = Counter()
    brand_words = {brand.lower()}
    for post in posts:
        if post.is_negative or (post.complaint is not None and post.complaint.is_complaint):
            counter.update(term for term in terms(post.text) if term not in brand_words)
    return counter


def _only_grew(before: dict[str, int], now: dict[str, int]) -> bool:
    return all(now.get(label, 0) >= count for label, count in before.items())


def _parse(stored: dict[str, Any] | None) -> tuple[Counter[str], datetime | None]:
    if stored is None:
        return Counter(), None
    latest = stored.get("latest")
    return Counter(dict(stored.get("terms", []))), datetime.fromisoformat(latest) if latest else None


def _save(store: Store, key: str, sentiments: dict[str, int], counts: Counter[str], latest: datetime | None) -> None:
    doc = {
        "sentiments": sentiments,
        "latest": latest.isoformat() if latest else None,
        "terms": sorted(counts.items()),
    }
    store.put_record(KIND, key, doc)
