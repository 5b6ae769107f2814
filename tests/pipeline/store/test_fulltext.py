"""Full-text tokens: CJK bigrams plus each run's last character, other words whole, folded; queries alike."""

from __future__ import annotations

import random
from itertools import groupby

from pipeline.simplify import to_simplified
from pipeline.store.fulltext import index_text, match_expression, query_runs

_ALPHABET = "质量问题顺丰快递怒好不 ，。！[]@//:abcXYZ0129_-順豐𠀀ア한"


def _is_cjk(char: str) -> bool:
    code = ord(char)
    ranges = [
        (0x3040, 0x30FF),
        (0x3400, 0x4DBF),
        (0x4E00, 0x9FFF),
        (0xAC00, 0xD7AF),
        (0xF900, 0xFAFF),
        (0x20000, 0x3134F),
    ]
    return any(low <= code <= high for low, high in ranges)


def _reference_tokens(text: str) -> list[str]:
    """Character by character, as the module's docstring says it: pairs of a CJK run then its last character;
    other words (letters and digits) whole."""
    kinds = ["cjk" if _is_cjk(char) else "word" if char.isalnum() else "" for char in to_simplified(text).lower()]
    tokens: list[str] = []
    for kind, group in groupby(zip(kinds, to_simplified(text).lower(), strict=True), key=lambda item: item[0]):
        run = "".join(char for _, char in group)
        if kind == "cjk":
            tokens += [run[index : index + 2] for index in range(len(run) - 1)] + [run[-1]]
        elif kind == "word":
            tokens.append(run)
    return tokens


def test_index_tokens_are_pairs_then_the_last_character_of_each_run() -> None:
    assert index_text("我很愤怒[怒]") == "我很 很愤 愤怒 怒 怒"
    assert index_text("順豐快遞 iPhone6") == "顺丰 丰快 快递 递 iphone6"
    rng = random.Random(5)
    for _ in range(500):
        text = "".join(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 30)))
        assert index_text(text).split() == _reference_tokens(text), text


def test_queries_are_phrases_of_pairs_prefixes_for_one_character_and_words() -> None:
    assert match_expression("质量问题 怒 iPhone") == '"质量 量问 问题" AND "怒"* AND "iphone"'
    assert match_expression('"); DROP TABLE posts; --') == '"drop" AND "table" AND "posts"'
    assert match_expression("，。！") is None
    assert query_runs("順豐 快递") == [("順豐", True), ("快递", True)]  # as written, for Elasticsearch's analyzers
