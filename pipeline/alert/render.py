"""How an incident notification reads: subject, plain text, markdown and HTML, all saying why it fired."""

from __future__ import annotations

import html
from typing import Any

from pipeline.alert.base import AlertMessage

_EVENT_WORDS = {
    "opened": "New incident",
    "updated": "Incident growing",
    "escalated": "ESCALATED (not acknowledged)",
    "resolved": "Resolved",
}


def subject_of(notification: dict[str, Any]) -> str:
    event = _EVENT_WORDS.get(str(notification.get("event")), str(notification.get("event")))
    what = "spreading post" if notification.get("kind") == "cascade" else "surge of complaints"
    category = notification.get("category")
    topic = f" ({category})" if category else ""
    return f"[{notification.get('priority')}] {event}: {what} about {notification.get('brand')}{topic}"


def _links(notification: dict[str, Any]) -> list[tuple[str, str]]:
    posts = list(notification.get("posts") or [])
    urls = list(notification.get("urls") or [])
    return [(post, urls[i] if i < len(urls) and urls[i] else "") for i, post in enumerate(posts)][:5]


def render(notification: dict[str, Any]) -> AlertMessage:
    """Render one notification (alert contract + `event`) for every channel."""
    subject = subject_of(notification)
    predicted = notification.get("predicted_reposts")
    facts = [
        f"Incident: {notification.get('incident_id')}  status: {notification.get('status')}",
        f"Opened: {notification.get('opened_at')}  updated: {notification.get('updated_at')}",
    ]
    if predicted is not None:
        facts.append(f"Predicted reposts within 24 h: {predicted:,}")
    links = _links(notification)
    text_lines = [subject, "", str(notification.get("reason", "")), "", *facts, "", "Top posts:"]
    text_lines += [f"- {url or post}" for post, url in links] or ["- (none)"]
    md_lines = [f"### {subject}", "", str(notification.get("reason", "")), ""]
    md_lines += [f"- {fact}" for fact in facts]
    md_lines += ["", "**Top posts:**"] + [f"- [{post}]({url})" if url else f"- {post}" for post, url in links]
    items = "".join(
        f'<li><a href="{html.escape(url)}">{html.escape(post)}</a></li>' if url else f"<li>{html.escape(post)}</li>"
        for post, url in links
    )
    html_body = (
        f"<h3>{html.escape(subject)}</h3><p>{html.escape(str(notification.get('reason', '')))}</p>"
        + "<ul>"
        + "".join(f"<li>{html.escape(fact)}</li>" for fact in facts)
        + "</ul>"
        + f"<p><b>Top posts:</b></p><ul>{items}</ul>"
    )
    return AlertMessage(subject, "\n".join(text_lines), "\n".join(md_lines), html_body, dict(notification))


def plain_message(subject: str, text: str, html_body: str | None = None) -> AlertMessage:
    """A message that is not about an incident (the daily briefing)."""
    return AlertMessage(subject, text, f"### {subject}\n\n{text}", html_body, {"subject": subject, "text": text})
