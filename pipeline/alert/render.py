"""How an incident notification reads: subject, plain text, markdown, Slack mrkdwn and HTML, all saying why it
fired, in the configured language (`pipeline.i18n`).

The system's own words are written as they are; every field of the notification (reason, brand, post ids,
URLs, ...) may carry a stranger's text and goes through `pipeline.safe_text` for the syntax at hand. The
reason is rendered from its `reason_data` in the message's language first (it may quote an author's name)
and then escaped as a whole. A code the catalogue has a word for (an event, a status, a category) is written
as that word; any other value of those fields is a stranger's text. A post is linked only when its URL passes
the link policy; otherwise its id is shown without a link.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from pipeline.alert.base import AlertMessage
from pipeline.i18n import Language, message, number, reason_of, term
from pipeline.safe_text import (
    DEFAULT_LINKS,
    LinkPolicy,
    disarm,
    disarm_document,
    escape_slack,
    html_text,
    markdown_text,
    plain_text,
    slack_text,
)

Field = Callable[[str], str]  # one untrusted field → inert text in one syntax


def _word(namespace: str, value: object, field: Field, language: Language) -> str:
    """Our word for a code, or the value through `field` when it is not a code we know."""
    known = term(namespace, value, language)
    return known if known is not None else field(str(value))


def _subject(notification: dict[str, Any], field: Field, language: Language) -> str:
    event = notification.get("event")
    brand = field(str(notification.get("brand")))
    if notification.get("kind") == "unanswered":
        what = message("unanswered.what", language, brand=brand)
    elif notification.get("kind") != "cascade":
        what = message("alert.what.surge", language, brand=brand)
    elif event == "resolved":  # no longer "spreading" in Chinese once it has calmed down
        what = message("alert.what.cascade_resolved", language, brand=brand)
    else:
        what = message("alert.what.cascade", language, brand=brand)
    category = notification.get("category")
    topic = message("alert.topic", language, category=_word("category", category, field, language)) if category else ""
    return message(
        "alert.subject",
        language,
        priority=field(str(notification.get("priority"))),
        event=_word("event", event, field, language),
        what=what,
        topic=topic,
    )


def subject_of(notification: dict[str, Any], links: LinkPolicy = DEFAULT_LINKS, language: Language = "zh") -> str:
    return _subject(notification, lambda value: plain_text(value, links), language)


def _body(notification: dict[str, Any], field: Field, language: Language) -> list[str]:
    """The reason and the facts, each field through `field`."""

    def value(key: str) -> str:
        return field(str(notification.get(key, "")))

    lines = [
        field(reason_of(notification, language)),
        "",
        message(
            "alert.incident",
            language,
            incident_id=value("incident_id"),
            status=_word("status", notification.get("status", ""), field, language),
        ),
        message("alert.times", language, opened=value("opened_at"), updated=value("updated_at")),
    ]
    predicted = notification.get("predicted_reposts")
    if isinstance(predicted, int | float) and not isinstance(predicted, bool):
        lines.append(message("alert.predicted", language, predicted=number(predicted)))
    elif predicted is not None:
        lines.append(message("alert.predicted", language, predicted=value("predicted_reposts")))
    return lines


def _links(notification: dict[str, Any], links: LinkPolicy) -> list[tuple[str, str | None]]:
    """(post id, link target or None) of the first five posts; None when the URL may not be linked."""
    posts = list(notification.get("posts") or [])
    urls = list(notification.get("urls") or [])
    pairs = []
    for i, post in enumerate(posts[:5]):
        url = urls[i] if i < len(urls) else None
        pairs.append((str(post), links.target(url) if isinstance(url, str) else None))
    return pairs


def safe_payload(notification: dict[str, Any], links: LinkPolicy = DEFAULT_LINKS) -> dict[str, Any]:
    """The alert contract document as webhooks and files get it: every string disarmed and defanged, and
    each of `urls` either a URL that may be linked or null."""
    document: dict[str, Any] = disarm_document(notification, links)
    if isinstance(notification.get("urls"), list):
        document["urls"] = [links.target(url) if isinstance(url, str) else None for url in notification["urls"]]
    return document


def render(notification: dict[str, Any], links: LinkPolicy = DEFAULT_LINKS, language: Language = "zh") -> AlertMessage:
    """Render one notification (alert contract + `event`) for every channel, in `language`."""
    posts = _links(notification, links)
    top_posts, no_posts = message("alert.top_posts", language), message("alert.no_posts", language)

    def plain(value: str) -> str:
        return plain_text(value, links)

    def md(value: str) -> str:
        return markdown_text(value, links)

    def slack(value: str) -> str:
        return slack_text(value, links)

    def in_html(value: str) -> str:
        return html_text(value, links)

    subject = _subject(notification, plain, language)
    text_lines = [subject, "", *_body(notification, plain, language), "", top_posts]
    text_lines += [f"- {target or plain(post)}" for post, target in posts] or [f"- {no_posts}"]

    slack_subject = _subject(notification, slack, language)
    slack_lines = [f"*{slack_subject}*", slack_subject, "", *_body(notification, slack, language), "", top_posts]
    # Slack links a bare allowed URL by itself; of its characters only & needs an entity (< > * are encoded).
    slack_lines += [f"- {target.replace('&', '&amp;') if target else slack(post)}" for post, target in posts]
    slack_lines += [] if posts else [f"- {no_posts}"]

    reason, *facts = _body(notification, md, language)
    md_lines = [f"### {_subject(notification, md, language)}", "", reason, "", *(f"- {fact}" for fact in facts if fact)]
    md_lines += ["", f"**{top_posts}**"]
    md_lines += [f"- [{md(post)}]({target})" if target else f"- {md(post)}" for post, target in posts]

    reason, *facts = _body(notification, in_html, language)
    items = "".join(
        f'<li><a href="{html.escape(target, quote=True)}">{in_html(post)}</a></li>'
        if target
        else f"<li>{in_html(post)}</li>"
        for post, target in posts
    )
    html_body = (
        f"<h3>{_subject(notification, in_html, language)}</h3><p>{reason}</p>"
        + "<ul>"
        + "".join(f"<li>{fact}</li>" for fact in facts if fact)
        + "</ul>"
        + f"<p><b>{top_posts}</b></p><ul>{items}</ul>"
    )
    return AlertMessage(
        subject,
        "\n".join(text_lines),
        "\n".join(md_lines),
        html_body,
        safe_payload(notification, links),
        slack="\n".join(slack_lines),
        idempotency_key=str(notification.get("notification_id") or "") or None,
    )


def plain_message(subject: str, text: str, html_body: str | None = None) -> AlertMessage:
    """A message that is not about an incident (the daily briefing). Its renderer wrote it, escaping every
    stranger's field for markdown and HTML already; here it is only disarmed, and made inert for Slack."""
    subject, text = disarm(" ".join(subject.split())), disarm(text)
    return AlertMessage(
        subject,
        text,
        f"### {subject}\n\n{text}",
        html_body,
        {"subject": subject, "text": text},
        slack=f"*{escape_slack(subject)}*\n{escape_slack(text)}",
    )
