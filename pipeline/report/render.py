"""The daily briefing as a self-contained HTML page (charts embedded as data URIs) or as Markdown, in the
configured language (`pipeline.i18n`).

Post texts, author names, incident reasons and complaint terms come from strangers: each goes through
`pipeline.safe_text` for the syntax at hand, and a post is linked only when `LinkPolicy.target` accepts its URL.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.exceptions import InvalidRecord
from pipeline.i18n import Language, message, number, reason_of, term
from pipeline.models import SHANGHAI, Post, format_time, parse_time
from pipeline.report import response_cells
from pipeline.report.briefing import BASELINE_DAYS, Briefing, DayVolume, ResponseSection
from pipeline.report.charts import all_charts
from pipeline.safe_text import DEFAULT_LINKS, LinkPolicy, html_text, markdown_text

EXCERPT = 80
SECTIONS = ("summary", "volume", "breakdown", "incidents", "top-complaints", "emerging-terms")  # ids, in order
RESPONSE_SECTION = "responses"  # last, for a brand with official accounts only
_CSS = """
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;max-width:60em;
margin:1em auto;color:#222;line-height:1.5}
h1{font-size:1.5em}h2{font-size:1.15em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border:1px solid #ddd;padding:.3em .5em;
text-align:left;vertical-align:top}th{background:#f5f5f5}.up{color:#c62828}.down{color:#2e7d32}
img{max-width:100%}.muted{color:#777}
"""
_HTML_LANG: dict[Language, str] = {"zh": "zh-CN", "en": "en"}


def subject(briefing: Briefing, language: Language = "zh") -> str:
    return message("briefing.subject", language, brand=briefing.brand, day=briefing.day.isoformat())


def heading(section_id: str, language: Language) -> str:
    return message(f"briefing.section.{section_id}", language)


def _word(namespace: str, value: str, language: Language) -> str:
    """Our word for a code (a severity, a category, a status); any other value is left as it is."""
    return term(namespace, value, language) or value


def _label(key: str, language: Language) -> str:
    return message(f"briefing.{key}", language)


def _share(volume: DayVolume) -> str:
    share = volume.negative_share
    return "–" if share is None else f"{share:.1%}"


def _change(now: float, before: float, language: Language) -> str:
    if before == 0:
        return message("briefing.new", language) if now else "±0"
    change = (now - before) / before
    return f"{change:+.0%}"


def _excerpt(post: Post) -> str:
    text = " ".join(post.text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def summary_header(briefing: Briefing, language: Language) -> list[str]:
    return [
        "",
        briefing.day.isoformat(),
        _label("vs_yesterday", language),
        message("briefing.vs_baseline", language, days=BASELINE_DAYS),
    ]


def summary_rows(briefing: Briefing, language: Language) -> list[tuple[str, str, str, str]]:
    """(measure, today, vs yesterday, vs the week before) rows."""
    today, yesterday, baseline = briefing.today, briefing.yesterday, briefing.baseline
    week_share = baseline.negative_share
    daily_volume = briefing.baseline_daily_volume
    return [
        (
            _label("mentions", language),
            number(today.total),
            f"{number(yesterday.total)} ({_change(today.total, yesterday.total, language)})",
            f"{message('briefing.per_day', language, value=daily_volume)} "
            f"({_change(today.total, daily_volume, language)})",
        ),
        (
            _label("negative", language),
            number(today.negative),
            f"{number(yesterday.negative)} ({_change(today.negative, yesterday.negative, language)})",
            message("briefing.per_day", language, value=baseline.negative / BASELINE_DAYS),
        ),
        (
            _label("negative_share", language),
            _share(today),
            _share(yesterday),
            "–" if week_share is None else f"{week_share:.1%}",
        ),
    ]


def _incident_header(language: Language) -> list[str]:
    return [_label(key, language) for key in ("priority", "status", "kind", "opened", "why", "posts")]


def _incident_cells(incident: dict[str, Any], language: Language) -> list[str]:
    return [
        str(incident.get("priority", "")),
        _word("status", str(incident.get("status", "")), language),
        _word("kind", str(incident.get("kind", "")), language),
        str(incident.get("opened_at", "")),
        reason_of(incident, language),
        str(len(incident.get("posts") or [])),
    ]


def _complaint_header(language: Language) -> list[str]:
    keys = ("post", "reposts", "comments", "severity", "category", "author", "time")
    return [_label(key, language) for key in keys]


def _complaint_cells(post: Post, language: Language) -> list[str]:
    complaint = post.complaint
    return [
        number(post.metrics.reposts),
        number(post.metrics.comments),
        _word("severity", complaint.severity_label, language) if complaint else "–",
        _word("category", complaint.category, language) if complaint else "–",
        post.author.name if post.author else "",
        format_time(post.created_at.astimezone(SHANGHAI)),
    ]


# -- HTML ------------------------------------------------------------------------------------------


def _table(
    header: list[str], rows: list[list[str]], links: LinkPolicy = DEFAULT_LINKS, raw_first_column: bool = False
) -> str:
    """Every cell is treated as a stranger's text (inert on the system's own figures and labels)."""
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = []
    for row in rows:
        first = row[0] if raw_first_column else html_text(row[0], links)
        cells = [first, *(html_text(cell, links) for cell in row[1:])]
        body.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _section(section_id: str, content: str, language: Language) -> str:
    return f'<section id="{section_id}"><h2>{escape(heading(section_id, language))}</h2>{content}</section>'


def _image(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{escape(alt)}">'


def _post_link(post: Post, links: LinkPolicy) -> str:
    text = html_text(_excerpt(post), links)
    target = links.target(post.url) if post.url else None
    return f'<a href="{escape(target, quote=True)}">{text}</a>' if target else text


def _emerging_header(language: Language) -> list[str]:
    return [
        _label("term", language),
        _label("today", language),
        message("briefing.baseline_mean", language, days=BASELINE_DAYS),
        _label("growth", language),
    ]


def _counts_header(namespace: str, language: Language) -> list[str]:
    return [_label(namespace, language), _label("posts", language)]


def render_html(briefing: Briefing, links: LinkPolicy = DEFAULT_LINKS, language: Language = "zh") -> str:
    charts = all_charts(briefing)
    summary = _table(summary_header(briefing, language), [list(row) for row in summary_rows(briefing, language)], links)
    severity = _table(
        _counts_header("severity", language),
        [[_word("severity", label, language), number(count)] for label, count in briefing.severity.most_common()],
        links,
    )
    category = _table(
        _counts_header("category", language),
        [[_word("category", label, language), number(count)] for label, count in briefing.category.most_common()],
        links,
    )
    if briefing.incidents:
        incidents = _table(
            _incident_header(language),
            [_incident_cells(incident, language) for incident in briefing.incidents],
            links,
        )
    else:
        incidents = f'<p class="muted">{escape(_label("no_incidents", language))}</p>'
    if briefing.top_complaints:
        complaints = _table(
            _complaint_header(language),
            [[_post_link(post, links), *_complaint_cells(post, language)] for post in briefing.top_complaints],
            links,
            raw_first_column=True,
        )
    else:
        complaints = f'<p class="muted">{escape(_label("no_complaints", language))}</p>'
    if briefing.emerging_terms:
        emerging = _table(
            _emerging_header(language),
            [
                [item.term, number(item.today), f"{item.baseline_per_day:.1f}", f"×{item.growth:.1f}"]
                for item in briefing.emerging_terms
            ],
            links,
        )
    else:
        emerging = f'<p class="muted">{escape(_label("no_terms", language))}</p>'
    generated = message("briefing.generated", language, time=format_time(briefing.generated_at), zone=str(SHANGHAI))
    body = [
        f"<h1>{escape(subject(briefing, language))}</h1>",
        f'<p class="muted">{escape(generated)}</p>',
        _section("summary", summary, language),
        _section(
            "volume",
            _image(charts["volume"], _label("chart.volume", language))
            + _image(charts["hourly"], _label("chart.hourly", language)),
            language,
        ),
        _section(
            "breakdown",
            _image(charts["breakdown"], _label("chart.breakdown", language)) + severity + category,
            language,
        ),
        _section("incidents", incidents, language),
        _section("top-complaints", complaints, language),
        _section("emerging-terms", emerging, language),
    ]
    section = responses_html(briefing, links, language)
    if section is not None:
        body.append(section)
    return (
        f'<!DOCTYPE html>\n<html lang="{_HTML_LANG[language]}"><head><meta charset="utf-8">'
        f"<title>{escape(subject(briefing, language))}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def responses_html(briefing: Briefing, links: LinkPolicy = DEFAULT_LINKS, language: Language = "zh") -> str | None:
    """The 回应 section alone, as the document has it (the console's briefing page shows it too); None for a brand
    without one."""
    if briefing.responses is None:
        return None
    return _html_responses(briefing.responses, briefing.tz, links, language)


def _html_responses(section: ResponseSection, tz: ZoneInfo, links: LinkPolicy, language: Language) -> str:
    parts = []
    if section.day.complaints:
        parts.append(
            _table(response_cells.measures_header(language), response_cells.measure_rows(section.day, language), links)
        )
        for namespace, groups in (("category", section.by_category), ("severity", section.by_severity)):
            parts.append(f"<h3>{escape(message(f'response.by_{namespace}', language))}</h3>")
            parts.append(
                _table(
                    response_cells.group_header(namespace, language),
                    response_cells.group_rows(namespace, groups, language),
                    links,
                )
            )
        parts.append(f'<p class="muted">{escape(message("response.calmed_note", language))}</p>')
    else:
        parts.append(f'<p class="muted">{escape(message("response.no_complaints", language))}</p>')
    parts.append(f"<h3>{escape(message('response.unanswered', language))}</h3>")
    if section.unanswered:
        rows = []
        for item in section.unanswered:
            excerpt, url, *cells = response_cells.unanswered_cells(item, tz, language)
            target = links.target(url) if url else None
            text = html_text(excerpt, links)
            first = f'<a href="{escape(target, quote=True)}">{text}</a>' if target else text
            rows.append([first, *cells[:-1], cells[-1] + response_cells.partial(item, language)])
        parts.append(_table(response_cells.unanswered_header(language), rows, links, raw_first_column=True))
    else:
        parts.append(f'<p class="muted">{escape(response_cells.none_unanswered(language))}</p>')
    title = escape(message("response.section", language))
    return f'<section id="{RESPONSE_SECTION}"><h2>{title}</h2>{"".join(parts)}</section>'


# -- Markdown --------------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    """One of our own cells (figures, dates, labels we wrote): only what would break the table."""
    return text.replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    """`rows` hold finished cells: `_md_cell` for our own, `markdown_text` for a stranger's."""
    lines = ["| " + " | ".join(_md_cell(cell) for cell in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _ours(rows: list[list[str]]) -> list[list[str]]:
    return [[_md_cell(cell) for cell in row] for row in rows]


def _md_time(value: str, links: LinkPolicy) -> str:
    """A time from a record, written by us when it parses (so that it reads without backslashes)."""
    try:
        return _md_cell(format_time(parse_time(value, "time").astimezone(SHANGHAI)))
    except InvalidRecord:
        return markdown_text(value, links)


def _md_incident(incident: dict[str, Any], links: LinkPolicy, language: Language) -> list[str]:
    priority, status, kind, opened, reason, posts = _incident_cells(incident, language)
    return [
        *(markdown_text(cell, links) for cell in (priority, status, kind)),
        _md_time(opened, links) if opened else "",
        markdown_text(reason, links),
        posts,
    ]


def _md_complaint(post: Post, links: LinkPolicy, language: Language) -> list[str]:
    reposts, comments, severity, category, author, time = _complaint_cells(post, language)
    excerpt = markdown_text(_excerpt(post), links)
    target = links.target(post.url) if post.url else None
    return [
        f"[{excerpt}]({target})" if target else excerpt,
        reposts,
        comments,
        *(markdown_text(cell, links) for cell in (severity, category, author)),
        time,
    ]


def render_markdown(briefing: Briefing, links: LinkPolicy = DEFAULT_LINKS, language: Language = "zh") -> str:
    def counts(namespace: str, counter: Counter[str]) -> list[list[str]]:
        return [
            [markdown_text(_word(namespace, label, language), links), number(count)]
            for label, count in counter.most_common()
        ]

    parts = [f"# {subject(briefing, language)}", ""]
    parts += [f"## {heading('summary', language)}", ""]
    parts.append(
        _md_table(
            summary_header(briefing, language),
            _ours([list(row) for row in summary_rows(briefing, language)]),
        )
    )
    parts += ["", f"## {heading('volume', language)}", ""]
    parts.append(
        _md_table(
            [_label(key, language) for key in ("day", "mentions", "negative", "negative_share")],
            _ours([[d.day.isoformat(), number(d.total), number(d.negative), _share(d)] for d in briefing.days]),
        )
    )
    parts += ["", f"## {heading('breakdown', language)}", ""]
    parts.append(_md_table(_counts_header("severity", language), counts("severity", briefing.severity)))
    parts.append("")
    parts.append(_md_table(_counts_header("category", language), counts("category", briefing.category)))
    parts += ["", f"## {heading('incidents', language)}", ""]
    if briefing.incidents:
        parts.append(
            _md_table(
                _incident_header(language),
                [_md_incident(incident, links, language) for incident in briefing.incidents],
            )
        )
    else:
        parts.append(_label("no_incidents", language))
    parts += ["", f"## {heading('top-complaints', language)}", ""]
    if briefing.top_complaints:
        rows = [_md_complaint(post, links, language) for post in briefing.top_complaints]
        parts.append(_md_table(_complaint_header(language), rows))
    else:
        parts.append(_label("no_complaints", language))
    parts += ["", f"## {heading('emerging-terms', language)}", ""]
    if briefing.emerging_terms:
        parts.append(
            _md_table(
                _emerging_header(language),
                [
                    [
                        markdown_text(item.term, links),
                        number(item.today),
                        f"{item.baseline_per_day:.1f}",
                        f"x{item.growth:.1f}",
                    ]
                    for item in briefing.emerging_terms
                ],
            )
        )
    else:
        parts.append(_label("no_terms", language))
    if briefing.responses is not None:
        parts += ["", *_md_responses(briefing.responses, briefing.tz, links, language)]
    return "\n".join(parts) + "\n"


def _md_responses(section: ResponseSection, tz: ZoneInfo, links: LinkPolicy, language: Language) -> list[str]:
    def strangers(cells: list[str]) -> list[str]:
        # Record fields (a category, a time) come from a stranger's page through the collector.
        return [markdown_text(cell, links) for cell in cells]

    parts = [f"## {message('response.section', language)}", ""]
    if section.day.complaints:
        parts.append(
            _md_table(
                response_cells.measures_header(language), _ours(response_cells.measure_rows(section.day, language))
            )
        )
        for namespace, groups in (("category", section.by_category), ("severity", section.by_severity)):
            parts += ["", f"### {message(f'response.by_{namespace}', language)}", ""]
            rows = [
                [*strangers(row[:1]), *_ours([row[1:]])[0]]
                for row in response_cells.group_rows(namespace, groups, language)
            ]
            parts.append(_md_table(response_cells.group_header(namespace, language), rows))
        parts += ["", message("response.calmed_note", language)]
    else:
        parts.append(message("response.no_complaints", language))
    parts += ["", f"### {message('response.unanswered', language)}", ""]
    if section.unanswered:
        rows = []
        for item in section.unanswered:
            excerpt, url, *cells = response_cells.unanswered_cells(item, tz, language)
            target = links.target(url) if url else None
            text = markdown_text(excerpt, links)
            escaped = strangers(cells)
            escaped[-1] += _md_cell(response_cells.partial(item, language))
            rows.append([f"[{text}]({target})" if target else text, *escaped])
        parts.append(_md_table(response_cells.unanswered_header(language), rows))
    else:
        parts.append(response_cells.none_unanswered(language))
    return parts
