"""The briefing's charts as PNG data URIs (matplotlib, Agg backend, no display needed).

Chart labels are ASCII on purpose: servers often lack a CJK font, and matplotlib would draw missing
glyphs as boxes. Chinese terms and post texts appear in the HTML tables instead.
"""

from __future__ import annotations

import base64
import io
import threading
from collections import OrderedDict
from functools import cache
from typing import Any

from pipeline.report.briefing import Briefing

SENTIMENT_COLOURS = {"negative": "#d62728", "neutral": "#9e9e9e", "positive": "#2ca02c", "unscored": "#c7c7c7"}
SEVERITY_ORDER = ("critical", "major", "minor", "none", "unscored")


@cache
def _pyplot() -> Any:
    """matplotlib, loaded on first use: half a second of start-up that Markdown briefings, and whatever
    imports the report package without drawing, need not pay."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _data_uri(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100)
    _pyplot().close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def hourly_chart(briefing: Briefing) -> str:
    """Mentions per hour of the day, stacked by sentiment."""
    figure, axes = _pyplot().subplots(figsize=(8, 3))
    hours = list(range(24))
    bottom = [0] * 24
    for sentiment, colour in SENTIMENT_COLOURS.items():
        values = [briefing.hourly[hour][sentiment] if hour in briefing.hourly else 0 for hour in hours]
        if any(values):
            axes.bar(hours, values, bottom=bottom, color=colour, label=sentiment)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    axes.set_xticks(hours[::2])
    axes.set_xlabel("hour (Asia/Shanghai)")
    axes.set_ylabel("mentions")
    axes.set_title(f"Mentions on {briefing.day.isoformat()} by sentiment")
    if any(bottom):
        axes.legend(loc="upper left", fontsize="small")
    return _data_uri(figure)


def trend_chart(briefing: Briefing) -> str:
    """Daily volume over eight days with the negative share on a second axis."""
    figure, axes = _pyplot().subplots(figsize=(8, 3))
    labels = [day.day.strftime("%m-%d") for day in briefing.days]
    axes.bar(labels, [day.total for day in briefing.days], color="#1f77b4", label="mentions")
    axes.set_ylabel("mentions per day")
    share_axes = axes.twinx()
    shares = [day.negative_share * 100 if day.negative_share is not None else float("nan") for day in briefing.days]
    share_axes.plot(labels, shares, color="#d62728", marker="o", label="negative share")
    share_axes.set_ylabel("negative share (%)")
    share_axes.set_ylim(0, 100)
    axes.set_title("Volume and negative share, last 8 days")
    return _data_uri(figure)


def breakdown_chart(briefing: Briefing) -> str:
    """Severity and category of the day's posts, side by side."""
    figure, (left, right) = _pyplot().subplots(1, 2, figsize=(8, 3))
    severity = [(label, briefing.severity.get(label, 0)) for label in SEVERITY_ORDER if briefing.severity.get(label)]
    left.barh([label for label, _ in severity], [count for _, count in severity], color="#ff7f0e")
    left.invert_yaxis()
    left.set_title("Severity")
    categories = [
        (label, count) for label, count in briefing.category.most_common() if label not in ("none", "unscored")
    ]
    right.barh([label for label, _ in categories], [count for _, count in categories], color="#9467bd")
    right.invert_yaxis()
    right.set_title("Complaint category")
    return _data_uri(figure)


def all_charts(briefing: Briefing) -> dict[str, str]:
    """Section id → data URI. Drawing takes ~0.4 s, so the charts of the last few briefings are kept: the
    console's download of a day already drawn, or drawn again with the same figures, is immediate."""
    key = _chart_inputs(briefing)
    with _drawn_lock:
        charts = _drawn.pop(key, None)
    if charts is None:
        charts = {
            "volume": trend_chart(briefing),
            "hourly": hourly_chart(briefing),
            "breakdown": breakdown_chart(briefing),
        }
    with _drawn_lock:  # the console draws in several threads
        _drawn[key] = charts
        while len(_drawn) > KEPT_CHARTS:
            _drawn.popitem(last=False)  # the least recently used
    return charts


KEPT_CHARTS = 32
_drawn: OrderedDict[str, dict[str, str]] = OrderedDict()
_drawn_lock = threading.Lock()


def _chart_inputs(briefing: Briefing) -> str:
    """Everything the charts are drawn from."""
    hourly = sorted((hour, sorted(counts.items())) for hour, counts in briefing.hourly.items())
    return repr(
        (
            briefing.day,
            briefing.days,
            hourly,
            sorted(briefing.severity.items()),
            sorted(briefing.category.items()),
            str(briefing.tz),
        )
    )
