"""The data of an incident's chart: a cascade's observed repost curve with SEISMIC's forecast recomputed along
it (with the production parameters), or a surge's hourly volume; and the timeline's events as marks on it."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np

from pipeline.config import Settings
from pipeline.detect.engine import detection_config
from pipeline.detect.seismic import estimate
from pipeline.models import Post, format_time, parse_time
from pipeline.store.base import Store
from pipeline.web.words import Words

Translate = Callable[..., str]
MAX_CURVE_POINTS = 600  # observed points drawn; a 50,000-repost cascade needs no more to look the same
FORECAST_POINTS = 60  # moments at which the forecast is recomputed along the curve, fewer for big cascades:
FORECAST_BUDGET = 400_000  # reposts looked at in all (one SEISMIC estimate costs ~0.2 ms per 1,000 reposts)

WORDS: Words = {
    # The words of the chart's data; the incident page shows them, and `incident.volume` as a heading too.
    "incident.volume": {"zh": "每小时帖子数", "en": "Posts per hour"},
    "incident.no_curve": {"zh": "没有可画的数据。", "en": "Nothing to draw."},
    "incident.forecast": {
        "zh": "截至 {time} 实际转发 {observed} 次；SEISMIC 预测 24 小时内共 {predicted} 次（置信下限 {low} 次）。"
        "检测时的预测：{stored} 次。",
        "en": "By {time}: {observed} reposts; SEISMIC forecasts {predicted} within 24 h (at least {low}). "
        "Forecast at detection: {stored}.",
    },
    "incident.supercritical": {"zh": "无上限（爆发式扩散）", "en": "unbounded (explosive)"},
    "incident.too_few": {
        "zh": "截至 {time} 实际转发 {observed} 次，不足以预测。",
        "en": "By {time}: {observed} reposts, too few to forecast.",
    },
    "chart.observed": {"zh": "实际累计转发", "en": "Observed reposts"},
    "chart.forecast": {"zh": "当时预测的最终转发量", "en": "Forecast final size at the time"},
    "chart.projection": {"zh": "预测（24 小时）", "en": "Forecast (24 h)"},
    "chart.reposts": {"zh": "转发", "en": "Reposts"},
    "chart.posts": {"zh": "帖子", "en": "Posts"},
    "event.acknowledged": {"zh": "已确认", "en": "Acknowledged"},  # not in the alert catalogue's events
}


def chart(
    store: Store, settings: Settings, doc: dict[str, Any], now: datetime, t: Translate, as_of: datetime | None = None
) -> dict[str, Any]:
    """The data of the incident's chart: a cascade's repost curve and forecast, or a surge's hourly volume.

    Times are milliseconds of the wall clock in the configured zone written as if it were UTC, so that the
    chart (drawn with ECharts' `useUTC`) shows the console's zone whatever the browser's is."""
    zone = ZoneInfo(settings.timezone)
    events: list[list[Any]] = []
    for entry in doc.get("timeline") or []:
        moment = parse_time(entry["at"], "timeline.at")
        if as_of is None or moment <= as_of:
            events.append([wall_ms(moment, zone), t(f"event.{entry['event']}")])
    if doc.get("kind") == "cascade" and doc.get("root_id"):
        return {**cascade_curve(store, settings, doc, now, t, zone, as_of), "events": events}
    # From the day before it opened until a while after it closed (or the moment asked for), three days at most.
    opened = parse_time(doc["opened_at"], "opened_at")
    closed = parse_time(doc["resolved_at"], "resolved_at") if doc.get("resolved_at") else now
    until = min(as_of or closed + timedelta(hours=6), opened + timedelta(days=3, hours=6))
    return {**volume_curve(store, doc, until, t, zone), "events": events}


def wall_ms(moment: datetime, zone: ZoneInfo) -> int:
    return int(moment.astimezone(zone).replace(tzinfo=UTC).timestamp() * 1000)


def cascade_curve(
    store: Store,
    settings: Settings,
    doc: dict[str, Any],
    now: datetime,
    t: Translate,
    zone: ZoneInfo,
    as_of: datetime | None = None,
) -> dict[str, Any]:
    """Cumulative reposts of the root, SEISMIC's forecast of the final size recomputed along the way (with the
    production parameters), and a projection from the latest moment to the forecast size at the 24-h horizon."""
    rules = detection_config(settings.detection).cascade
    root_id = str(doc["root_id"])
    reposts = store.reposts_of(root_id)
    root = store.get_post(root_id)
    curve: dict[str, Any] = {
        "kind": "cascade",
        "observed": [],
        "forecast": [],
        "projection": [],
        "summary": t("incident.no_curve"),
        "labels": {
            "observed": t("chart.observed"),
            "forecast": t("chart.forecast"),
            "projection": t("chart.projection"),
            "axis": t("chart.reposts"),
        },
    }
    if root is None and not reposts:
        return curve
    start = root.created_at if root is not None else reposts[0].created_at
    times = np.array([(post.created_at - start).total_seconds() for post in reposts], dtype=np.float64)
    followers = np.array([_followers(post) for post in reposts], dtype=np.float64)
    root_followers = _followers(root) if root is not None else 0.0
    # Forecast as of now for a live incident, as of its closing for a resolved one, never before the last
    # repost stored; or as of the moment asked for. Never past the 24-h horizon, after which detection stops
    # evaluating the cascade.
    if as_of is not None:
        at_s = min(max((as_of - start).total_seconds(), 0.0), rules.horizon_s)
    else:
        closed = parse_time(doc["resolved_at"], "resolved_at") if doc.get("resolved_at") else now
        at_s = min(max((closed - start).total_seconds(), float(times[-1]) if len(times) else 0.0), rules.horizon_s)
    at = start + timedelta(seconds=at_s)
    seen_then = times[times <= at_s]

    def x(seconds: float) -> int:
        return wall_ms(start + timedelta(seconds=seconds), zone)

    step = max(1, len(seen_then) // MAX_CURVE_POINTS)
    curve["observed"] = [[x(0.0), 0]] + [[x(float(seen_then[i])), i + 1] for i in range(0, len(seen_then), step)]
    curve["observed"].append([x(at_s), len(seen_then)])
    if len(seen_then) < rules.min_reposts:  # SEISMIC is noise below this, as in detection
        curve["summary"] = t("incident.too_few", time=_local(at, zone), observed=len(seen_then))
        return curve
    moments = max(8, min(FORECAST_POINTS, FORECAST_BUDGET // len(seen_then)))
    for moment in np.linspace(float(seen_then[rules.min_reposts - 1]), at_s, moments):
        known = int(np.searchsorted(times, moment, side="right"))  # the reposts seen by then (times are sorted)
        seen = estimate(times[:known], followers[:known], root_followers, float(moment), rules.seismic)
        curve["forecast"].append([x(float(moment)), _finite(seen.predicted)])
    latest = estimate(times, followers, root_followers, at_s, rules.seismic)
    if latest.predicted != math.inf and at_s < rules.horizon_s:
        curve["projection"] = [[x(at_s), latest.observed], [x(rules.horizon_s), round(latest.predicted)]]
    curve["summary"] = t(
        "incident.forecast",
        time=_local(at, zone),
        observed=latest.observed,
        predicted=_count_or_unbounded(latest.predicted, t),
        low=_count_or_unbounded(latest.predicted_low, t),
        stored=doc.get("predicted_reposts") if doc.get("predicted_reposts") is not None else "—",
    )
    curve.update(
        predicted=_finite(latest.predicted),
        predicted_low=_finite(latest.predicted_low),
        supercritical=latest.supercritical,
        as_of=format_time(at),
    )
    return curve


def volume_curve(store: Store, doc: dict[str, Any], until: datetime, t: Translate, zone: ZoneInfo) -> dict[str, Any]:
    """A surge's hourly negative posts of its brand (of its category, when it has one), from the day before it
    opened until `until`."""
    since = parse_time(doc["opened_at"], "opened_at") - timedelta(hours=24)
    category = doc.get("category")
    dimension: Literal["sentiment", "category"] = "category" if category else "sentiment"
    wanted = category if category else "negative"
    buckets = store.trends(
        brand=doc.get("brand"), since=since, until=until, interval=timedelta(hours=1), by=dimension, tz=zone
    )
    counts = [[wall_ms(bucket.start, zone), bucket.count] for bucket in buckets if bucket.key == wanted]
    return {"kind": "volume", "counts": counts, "labels": {"counts": t("incident.volume"), "axis": t("chart.posts")}}


def _followers(post: Post) -> float:
    """NaN when unknown: the predictor gives unknown counts its prior, not zero."""
    if post.author is None or post.author.followers is None:
        return math.nan
    return float(post.author.followers)


def _count_or_unbounded(value: float, t: Translate) -> int | str:
    return round(value) if value != math.inf else t("incident.supercritical")


def _finite(value: float) -> float | None:
    return round(value, 1) if value != math.inf else None


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
