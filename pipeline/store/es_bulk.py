"""Bulk writes to Elasticsearch with per-document outcomes and retries: nothing is silently dropped.

`streaming_bulk` reports each document's status. Rejections that may pass on a second try (429, 5xx, a
version conflict, a dropped connection) are retried with backoff; anything else fails at once. The caller
gets the result of every document that succeeded and the reason of every one that did not, and decides
how to report them (the store raises `StoreError` naming the ids).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Literal

import elastic_transport
from elasticsearch import Elasticsearch
from elasticsearch.helpers import streaming_bulk

from pipeline.exceptions import StoreError
from pipeline.store.es_errors import describe

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
SHOWN_FAILURES = 10
Refresh = bool | Literal["wait_for"]


@dataclass
class BulkOutcome:
    """`ok`: document id → the server's result ("created", "updated", "noop"); `failed`: id → reason."""

    ok: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def _retryable(status: int) -> bool:
    return status == 409 or status == 429 or status >= 500


def _reason(info: dict[str, Any]) -> str:
    error = info.get("error")
    if isinstance(error, dict):
        return f"HTTP {info.get('status')} {error.get('type', '')}: {error.get('reason', '')}"
    return f"HTTP {info.get('status')}: {error}"


def send_once(
    client: Elasticsearch,
    actions: list[dict[str, Any]],
    *,
    refresh: Refresh = False,
    conflict_means_done: bool = False,
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """One pass of `streaming_bulk` → (ok, retryable, permanent), each keyed by document id."""
    ok: dict[str, str] = {}
    retry: dict[str, str] = {}
    permanent: dict[str, str] = {}
    try:
        for success, item in streaming_bulk(
            client,
            actions,
            chunk_size=CHUNK_SIZE,
            raise_on_error=False,
            raise_on_exception=False,
            max_retries=0,  # retries are ours, so that a conflict can re-read and nothing goes unreported
            refresh=refresh,
        ):
            op_type, info = next(iter(item.items()))
            doc_id = str(info.get("_id"))
            status = int(info.get("status", 500))
            if success:
                ok[doc_id] = str(info.get("result", op_type))
            elif status == 409 and conflict_means_done and op_type == "create":
                ok[doc_id] = "noop"  # this exact document (deterministic id) is already stored
            elif _retryable(status):
                retry[doc_id] = _reason(info)
            else:
                permanent[doc_id] = _reason(info)
    except elastic_transport.TransportError as exc:
        # The connection failed mid-stream: every document without an answer is worth another try.
        for action in actions:
            doc_id = str(action["_id"])
            if doc_id not in ok and doc_id not in permanent:
                retry[doc_id] = describe(exc)
    return ok, retry, permanent


def write_with_retries(
    client: Elasticsearch,
    ids: Iterable[str],
    build_actions: Callable[[list[str]], list[dict[str, Any]]],
    *,
    attempts: int = 3,
    backoff_s: float = 1.0,
    sleep: Callable[[float], None],
    refresh: Refresh = False,
    conflict_means_done: bool = False,
) -> BulkOutcome:
    """Write the actions `build_actions(pending ids)` returns, retrying retryable failures.

    Actions are rebuilt before each attempt, so a write that lost a version conflict is recomputed from
    the document as it now is. An id for which `build_actions` returns no action is left out of the
    outcome (the caller decided it needs no write).
    """
    outcome = BulkOutcome()
    pending = list(dict.fromkeys(ids))
    for attempt in range(1, attempts + 1):
        if not pending:
            break
        if attempt > 1:
            delay = backoff_s * 2 ** (attempt - 2)
            logger.warning("retrying %d document(s) in %.1f s (attempt %d/%d)", len(pending), delay, attempt, attempts)
            sleep(delay)
        actions = build_actions(pending)
        ok, retry, permanent = send_once(client, actions, refresh=refresh, conflict_means_done=conflict_means_done)
        outcome.ok.update(ok)
        outcome.failed.update(permanent)
        for doc_id in ok:
            outcome.failed.pop(doc_id, None)
        if attempt == attempts:
            outcome.failed.update(retry)
        pending = list(retry)
    for doc_id, reason in outcome.failed.items():
        logger.error("document %s was not written: %s", doc_id, reason)
    return outcome


def raise_for_failures(what: str, outcome: BulkOutcome) -> None:
    """Raise `StoreError` naming the documents (the first ten, then a count) that were not written."""
    if not outcome.failed:
        return
    shown = "; ".join(f"{doc_id}: {reason}" for doc_id, reason in islice(outcome.failed.items(), SHOWN_FAILURES))
    more = len(outcome.failed) - SHOWN_FAILURES
    raise StoreError(
        f"{len(outcome.failed)} {what} not written after retries: {shown}" + (f" (and {more} more)" if more > 0 else "")
    )
