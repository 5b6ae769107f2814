from __future__ import annotations

import pytest

from pipeline.sources.weibo_fields import html_to_text, parse_count, strip_full_text_link


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, 12),
        ("12", 12),
        ("转发 123", 123),
        ("转发", 0),
        ("赞", 0),
        ("", 0),
        (None, 0),
        ("1.2万", 12_000),
        ("100万+", 1_000_000),
        ("1万+", 10_000),
        ("152.1万", 1_521_000),
        ("3亿", 300_000_000),
        ("1,234", 1234),
        (-5, 0),
    ],
)
def test_parse_count(raw: object, expected: int) -> None:
    assert parse_count(raw) == expected


def test_html_to_text_keeps_emoji_alt_and_line_breaks() -> None:
    html = 'XX又炸了<span class="url-icon"><img alt=[怒] src="//h5.sinaimg.cn/x.png"/></span><br />第二行\u200b'
    assert html_to_text(html) == "XX又炸了[怒]\n第二行"


def test_strip_full_text_link() -> None:
    assert strip_full_text_link("客服说是我的问题 ...全文") == "客服说是我的问题"
    assert strip_full_text_link("全文完") == "全文完"
