"""One cascade's forecast in words, Chinese first: what `yuqing forecast` prints and the console's post page shows."""

from __future__ import annotations

import math
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.detect.cascade import CascadeRules
from pipeline.detect.forecast import Forecast
from pipeline.i18n import Language, fill

TEXT: dict[str, dict[Language, str]] = {
    "title": {
        "zh": "{root} 的传播预测（截至 {time}，发布后 {minutes} 分钟）",
        "en": "Forecast of {root} (as of {time}, {minutes} min after posting)",
    },
    "observed": {"zh": "已观察转发：{observed}", "en": "Reposts seen: {observed}"},
    "unknown": {
        "zh": "其中 {unknown} 个账号粉丝数未知，按校准先验估计，区间相应放宽",
        "en": "{unknown} accounts with unknown follower counts: estimated with the calibrated prior, interval widened",
    },
    "too_few": {
        "zh": "转发少于 {needed} 条，暂不预测最终规模",
        "en": "Fewer than {needed} reposts: no final size forecast yet",
    },
    "predicted": {
        "zh": "预测最终转发：约 {predicted}（模型区间 {low}–{high}）",
        "en": "Predicted final reposts: about {predicted} (model interval {low}–{high})",
    },
    "unbounded": {
        "zh": "预测最终转发：无上限（按点估计已超临界；可确信至少 {low}）",
        "en": "Predicted final reposts: unbounded (supercritical by the point estimate; at least {low} for sure)",
    },
    "branching": {
        "zh": "分支系数：{branching:.2f}（置信下限 {low:.2f}，上限 {high:.2f}）",
        "en": "Branching factor: {branching:.2f} (lower bound {low:.2f}, upper bound {high:.2f})",
    },
    "supercritical": {
        "zh": "判断：超临界（下限 ≥ 1，缺失粉丝数取任何合理值时都成立）",
        "en": "Verdict: supercritical (lower bound ≥ 1 whatever the unknown follower counts are)",
    },
    "subcritical": {"zh": "判断：未达临界（下限 < 1）", "en": "Verdict: not supercritical (lower bound < 1)"},
    "not_found": {"zh": "未找到微博 {post_id}", "en": "post {post_id} not found"},
    "open_ended": {"zh": "∞", "en": "∞"},
}


def forecast_lines(forecast: Forecast, language: Language, timezone: str = "Asia/Shanghai") -> list[str]:
    """The forecast in words, in `language`, its time in `timezone`."""
    local = forecast.as_of.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    lines = [
        say("title", language, root=forecast.root_id, time=local, minutes=round(forecast.minutes)),
        say("observed", language, observed=forecast.observed),
    ]
    if forecast.unknown_followers:
        lines.append(say("unknown", language, unknown=forecast.unknown_followers))
    if not forecast.enough:
        lines.append(say("too_few", language, needed=CascadeRules().min_reposts))
        return lines
    low = round(forecast.predicted_low) if forecast.predicted_low is not None else forecast.observed
    if forecast.predicted is None:
        lines.append(say("unbounded", language, low=low))
    else:
        high: object = (
            round(forecast.predicted_high) if forecast.predicted_high is not None else say("open_ended", language)
        )
        lines.append(say("predicted", language, predicted=round(forecast.predicted), low=low, high=high))
    lines.append(
        say(
            "branching",
            language,
            branching=forecast.branching,
            low=forecast.branching_low,
            high=forecast.branching_high if math.isfinite(forecast.branching_high) else math.inf,
        )
    )
    lines.append(say("supercritical" if forecast.supercritical else "subcritical", language))
    return lines


def say(key: str, language: Language, /, **args: Any) -> str:
    """One of `TEXT`, filled in."""
    return fill(TEXT[key][language], language, **args)
