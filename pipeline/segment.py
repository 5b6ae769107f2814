"""jieba word segmentation shared by the stores (full-text index, term clouds) and reports.

The dictionary loads once per process on first use (~1 s). Brand names from the watchlist are added as
user words so that 蒙牛乳业 or 三只松鼠 stay one token.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import cache
from typing import Any

_WORD = re.compile(r"[\w\u4e00-\u9fff]")
_NOT_TERMS = re.compile(r"^(?:\d+|[a-zA-Z]|转发微博|回复)$")
STOPWORDS = frozenset(
    """
    的 了 是 我 你 他 她 它 们 在 也 就 都 和 与 及 还 又 很 太 吧 吗 呢 啊 呀
    哦 哈 嘛 么 着 过 被 把 让 给 这 那 这个 那个 一个 什么 怎么 没有 不是 就是 还是
    可以 因为 所以 但是 而且 如果 已经 自己 我们 你们 他们 真的 现在 今天 一下 一样 知道
    觉得 感觉 这么 那么 还有 然后 不会 不能 不要 这样 那样 有点 微博 转发 网页 链接 全文
    视频
    """.split()
)


@cache
def _jieba() -> Any:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def add_words(words: Iterable[str]) -> None:
    """Teach the segmenter brand names and aliases (idempotent)."""
    jieba = _jieba()
    for word in words:
        if word.strip():
            jieba.add_word(word.strip(), freq=50_000)


def segment(text: str) -> list[str]:
    """Words of a text, punctuation and spaces dropped.

    HMM guessing of unknown words is off: it doubles the cost, and the index and the queries must split
    words the same way anyway (an unknown word falls apart into characters on both sides)."""
    return [token for token in _jieba().lcut(text, HMM=False) if _WORD.search(token)]


def segment_for_search(text: str) -> list[str]:
    """Words plus their shorter parts (中华人民共和国 → 中华, 华人, ...), for recall in a full-text index."""
    return [token for token in _jieba().lcut_for_search(text, HMM=False) if _WORD.search(token)]


def terms(text: str) -> list[str]:
    """Distinct content words for term clouds and emerging-term reports: stop words, single characters
    and numbers dropped."""
    seen: dict[str, None] = {}
    for token in segment(text):
        if len(token) >= 2 and token not in STOPWORDS and not _NOT_TERMS.match(token):
            seen.setdefault(token.lower(), None)
    return list(seen)
