"""An in-memory record store for backtests and benchmarks, where nothing must outlive the run."""

from __future__ import annotations

import json
from typing import Any


class InMemoryRecords:
    """Keeps (kind, key) → JSON document, with the record semantics of `pipeline.store.base.Store`."""

    def __init__(self) -> None:
        # Kept as JSON text: a record is a JSON document in every real store too, and copies stay cheap.
        self._records: dict[tuple[str, str], str] = {}

    def put_record(self, kind: Any, key: str, doc: dict[str, Any]) -> None:
        self._records[(str(kind), key)] = json.dumps(doc, ensure_ascii=False)

    def get_record(self, kind: Any, key: str) -> dict[str, Any] | None:
        text = self._records.get((str(kind), key))
        return json.loads(text) if text is not None else None

    def list_records(self, kind: Any, where: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        matches = []
        for (record_kind, _key), text in sorted(self._records.items()):
            if record_kind != kind:
                continue
            doc = json.loads(text)
            if where and any(doc.get(name) != value for name, value in where.items()):
                continue
            matches.append(doc)
        return matches

    def delete_record(self, kind: Any, key: str) -> None:
        self._records.pop((str(kind), key), None)
