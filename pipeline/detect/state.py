"""Detector state kept between cycles, so that a cycle reads only the posts stored since the last one.

Rebuilding the detectors from the store every cycle means reading and parsing every post of the last eight
days (the surge baseline's days): seconds on a busy brand, growing with the volume. Instead the cascade and
surge detectors are saved after each cycle together with the store's cursor (`Store.added_cursor`), and the
next cycle feeds them only `Store.posts_added_since(cursor)`. A store may return a post again shortly after
its cursor (Elasticsearch reads a little before it, to catch writes that were not yet searchable): the ids read
in the last half hour are kept to drop such repeats.

A cold start (no saved state, or one saved with other detection settings, another watchlist, another code
version, or for a store that has since lost posts) reads the window from the store as before. The state is a
pickle under `<data_dir>/detection/`, one file per store, written to a temporary file and renamed: losing it
costs one cold start, never a page. It is the deployment's own file, read only from its data folder.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from pipeline.detect.base import epoch
from pipeline.detect.cascade import CascadeDetector
from pipeline.detect.surge import SurgeDetector

logger = logging.getLogger(__name__)

STATE_VERSION = 1  # raise when the detectors' saved shape changes: older files are then ignored
REPEATS_WITHIN = timedelta(minutes=30)  # how long read ids are kept to drop a repeat (stores repeat for ~2 min)


@dataclass
class DetectorState:
    """What a cycle hands to the next: the detectors, where in the store they have read to, and the ids read."""

    fingerprint: str
    cursor: str
    stored_posts: int  # the store's post count when saved: fewer later means the store was reset
    cascades: CascadeDetector
    surges: SurgeDetector
    seen: dict[str, float] = field(default_factory=dict)  # post id → when a cycle read it (epoch s)

    def unseen(self, post_id: str, now: datetime) -> bool:
        """True the first time a post id is offered (and remembers it)."""
        if post_id in self.seen:
            return False
        self.seen[post_id] = epoch(now)
        return True

    def forget_before(self, oldest: datetime) -> None:
        """Drop the ids read before `oldest`: long past the time a store could return them again."""
        cutoff = epoch(oldest)
        self.seen = {post_id: read for post_id, read in self.seen.items() if read >= cutoff}


def fingerprint(*parts: object) -> str:
    """Identifies the settings a state was built with; a state with another fingerprint is not reused."""
    text = "|".join(repr(part) for part in (STATE_VERSION, *parts))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def state_path(data_dir: Path, store_location: str) -> Path:
    digest = hashlib.sha256(store_location.encode()).hexdigest()[:12]
    return data_dir / "detection" / f"state-{digest}.pickle"


def load_state(path: Path, expected: str) -> DetectorState | None:
    """The saved state when it exists and was built with the `expected` fingerprint, else None."""
    try:
        with path.open("rb") as handle:
            state = pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as exc:  # an unreadable or outdated file is a cold start, not a failed cycle
        logger.warning("detection state %s unreadable (%s): starting from the store", path, type(exc).__name__)
        return None
    if not isinstance(state, DetectorState) or state.fingerprint != expected:
        logger.info("detection state %s was built with other settings: starting from the store", path)
        return None
    return state


def save_state(path: Path, state: DetectorState) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as handle:
        pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)  # a cycle that dies mid-write leaves the previous state in place
