from __future__ import annotations

from datetime import datetime

import pytest

from pipeline.models import SHANGHAI
from pipeline.sources.weibo_fields import html_to_text, parse_count, parse_follower_count, strip_full_text_link
from pipeline.sources.weibo_mblog import mblog_to_post


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


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, None), (True, None), ("粉丝", None), ("", None), (0, 0), ("0", 0), (12, 12), ("1.2万", 12_000), (-3, 0)],
)
def test_follower_count_keeps_unknown_apart_from_zero(raw: object, expected: int | None) -> None:
    assert parse_follower_count(raw) == expected


def test_mblog_without_a_follower_count_has_an_unknown_one() -> None:
    mblog = {"mid": "5230000000000001", "created_at": "刚刚", "text": "充电宝又坏了", "user": {"id": 1001}}
    fetched = datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI)
    post = mblog_to_post(mblog, fetched)
    assert post.author is not None and post.author.followers is None
    counted = mblog_to_post({**mblog, "user": {"id": 1001, "followers_count": 0}}, fetched)
    assert counted.author is not None and counted.author.followers == 0
