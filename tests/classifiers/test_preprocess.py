from __future__ import annotations

import pytest

from classifiers.preprocess import emoticon_tags, preprocess, segment, strip_emoticons


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("快递丢了 http://t.cn/zTTO2As 气死", "快递丢了 气死"),
        ("@京东客服 你们的快递呢", "你们的快递呢"),
        ("同感//@小明:中国移动信号太差", "同感 // 中国移动信号太差"),
        ("#抵制某品牌# 大家别买", "抵制某品牌 大家别买"),
        ("又坏了[怒][怒]", "又坏了"),
        ("ＡＢＣ１２３，好", "abc123,好"),
        ("這家酒店的服務態度很差", "这家酒店的服务态度很差"),
        ("回复@四瓣馨香:晕啦", "晕啦"),
        ("太差了！！！！！！", "太差了!!"),
    ],
)
def test_preprocess_normalises_weibo_text(raw: str, expected: str) -> None:
    assert preprocess(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", "//@甲: //@乙:", "[哈哈][哈哈]", "@某人"])
def test_text_with_nothing_of_its_own_becomes_empty(raw: str) -> None:
    assert preprocess(raw) == ""


@pytest.mark.parametrize("raw", ["同感//@小明:中国移动信号太差[怒] http://t.cn/a", "這家#酒店#服務差！！！"])
def test_preprocess_is_idempotent(raw: str) -> None:
    once = preprocess(raw)
    assert preprocess(once) == once


def test_segment_keeps_brand_names_and_warnings_whole() -> None:
    words = segment(preprocess("中国移动和京东都让我失望，千万别买"))
    assert "中国移动" in words
    assert "京东" in words
    assert "千万别买" in words


def test_strip_emoticons_removes_only_the_tags() -> None:
    assert strip_emoticons("好开心[哈哈] @朋友 http://t.cn/x") == "好开心 @朋友 http://t.cn/x"


def test_strip_emoticons_leaves_no_tag_that_the_featuriser_would_read() -> None:
    for text in ("多指导哦…［茶］开心周末！", "[[赞]]好", "周末快乐！［咖啡］［握手］"):
        assert emoticon_tags(strip_emoticons(text)) == [], text


def test_emoticon_tags_are_found_and_normalised() -> None:
    assert emoticon_tags("太慢了[怒] [ＧＯＯＤ]还行[淚]") == ["[怒]", "[good]", "[泪]"]
    assert emoticon_tags("没有表情") == []
