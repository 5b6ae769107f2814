"""A detection engine that has seen every post of the window: carried over from the previous cycle and fed only
what the store received since (`pipeline.detect.state`), or built from the store's window (a cold start)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.metadata import version
from pathlib import Path

from pipeline.config import Watchlist
from pipeline.detect.engine import DetectionConfig, DetectionEngine
from pipeline.detect.state import REPEATS_WITHIN, DetectorState, fingerprint, load_state, save_state, state_path
from pipeline.i18n import Language
from pipeline.models import Post
from pipeline.store.base import Store


@dataclass
class CarriedEngine:
    """An engine ready to run, with the state to save once its cycle is done (`path` None: not kept)."""

    engine: DetectionEngine
    state: DetectorState
    path: Path | None

    def save(self, now: datetime) -> None:
        if self.path is not None:
            self.state.forget_before(now - REPEATS_WITHIN)
            save_state(self.path, self.state)


def detection_window(config: DetectionConfig) -> timedelta:
    """How far back a cold start reads: the surge baseline's days plus the cascade horizon."""
    return timedelta(days=config.surge.history_days + 1)


def load_window(store: Store, now: datetime, config: DetectionConfig) -> Iterable[Post]:
    """The posts a cold start needs (and any post stamped a little in the future by a fast clock: the store's
    cursor covers it, so it would not come again)."""
    return store.iter_posts(since=now - detection_window(config))


def carried_engine(
    store: Store,
    watchlist: Watchlist,
    config: DetectionConfig,
    now: datetime,
    *,
    data_dir: Path,
    language: Language = "zh",
) -> CarriedEngine:
    """The engine of this cycle: the saved one fed what is new when it fits (same settings, watchlist, code
    version and a store that has not lost posts), else one built from the store's window."""
    key = fingerprint(config, sorted(brand.name for brand in watchlist.brands), version("yuqing"))
    path = state_path(data_dir, store.location) if store.location else None
    state = load_state(path, key) if path is not None else None
    stored = store.count_posts()
    if state is not None and state.stored_posts <= stored:
        engine = DetectionEngine(
            store, watchlist, config, cascades=state.cascades, surges=state.surges, language=language
        )
        posts, state.cursor = store.posts_added_since(state.cursor)
        engine.observe(post for post in posts if state.unseen(post.id, now))
    else:
        engine = DetectionEngine(store, watchlist, config, language=language)
        window = list(load_window(store, now, config))
        state = DetectorState(key, store.added_cursor(), stored, engine.cascades, engine.surges)
        engine.observe(window)
        # A store may return what was written just before its cursor once more: those are recent posts.
        for post in window:
            if post.created_at >= now - REPEATS_WITHIN:
                state.unseen(post.id, now)
    state.stored_posts = stored
    return CarriedEngine(engine, state, path)
