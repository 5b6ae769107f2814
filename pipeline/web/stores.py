"""One store per worker thread: FastAPI runs plain endpoints in a thread pool, and a SQLite connection is not
shared across threads mid-transaction. Opened on first use, all closed when the app stops."""

from __future__ import annotations

import threading
from collections.abc import Callable

from pipeline.store.base import Store


class StorePool:
    def __init__(self, open_store: Callable[[], Store]) -> None:
        self._open = open_store
        self._local = threading.local()
        self._all: list[Store] = []
        self._lock = threading.Lock()

    def get(self) -> Store:
        store: Store | None = getattr(self._local, "store", None)
        if store is None:
            store = self._open()
            self._local.store = store
            with self._lock:
                self._all.append(store)
        return store

    def close(self) -> None:
        with self._lock:
            stores, self._all = self._all, []
        for store in stores:
            store.close()
