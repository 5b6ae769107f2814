"""The 回应 section's words and cells: labels, figures and a stranger's fields as plain text, for the
renderer (`pipeline.report.render`) to escape for its syntax like every other cell."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pipeline.exceptions import InvalidRecord
from pipeline.i18n import Language, message, number, term
from pipeline.models import Post, parse_time
from pipeline.report.briefing import BASELINE_DAYS, Unanswered
from pipeline.report.responses import (
    ResponseMeasures,
    category_key,
    format_duration,
    format_share,
    severity_key,
    severity_order,
)

EXCERPT = 80


def word(namespace: str, value: str, language: Language) -> str:
    """Our word for a code (a severity, a category); any other value is left as it is."""
    return term(namespace, value, language) or value


def excerpt(post: Post) -> str:
    text = " ".join(post.text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def measures_header(language: Language) -> list[str]:
    return [message("response.measure", language), message("response.value", language)]


def measure_rows(measures: ResponseMeasures, language: Language) -> list[list[str]]:
    def label(key: str) -> str:
        return message(f"response.{key}", language)

    return [
        [label("complaints"), number(measures.complaints)],
        [label("answered"), number(measures.answered)],
        [label("reply_rate"), format_share(measures.reply_rate)],
        [label("median"), format_duration(measures.median_first_response_s, language)],
        [label("p90"), format_duration(measures.p90_first_response_s, language)],
        [label("within_1h"), format_share(measures.within_1h)],
        [label("within_24h"), format_share(measures.within_24h)],
        [label("calmed"), format_share(measures.calmed)],
    ]


GROUP_COLUMNS = ("complaints", "reply_rate", "median", "p90", "within_1h", "within_24h", "calmed")


def group_header(namespace: str, language: Language) -> list[str]:
    columns = [message(f"response.{key}", language) for key in GROUP_COLUMNS]
    return [message(f"briefing.{namespace}", language), *columns]


def group_rows(namespace: str, groups: dict[str, ResponseMeasures], language: Language) -> list[list[str]]:
    """One row per category (most complaints first) or per severity (most severe first)."""
    if namespace == "severity":
        ordered = sorted(groups.items(), key=lambda item: severity_order(item[0]))
    else:
        ordered = sorted(groups.items(), key=lambda item: (-item[1].complaints, item[0]))
    return [
        [word(namespace, name, language), number(measures.complaints), *measure_cells(measures, language)]
        for name, measures in ordered
    ]


def measure_cells(measures: ResponseMeasures, language: Language) -> list[str]:
    """The cells every response table shares: reply rate, median and p90 first response, answered within 1 h
    and 24 h, calmed."""
    return [
        format_share(measures.reply_rate),
        format_duration(measures.median_first_response_s, language),
        format_duration(measures.p90_first_response_s, language),
        format_share(measures.within_1h),
        format_share(measures.within_24h),
        format_share(measures.calmed),
    ]


def unanswered_header(language: Language) -> list[str]:
    labels = [message(f"briefing.{key}", language) for key in ("post", "severity", "category", "author")]
    return [*labels, message("response.posted", language), message("response.checked", language)]


def unanswered_cells(item: Unanswered, tz: ZoneInfo, language: Language) -> list[str]:
    """(excerpt, URL or "", severity, category, author, posted, last checked): a stranger's text, all."""
    record, post = item.record, item.post
    return [
        excerpt(post) if post is not None else str(record.get("post_id", "")),
        post.url if post is not None else "",
        word("severity", severity_key(record), language),
        word("category", category_key(record), language),
        post.author.name if post is not None and post.author else "",
        _local(record.get("complaint_at"), tz),
        _local(record.get("checked_at"), tz),
    ]


def partial(item: Unanswered, language: Language) -> str:
    """Said after the check time when the comment list was cut: "no reply" means none among those read."""
    return message("response.partial", language) if item.record.get("complete") is False else ""


def _local(value: object, tz: ZoneInfo) -> str:
    """A record's time on the local clock, or the value as it is when it does not parse."""
    if value is None:
        return ""
    try:
        return parse_time(value, "time").astimezone(tz).strftime("%Y-%m-%d %H:%M")
    except InvalidRecord:
        return str(value)


def none_unanswered(language: Language) -> str:
    return message("response.none_unanswered", language, days=BASELINE_DAYS + 1)
