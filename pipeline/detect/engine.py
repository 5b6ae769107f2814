"""One detection cycle at time `now`: feed posts to A1/A2, apply the unanswered-complaint rule to the response
records, fuse their hits into incidents (A3) and resolve the incidents of complaints that got their reply.

The same `DetectionEngine` runs in production (`pipeline.tasks.spread_tracker`, carried from cycle to cycle by
`pipeline.detect.incremental`), in `yuqing backtest` (fed in time order on a simulated clock) and in
`benchmarks/detection.py`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from pipeline.config import DetectionSettings, ResponseSettings, Watchlist
from pipeline.detect.cascade import CascadeDetector, CascadeRules
from pipeline.detect.incidents import Incident, IncidentBook, IncidentManager, IncidentRules
from pipeline.detect.surge import SurgeDetector, SurgeRules
from pipeline.detect.unanswered import PostLookup, ResponseState, UnansweredRules, check_unanswered, states_of
from pipeline.exceptions import ConfigError
from pipeline.i18n import Language
from pipeline.models import Post
from pipeline.store.records import RecordStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DetectionConfig:
    """All detection parameters in one place; the defaults are the tuned ones (see docs/benchmarks.md)."""

    cascade: CascadeRules = field(default_factory=CascadeRules)
    surge: SurgeRules = field(default_factory=SurgeRules)
    incidents: IncidentRules = field(default_factory=IncidentRules)
    unanswered: UnansweredRules = field(default_factory=UnansweredRules)


def detection_config(
    overrides: DetectionSettings | None = None, responses: ResponseSettings | None = None
) -> DetectionConfig:
    """The shipped `DetectionConfig` with the fields set in the settings (`YUQING_DETECTION__...`) replaced,
    and the unanswered rule of `YUQING_RESPONSES__...` when given."""
    config = DetectionConfig()
    if responses is not None:
        unanswered = UnansweredRules(
            after=timedelta(minutes=responses.unanswered_after_minutes),
            min_severity=responses.unanswered_min_severity,
            follow_for=timedelta(hours=responses.lookback_hours),
        )
        config = replace(config, unanswered=unanswered)
    if overrides is None:
        return config
    cascade, surge = config.cascade, config.surge
    seismic = cascade.seismic
    if overrides.n_star is not None:
        seismic = replace(seismic, n_star=overrides.n_star)
    if overrides.lower_bound_max_age_s is not None:
        seismic = replace(seismic, lower_bound_max_age_s=overrides.lower_bound_max_age_s)
    cascade = replace(cascade, seismic=seismic)
    if overrides.predicted_threshold is not None:
        cascade = replace(cascade, predicted_threshold=overrides.predicted_threshold)
    if overrides.big_account_predicted_threshold is not None:
        cascade = replace(cascade, big_account_predicted_threshold=overrides.big_account_predicted_threshold)
    if overrides.velocity_threshold is not None:
        cascade = replace(cascade, velocity_threshold=overrides.velocity_threshold)
    if overrides.surge_alpha is not None:
        surge = replace(surge, alpha=overrides.surge_alpha)
    return replace(config, cascade=cascade, surge=surge)


def escalation_policy(watchlist: Watchlist | None) -> Any:
    """How long a P1/P2 incident of a brand may stay unacknowledged before a route escalates: the shortest
    delay of the routes it went to (the brand's route and its urgent route; the service route for an
    unanswered complaint) that have an `escalate_to`."""

    def delay(incident: Incident) -> timedelta | None:
        if watchlist is None:
            return None
        try:
            brand = watchlist.brand(incident.brand)
        except ConfigError:  # a brand removed from the watchlist simply has no escalation
            return None
        names = (
            (brand.service_route or brand.route,)
            if incident.kind == "unanswered"
            else (brand.route, brand.urgent_route)
        )
        routes = [watchlist.routes.get(name) for name in names if name]
        delays = [timedelta(minutes=route.escalate_after_minutes) for route in routes if route and route.escalate_to]
        return min(delays, default=None)

    return delay


Responses = Callable[[datetime], Iterable[ResponseState]]  # the response records as a check at a time sees them


class DetectionEngine:
    """Detectors plus incident fusion over one record store.

    `responses` gives the response records the unanswered rule reads at a time (default: those in `records`,
    as they are now); `complaint_posts` finds the complaints they are about, for the author, text and link
    an alert quotes (default: none, the alert names the post id)."""

    def __init__(
        self,
        records: RecordStore,
        watchlist: Watchlist | None = None,
        config: DetectionConfig | None = None,
        *,
        history_start: datetime | None = None,
        outbox: bool = True,
        cascades: CascadeDetector | None = None,
        surges: SurgeDetector | None = None,
        language: Language = "zh",  # of the incident reasons it writes
        responses: Responses | None = None,
        complaint_posts: PostLookup | None = None,
    ) -> None:
        self.config = config or DetectionConfig()
        self.watchlist = watchlist
        # Detectors carried over from an earlier cycle (`pipeline.detect.state`), or new ones.
        self.cascades = cascades or CascadeDetector(self.config.cascade)
        self.surges = surges or SurgeDetector(self.config.surge, history_start=history_start)
        self.incidents = IncidentManager(
            IncidentBook(records, outbox=outbox),
            self.config.incidents,
            escalation_policy(watchlist),
            language=language,
        )
        self._brands = {brand.name for brand in watchlist.brands} if watchlist else None
        self._responses: Responses = responses or (lambda _now: states_of(records.list_records("response")))
        self.complaint_posts = complaint_posts
        self.observed = 0

    def observe(self, posts: Iterable[Post]) -> None:
        for post in posts:
            if self._brands is not None and post.brand is not None and post.brand not in self._brands:
                continue
            self.cascades.update(post)
            self.surges.update(post)
            self.observed += 1

    def run(self, now: datetime) -> list[dict[str, Any]]:
        """Check the detectors at `now` and return the notifications incident fusion decided to send."""
        cascade = self.cascades.check(now)
        surge = self.surges.check(now)
        waiting = check_unanswered(
            self._responses(now), now, self.config.unanswered, brands=self._brands, posts=self.complaint_posts
        )
        notes = self.incidents.process(
            [*cascade.hits, *surge.hits, *waiting.hits], cascade.active | surge.active | waiting.active, now
        )
        return notes + self.incidents.settle(waiting.answered, now)
