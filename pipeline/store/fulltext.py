"""Full-text tokens of the embedded store: overlapping CJK bigrams, as Elasticsearch's `cjk` analyzer makes them.

A run of CJK characters becomes its overlapping pairs (质量问题 → 质量 量问 问题) followed by its last character
alone; other words (letters, digits) stay whole. A query is tokenised the same way and each of its runs must
occur as a phrase, so a search finds exactly the texts that contain the query's runs as substrings: 量问 finds
质量问题 even though no word segmenter would cut there, and a single character is found wherever it stands (as
the start of a pair, or as a run's last character). Both sides are folded to simplified characters and lower
case, so 順豐 finds 顺丰 and IPHONE finds iPhone.

Bigrams need no dictionary and cost a few microseconds per post; a word segmenter (jieba) cost ~130 µs per
post and was most of the time of storing a post.
"""

from __future__ import annotations

import re

from pipeline.simplify import to_simplified

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_RUN = re.compile(f"([{_CJK}]+)|([^\\W{_CJK}_]+)")


def _runs(text: str) -> list[tuple[str, bool]]:
    """Runs of a text in reading order, each with whether it is a CJK run, folded to simplified lower case."""
    return [(cjk, True) if cjk else (word, False) for cjk, word in _RUN.findall(to_simplified(text).lower())]


def _pairs(run: str) -> list[str]:
    return list(map(str.__add__, run[:-1], run[1:]))  # in C: this runs for every post stored


def index_text(text: str) -> str:
    """The tokens to index for `text`, space-separated (FTS5's unicode61 tokeniser splits them again)."""
    tokens: list[str] = []
    for cjk, word in _RUN.findall(to_simplified(text).lower()):
        if cjk:
            tokens += _pairs(cjk)
            tokens.append(cjk[-1])
        else:
            tokens.append(word)
    return " ".join(tokens)


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression that holds when every run of `query` occurs in the text; None when the query has
    no word characters at all. Tokens hold only word characters, so quoting them is safe."""
    phrases: list[str] = []
    for run, cjk in _runs(query):
        if cjk and len(run) == 1:
            phrases.append(f'"{run}"*')  # a pair that starts with it, or the last character of a run
        elif cjk:
            phrases.append(f'"{" ".join(_pairs(run))}"')
        else:
            phrases.append(f'"{run}"')
    return " AND ".join(phrases) if phrases else None


def query_runs(query: str) -> list[tuple[str, bool]]:
    """The runs of `query` as written (not folded), each with whether it is a CJK run: for a store whose own
    analyzers tokenise them (Elasticsearch)."""
    return [(cjk, True) if cjk else (word, False) for cjk, word in _RUN.findall(query)]
