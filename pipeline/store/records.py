"""State records: small JSON documents keyed by (kind, key), written with compare-and-set.

Incidents, alert deliveries, collection checkpoints, analyst feedback and silences live here. Several
processes write them at once (a detection cycle, a person acknowledging in the CLI or the console, a
retried Airflow task), so a write can be made conditional on the version that was read: `put_record(...,
if_version=v)` raises `RecordConflict` when someone else wrote in between, and `update_record` re-reads and
re-applies a change until it lands. Versions are opaque strings (a counter in SQLite and in memory,
`seq_no:primary_term` in Elasticsearch); `NEW` asks for "only if there is no such record yet".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pipeline.exceptions import RecordConflict, StoreError

RecordKind = Literal[
    "checkpoint", "incident", "delivery", "feedback", "silence", "raw_page", "source_health", "day_terms", "response"
]
NEW = ""  # `if_version` for a record that must not exist yet
MAX_ATTEMPTS = 50  # a change that loses this many races in a row means something is wrong, not busy


@dataclass(frozen=True, slots=True)
class VersionedRecord:
    key: str
    doc: dict[str, Any]
    version: str


class RecordStore(Protocol):
    """The records part of `pipeline.store.base.Store`; what detection and alerting need."""

    def put_record(self, kind: RecordKind, key: str, doc: dict[str, Any], *, if_version: str | None = None) -> str:
        """Write a record and return its new version. With `if_version` the write happens only if the stored
        version is still that one (`NEW`: only if absent); otherwise `RecordConflict` is raised."""
        ...

    def get_record(self, kind: RecordKind, key: str) -> dict[str, Any] | None: ...

    def get_versioned(self, kind: RecordKind, key: str) -> VersionedRecord | None: ...

    def list_records(self, kind: RecordKind, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Records of a kind whose top-level fields equal `where`'s values, in key order."""
        ...

    def list_versioned(self, kind: RecordKind, where: dict[str, Any] | None = None) -> list[VersionedRecord]: ...

    def delete_record(self, kind: RecordKind, key: str) -> None: ...


Change = Callable[[dict[str, Any] | None], dict[str, Any] | None]


def update_record(
    records: RecordStore,
    kind: RecordKind,
    key: str,
    change: Change,
    *,
    current: VersionedRecord | None = None,
) -> VersionedRecord | None:
    """Read-modify-write one record with compare-and-set, re-running `change` on the fresh copy after a
    conflict. `change` gets a copy of the stored document (None when absent) and returns the document to
    write, or None to leave the record as it is. Returns what is stored afterwards (None: no record).

    `current`, when given, is a recent read to try first (saves a read when nobody wrote since)."""
    for _attempt in range(MAX_ATTEMPTS):
        found = current if current is not None else records.get_versioned(kind, key)
        current = None
        before = _copy(found.doc) if found is not None else None
        after = change(before)
        if after is None:
            return found
        try:
            version = records.put_record(kind, key, after, if_version=found.version if found is not None else NEW)
        except RecordConflict:
            continue
        return VersionedRecord(key, after, version)
    raise StoreError(f"{kind} record {key!r}: gave up after {MAX_ATTEMPTS} conflicting writes")


def _copy(doc: dict[str, Any]) -> dict[str, Any]:
    # A deep copy through JSON: records are JSON documents, and `change` may mutate what it gets.
    copied: dict[str, Any] = json.loads(json.dumps(doc))
    return copied


def matches(doc: dict[str, Any], where: dict[str, Any] | None) -> bool:
    """Plain equality on top-level fields: the filter semantics every record store shares."""
    return not where or all(doc.get(name) == value for name, value in where.items())
