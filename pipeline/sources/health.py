"""Source health: per brand and source, when it last worked, how it last failed, and what it is doing about it.

Collection and the cascade refresh never let a failing source stop the run; they write one `source_health`
record per (brand, source) instead, which `yuqing sources` shows. States: `ok`; `blocked` (a login wall,
captcha or rate limit: the source backs off); `failing` (errors, not blocks); `backing_off` (skipped this run
because of an earlier block); `over_budget` (the run's time budget ended before the source was done).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pipeline.models import format_time
from pipeline.store.records import RecordStore, update_record

HealthState = Literal["ok", "blocked", "failing", "backing_off", "over_budget"]
ANY_BRAND = "*"  # sources that serve every brand at once (the repost-timeline refresh)
_MESSAGE_CHARS = 300


def health_key(brand: str, source: str) -> str:
    return f"{brand}|{source}"


def record_health(
    store: RecordStore,
    brand: str,
    source: str,
    now: datetime,
    state: HealthState,
    *,
    message: str | None = None,
    posts: int = 0,
) -> None:
    """Note the outcome of one run of `source` for `brand` (a concurrent writer's note is re-read, not lost)."""
    stamp = format_time(now)

    def apply(found: dict[str, Any] | None) -> dict[str, Any]:
        doc = found or {}
        doc.update(brand=brand, source=source, state=state, last_attempt_at=stamp, posts_last_run=posts)
        if state == "ok":
            doc.update(last_success_at=stamp, failures_in_a_row=0)
        elif state in ("blocked", "failing"):
            doc.update(
                last_error_at=stamp,
                last_error=(message or state)[:_MESSAGE_CHARS],
                failures_in_a_row=int(doc.get("failures_in_a_row") or 0) + 1,
            )
        if message and state in ("backing_off", "over_budget"):
            doc["note"] = message[:_MESSAGE_CHARS]
        else:
            doc.pop("note", None)
        return doc

    update_record(store, "source_health", health_key(brand, source), apply)


def list_health(store: RecordStore) -> list[dict[str, Any]]:
    """Every source's health record, by brand then source."""
    records = store.list_records("source_health")
    return sorted(records, key=lambda doc: (str(doc.get("brand")), str(doc.get("source"))))
