"""The daily briefing as a self-contained HTML page (charts embedded as data URIs) or as Markdown.

Post texts, author names, incident reasons and complaint terms come from strangers: each goes through
`pipeline.safe_text` for the syntax at hand, and a post is linked only when `LinkPolicy.target` accepts its URL.
"""

from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from pipeline.exceptions import InvalidRecord
from pipeline.models import SHANGHAI, Post, format_time, parse_time
from pipeline.report.briefing import BASELINE_DAYS, Briefing, DayVolume
from pipeline.report.charts import all_charts
from pipeline.safe_text import DEFAULT_LINKS, LinkPolicy, html_text, markdown_text

EXCERPT = 80
SECTIONS = {
    "summary": "概览 Summary",
    "volume": "声量与负面占比 Volume and negative share",
    "breakdown": "严重程度与类别 Severity and category",
    "incidents": "事件 Incidents",
    "top-complaints": "热门投诉 Top complaints",
    "emerging-terms": "新兴投诉词 Emerging complaint terms",
}
_CSS = """
body{font-family:-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;max-width:60em;
margin:1em auto;color:#222;line-height:1.5}
h1{font-size:1.5em}h2{font-size:1.15em;border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border:1px solid #ddd;padding:.3em .5em;
text-align:left;vertical-align:top}th{background:#f5f5f5}.up{color:#c62828}.down{color:#2e7d32}
img{max-width:100%}.muted{color:#777}
"""


def subject(briefing: Briefing) -> str:
    return f"舆情日报 {briefing.brand} {briefing.day.isoformat()}"


def _share(volume: DayVolume) -> str:
    share = volume.negative_share
    return "–" if share is None else f"{share:.1%}"


def _change(now: float, before: float) -> str:
    if before == 0:
        return "new" if now else "±0"
    change = (now - before) / before
    return f"{change:+.0%}"


def _excerpt(post: Post) -> str:
    text = " ".join(post.text.split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def _summary_rows(briefing: Briefing) -> list[tuple[str, str, str, str]]:
    """(measure, today, vs yesterday, vs the week before) rows."""
    today, yesterday, baseline = briefing.today, briefing.yesterday, briefing.baseline
    week_share = baseline.negative_share
    return [
        (
            "mentions 声量",
            str(today.total),
            f"{yesterday.total} ({_change(today.total, yesterday.total)})",
            f"{briefing.baseline_daily_volume:.1f}/day ({_change(today.total, briefing.baseline_daily_volume)})",
        ),
        (
            "negative 负面",
            str(today.negative),
            f"{yesterday.negative} ({_change(today.negative, yesterday.negative)})",
            f"{baseline.negative / BASELINE_DAYS:.1f}/day",
        ),
        (
            "negative share 负面占比",
            _share(today),
            _share(yesterday),
            "–" if week_share is None else f"{week_share:.1%}",
        ),
    ]


def _incident_cells(incident: dict[str, Any]) -> list[str]:
    return [
        str(incident.get("priority", "")),
        str(incident.get("status", "")),
        str(incident.get("kind", "")),
        str(incident.get("opened_at", "")),
        str(incident.get("reason", "")),
        str(len(incident.get("posts") or [])),
    ]


def _complaint_cells(post: Post) -> list[str]:
    complaint = post.complaint
    return [
        str(post.metrics.reposts),
        str(post.metrics.comments),
        complaint.severity_label if complaint else "–",
        complaint.category if complaint else "–",
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


def _section(section_id: str, content: str) -> str:
    return f'<section id="{section_id}"><h2>{escape(SECTIONS[section_id])}</h2>{content}</section>'


def _image(uri: str, alt: str) -> str:
    return f'<img src="{uri}" alt="{escape(alt)}">'


def _post_link(post: Post, links: LinkPolicy) -> str:
    text = html_text(_excerpt(post), links)
    target = links.target(post.url) if post.url else None
    return f'<a href="{escape(target, quote=True)}">{text}</a>' if target else text


def render_html(briefing: Briefing, links: LinkPolicy = DEFAULT_LINKS) -> str:
    charts = all_charts(briefing)
    summary = _table(
        ["", briefing.day.isoformat(), "vs yesterday 环比", f"vs previous {BASELINE_DAYS} days"],
        [list(row) for row in _summary_rows(briefing)],
        links,
    )
    severity = _table(
        ["severity", "posts"], [[label, str(count)] for label, count in briefing.severity.most_common()], links
    )
    category = _table(
        ["category", "posts"], [[label, str(count)] for label, count in briefing.category.most_common()], links
    )
    if briefing.incidents:
        incidents = _table(
            ["priority", "status", "kind", "opened", "why", "posts"],
            [_incident_cells(incident) for incident in briefing.incidents],
            links,
        )
    else:
        incidents = '<p class="muted">No open incidents and none opened this day.</p>'
    if briefing.top_complaints:
        complaints = _table(
            ["post", "reposts", "comments", "severity", "category", "author", "time"],
            [[_post_link(post, links), *_complaint_cells(post)] for post in briefing.top_complaints],
            links,
            raw_first_column=True,
        )
    else:
        complaints = '<p class="muted">No negative posts this day.</p>'
    if briefing.emerging_terms:
        emerging = _table(
            ["term 词", "today", f"mean per day, previous {BASELINE_DAYS} days", "growth"],
            [
                [item.term, str(item.today), f"{item.baseline_per_day:.1f}", f"×{item.growth:.1f}"]
                for item in briefing.emerging_terms
            ],
            links,
        )
    else:
        emerging = '<p class="muted">No complaint term stood out this day.</p>'
    body = [
        f"<h1>{escape(subject(briefing))}</h1>",
        f'<p class="muted">Generated {escape(format_time(briefing.generated_at))} · Asia/Shanghai day</p>',
        _section("summary", summary),
        _section(
            "volume",
            _image(charts["volume"], "daily volume and negative share")
            + _image(charts["hourly"], "mentions per hour by sentiment"),
        ),
        _section("breakdown", _image(charts["breakdown"], "severity and category") + severity + category),
        _section("incidents", incidents),
        _section("top-complaints", complaints),
        _section("emerging-terms", emerging),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(subject(briefing))}</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


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


def _md_incident(incident: dict[str, Any], links: LinkPolicy) -> list[str]:
    priority, status, kind, opened, reason, posts = _incident_cells(incident)
    return [
        *(markdown_text(cell, links) for cell in (priority, status, kind)),
        _md_time(opened, links) if opened else "",
        markdown_text(reason, links),
        posts,
    ]


def _md_complaint(post: Post, links: LinkPolicy) -> list[str]:
    reposts, comments, severity, category, author, time = _complaint_cells(post)
    excerpt = markdown_text(_excerpt(post), links)
    target = links.target(post.url) if post.url else None
    return [
        f"[{excerpt}]({target})" if target else excerpt,
        reposts,
        comments,
        *(markdown_text(cell, links) for cell in (severity, category, author)),
        time,
    ]


def render_markdown(briefing: Briefing, links: LinkPolicy = DEFAULT_LINKS) -> str:
    def counts(counter: Counter[str]) -> list[list[str]]:
        return [[markdown_text(label, links), str(count)] for label, count in counter.most_common()]

    parts = [f"# {subject(briefing)}", ""]
    parts += [f"## {SECTIONS['summary']}", ""]
    parts.append(
        _md_table(
            ["", briefing.day.isoformat(), "vs yesterday", f"vs previous {BASELINE_DAYS} days"],
            _ours([list(row) for row in _summary_rows(briefing)]),
        )
    )
    parts += ["", f"## {SECTIONS['volume']}", ""]
    parts.append(
        _md_table(
            ["day", "mentions", "negative", "negative share"],
            _ours([[d.day.isoformat(), str(d.total), str(d.negative), _share(d)] for d in briefing.days]),
        )
    )
    parts += ["", f"## {SECTIONS['breakdown']}", ""]
    parts.append(_md_table(["severity", "posts"], counts(briefing.severity)))
    parts.append("")
    parts.append(_md_table(["category", "posts"], counts(briefing.category)))
    parts += ["", f"## {SECTIONS['incidents']}", ""]
    if briefing.incidents:
        parts.append(
            _md_table(
                ["priority", "status", "kind", "opened", "why", "posts"],
                [_md_incident(incident, links) for incident in briefing.incidents],
            )
        )
    else:
        parts.append("No open incidents and none opened this day.")
    parts += ["", f"## {SECTIONS['top-complaints']}", ""]
    if briefing.top_complaints:
        rows = [_md_complaint(post, links) for post in briefing.top_complaints]
        parts.append(_md_table(["post", "reposts", "comments", "severity", "category", "author", "time"], rows))
    else:
        parts.append("No negative posts this day.")
    parts += ["", f"## {SECTIONS['emerging-terms']}", ""]
    if briefing.emerging_terms:
        parts.append(
            _md_table(
                ["term", "today", "mean per day before", "growth"],
                [
                    [
                        markdown_text(item.term, links),
                        str(item.today),
                        f"{item.baseline_per_day:.1f}",
                        f"x{item.growth:.1f}",
                    ]
                    for item in briefing.emerging_terms
                ],
            )
        )
    else:
        parts.append("No complaint term stood out this day.")
    return "\n".join(parts) + "\n"
