"""An in-memory record store for backtests and benchmarks, where nothing must outlive the run."""

from __future__ import annotations

import json
from typing import Any

from pipeline.exceptions import RecordConflict
from pipeline.store.records import NEW, RecordKind, VersionedRecord, matches


class InMemoryRecords:
    """Keeps (kind, key) → JSON document with a version counter: the semantics of the real stores."""

    def __init__(self) -> None:
        # Kept as JSON text: a record is a JSON document in every real store too, and copies stay cheap.
        self._records: dict[tuple[str, str], tuple[str, int]] = {}

    def put_record(self, kind: RecordKind, key: str, doc: dict[str, Any], *, if_version: str | None = None) -> str:
        stored = self._records.get((kind, key))
        if if_version is not None:
            found = str(stored[1]) if stored is not None else NEW
            if found != if_version:
                raise RecordConflict(f"{kind} record {key!r} is at version {found or 'none'}, not {if_version}")
        version = (stored[1] if stored is not None else 0) + 1
        self._records[(kind, key)] = (json.dumps(doc, ensure_ascii=False), version)
        return str(version)

    def get_record(self, kind: RecordKind, key: str) -> dict[str, Any] | None:
        found = self.get_versioned(kind, key)
        return found.doc if found is not None else None

    def get_versioned(self, kind: RecordKind, key: str) -> VersionedRecord | None:
        stored = self._records.get((kind, key))
        return VersionedRecord(key, json.loads(stored[0]), str(stored[1])) if stored is not None else None

    def list_records(self, kind: RecordKind, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return [record.doc for record in self.list_versioned(kind, where)]

    def list_versioned(self, kind: RecordKind, where: dict[str, Any] | None = None) -> list[VersionedRecord]:
        found = []
        for (record_kind, key), (text, version) in sorted(self._records.items()):
            if record_kind == kind and matches(doc := json.loads(text), where):
                found.append(VersionedRecord(key, doc, str(version)))
        return found

    def delete_record(self, kind: RecordKind, key: str) -> None:
        self._records.pop((kind, key), None)
