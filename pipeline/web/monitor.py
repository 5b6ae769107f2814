"""The monitoring cycle inside `yuqing serve`: the same task bodies the DAGs run (`pipeline.tasks`), on the
same schedules, in one background thread, so that one command gives a working monitor on one machine.

Every `complaint_monitor` interval: collect → enrich → store for each brand; then, when posts were added, or
every `spread_tracker` interval: detect and deliver; then the budgeted cascade refresh. A failing step is
logged and the loop goes on, as Airflow would retry the task. Intervals come from `YUQING_SCHEDULES__*` when
they are of the form `*/N * * * *` (every N minutes); other cron expressions run at the default interval.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from pipeline.config import Settings

logger = logging.getLogger(__name__)

_EVERY_N_MINUTES = re.compile(r"^\*/(\d+) \* \* \* \*$")


def interval_s(cron: str, default_minutes: int) -> float:
    """Seconds between runs for `*/N * * * *` (and `* * * * *`); the default otherwise."""
    if cron == "* * * * *":
        return 60.0
    match = _EVERY_N_MINUTES.match(cron.strip())
    return float(int(match.group(1)) * 60) if match else default_minutes * 60.0


class MonitorLoop:
    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.collect_every_s = interval_s(settings.schedules.complaint_monitor, 3)
        self.detect_every_s = interval_s(settings.schedules.spread_tracker, 5)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.cycles = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="yuqing-monitor", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        next_collect = next_detect = self.clock()
        while not self._stop.is_set():
            now = self.clock()
            added = 0
            if now >= next_collect:
                added = self._step("collect", self.collect_once)
                next_collect = now + self.collect_every_s
            if added or now >= next_detect:
                self._step("detect", self.detect_once)
                self._step("refresh", self.refresh_once)
                next_detect = now + self.detect_every_s
            self.cycles += 1
            self._stop.wait(max(1.0, min(next_collect, next_detect) - self.clock()))

    def _step(self, name: str, step: Callable[[], int]) -> int:
        try:
            return step()
        except Exception:  # a failed step is reported and retried next time, like a failed task
            logger.exception("monitor: %s failed; trying again at the next interval", name)
            return 0

    def collect_once(self) -> int:
        """Collect, enrich and store every brand's new posts, then its answers to complaints (as the DAG's steps
        do); returns how many posts were added."""
        from pipeline.tasks.complaint_monitor import (
            answers_for_brand,
            brand_names,
            collect_batch,
            enrich_batch,
            store_batch,
        )

        now = datetime.now(UTC)
        run_id = f"serve__{now:%Y%m%dT%H%M%S}"
        added = 0
        for brand in brand_names(self.settings):
            collected = collect_batch(self.settings, brand, run_id, now)
            added += int(store_batch(self.settings, enrich_batch(self.settings, collected))["inserted"])
            answers_for_brand(self.settings, brand, now)
        return added

    def detect_once(self) -> int:
        from pipeline.tasks.spread_tracker import detect_step

        return int(detect_step(self.settings)["notifications"])

    def refresh_once(self) -> int:
        from pipeline.tasks.spread_tracker import refresh_step

        return int(refresh_step(self.settings)["stored"])
