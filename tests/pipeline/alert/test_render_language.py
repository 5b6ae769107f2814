"""Notifications in Chinese (the default) and in English: the system's own words in one language only, the
reason rendered from its data in the message's language, and a stranger's text in a reason still inert."""

from __future__ import annotations

import re
from typing import Any

import pytest
from bs4 import BeautifulSoup

from pipeline.alert.base import AlertMessage
from pipeline.alert.render import render
from pipeline.i18n import Language, Reason, clause, render_reason
from pipeline.safe_text import escape_markdown
from tests.pipeline.alert.helpers import NOTIFICATION
from tests.pipeline.alert.test_channels import _assert_inert


def _cascade_reason(author: str, big_account: str) -> Reason:
    spreading = dict(root="weibo:5238000000100001", reposts=40, minutes=47, in_window=40, window=60)
    causes = [
        clause("cascade.cause.size_big_account", threshold=100.0),
        clause("cascade.cause.supercritical", branching_low=1.04),
        clause("cascade.cause.velocity", threshold=100, window=60),
    ]
    return [
        clause("cascade.spreading_by", author=author, **spreading),
        clause("cascade.predicted", predicted=1520),
        clause("cascade.predicted_low", low=310),
        clause("cascade.fired", causes=causes),
        clause("cascade.big_accounts", accounts=[clause("cascade.account", name=big_account, followers=3_000_000)]),
    ]


def _surge_reason(brand: str) -> Reason:
    figures = dict(count=25, authors=25, minutes=15, expected=1.3, ratio=19.2, p_value=3.4e-12)
    return [clause("surge.volume_category", brand=brand, category="quality", test="negative_binomial", **figures)]


def _event_reason(event: str, kind: str) -> Reason:
    """What each event adds in front of the detector's reason (see pipeline.detect.incidents)."""
    return {
        "opened": [],
        "updated": [
            clause("incident.priority_rose", before="P3", after="P1"),
            clause("incident.size_grew", before=200.0, after=600.0),
        ],
        "escalated": [clause("incident.escalated", priority="P1", minutes=31)],
        "resolved": [clause(f"incident.resolved.{kind}", minutes=120), clause("incident.last_reason")],
    }[event]


EVENTS = ["opened", "updated", "escalated", "resolved"]
KINDS = ["cascade", "surge"]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")  # Chinese characters and full-width punctuation
# In markdown a stranger's ( ) [ ] * ... become full-width look-alikes (pipeline.safe_text): not Chinese words.
LOOK_ALIKES = {ord(char): None for char in escape_markdown("\\`*_[]()#|><~!&")}


def _notification(
    event: str,
    kind: str,
    language: Language,
    *,
    brand: str = "蒙牛",
    author: str = "北京宝妈小鹿",
    big_account: str = "大V",
) -> dict[str, Any]:
    """A notification as incident fusion writes it, its `reason` in `language`."""
    detector = _cascade_reason(author, big_account) if kind == "cascade" else _surge_reason(brand)
    reason_data = [*_event_reason(event, kind), *detector]
    status = "resolved" if event == "resolved" else "open"
    note = {**NOTIFICATION, "event": event, "kind": kind, "brand": brand, "status": status, "reason_data": reason_data}
    note["reason"] = render_reason(reason_data, language)
    if kind == "surge":
        note.update(root_id=None, category="quality", predicted_reposts=None)
    return note


def _renderings(message: AlertMessage) -> list[str]:
    page = BeautifulSoup(message.html or "", "html.parser").get_text("\n")
    return [message.subject, message.text, message.markdown, message.slack or "", page]


def _latin_words_outside_fields(text: str) -> set[str]:
    """Latin words left once the fields that are not words (URLs, ids, times, numbers) are taken out."""
    for field in (r"https?://\S+", r"weibo:\d+", r"cas-\d+(?:#\d+)?", r"\d{4}-\d\d-\d\dT[\d:]+\+08:00", r"[\d.]+e-\d+"):
        text = re.sub(field, " ", text)
    return set(re.findall(r"[A-Za-z]+", text))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("event", EVENTS)
def test_a_chinese_notification_has_no_english_words(event: str, kind: str) -> None:
    message = render(_notification(event, kind, "zh"))  # Chinese is the default
    for text in _renderings(message):
        # P1, the model's name SEISMIC and 大V are what Chinese on-call staff write too.
        assert _latin_words_outside_fields(text) <= {"P", "SEISMIC", "V"}, text
    assert message.subject.startswith("【P1】")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("event", EVENTS)
def test_an_english_notification_has_no_chinese_words(event: str, kind: str) -> None:
    # The brand and the names are a stranger's text: in Latin letters here, so that any CJK would be ours.
    note = _notification(event, kind, "en", brand="Mengniu", author="Lucy", big_account="BigV")
    message = render(note, language="en")
    for text in _renderings(message):
        if text == message.markdown:
            text = text.translate(LOOK_ALIKES)
        assert not CJK.search(text), text


def test_the_subject_and_facts_read_naturally_in_both_languages() -> None:
    opened = render(_notification("opened", "cascade", "zh"))
    assert opened.subject == "【P1】新事件：蒙牛 相关微博正在扩散（安全问题）"
    assert "事件编号：cas-0123456789  状态：待处理" in opened.text
    assert "开始：2026-11-22T10:53:00+08:00  更新：2026-11-22T10:53:00+08:00" in opened.text
    assert "预计24小时转发：1,520" in opened.text and "\n相关微博：\n" in opened.text
    resolved = render(_notification("resolved", "surge", "zh"))
    assert resolved.subject == "【P1】已解除：蒙牛 负面投诉激增（质量问题）"
    assert "状态：已解除" in resolved.text and "预计24小时转发" not in resolved.text
    escalated = render(_notification("escalated", "cascade", "en"), language="en")
    assert escalated.subject == "[P1] ESCALATED (not acknowledged): spreading post about 蒙牛 (safety)"
    assert (
        "Incident: cas-0123456789  status: open" in escalated.text
        and "Predicted reposts within 24 h: 1,520" in escalated.text
    )


def test_the_reason_is_rendered_from_its_data_in_the_language_of_the_message() -> None:
    """A notification decided in Chinese reads in English when the message is rendered in English."""
    note = _notification("opened", "cascade", "zh")
    english = render(note, language="en")
    assert render_reason(note["reason_data"], "en") in english.text
    assert note["reason"] not in english.text
    assert "北京宝妈小鹿 发布的负面微博 weibo:5238000000100001 在 47 分钟内被转发 40 次" in render(note).text
    # Without data (stored before reasons were data), the stored text is shown as it is.
    legacy = {**note, "reason_data": None, "reason": "Negative post weibo:1 has 52 reposts."}
    assert "Negative post weibo:1 has 52 reposts." in render(legacy).text
    # Data that does not render (a key from another version) falls back to the text too.
    unknown = {**note, "reason_data": [{"key": "cascade.gone", "args": {}}]}
    assert note["reason"] in render(unknown).text


HOSTILE_AUTHOR = '<!channel> @所有人 [官方退款入口](https://phish.example/refund) **@所有人** <at user_id="all">x</at>'


@pytest.mark.parametrize("language", ["zh", "en"])
def test_a_strangers_text_in_the_reason_data_stays_inert(language: Language) -> None:
    reason_data = [
        clause(
            "cascade.spreading_by",
            author=HOSTILE_AUTHOR,
            root="weibo:1)**@所有人**(",
            reposts=40,
            minutes=47,
            in_window=40,
            window=60,
        ),
        clause("cascade.big_accounts", accounts=[clause("cascade.account", name="@here <!everyone>", followers=2)]),
    ]
    note = {**NOTIFICATION, "brand": "蒙牛 @所有人", "category": "<!channel>", "reason_data": reason_data}
    message = render(note, language=language)
    for text in _renderings(message):
        _assert_inert(text)
    top = "相关微博：" if language == "zh" else "Top posts:"
    assert message.markdown.count("**") == 2 and f"**{top}**" in message.markdown and "<" not in message.markdown
    assert re.findall(r"\]\(([^)]*)\)", message.markdown) == [
        "https://weibo.com/1825856108/nZnVuPYSR",
        "https://weibo.com/1675778813/nZnVuPYSS",
    ]
    slack = message.slack or ""
    assert "<" not in slack and slack.count("*") == 2
    assert [tag.name for tag in BeautifulSoup(message.html or "", "html.parser").find_all()] == [
        "h3", "p", "ul", "li", "li", "li", "p", "b", "ul", "li", "a", "li", "a",
    ]  # fmt: skip
