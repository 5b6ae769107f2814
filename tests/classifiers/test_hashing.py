from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32 as sklearn_murmurhash3_32

from classifiers.hashing import Utf8Batch, binary_rows, char_ngram_rows, hashed_columns, murmurhash3_32, string_rows

_PIECES = (
    "京东客服太差了，退款拖了一个月",
    "顺丰小哥很快，满意！",
    "這家店服務很差！！！",
    "[怒][哈哈]",
    "[ＧＯＯＤ]",
    "//@小米官方:",
    "//@用户123：转发微博",
    "回复@某人:",
    "#蒙牛质量问题#",
    "iPhone 6s",
    "OK",
    "HTTP://T.CN/AbC12",
    "www.example.com/x?y=1",
    "12315",
    "２０２６年",
    "😂😂",
    "𠀀",
    "é",
    "e\u0301",
    "  ",
    "\t",
    "\u3000",
    "。。。。",
    "~~~",
    "…",
    "我在:这里",
)


def varied_texts(count: int = 300, seed: int = 5) -> list[str]:
    """Made-up posts of every kind the featuriser meets: Chinese, traditional characters, emoticon tags,
    repost chains, replies, topics, links, Latin words, digits, full-width forms, emoji and astral-plane
    characters, combining marks, odd whitespace; a few empty or one-character ones."""
    rng = random.Random(seed)
    texts = ["", "好", " ", "a"]
    while len(texts) < count:
        texts.append("".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 8))))
    return texts


def _sklearn_chars(ngram_range: tuple[int, int], n_features: int, norm: str | None) -> HashingVectorizer:
    return HashingVectorizer(
        analyzer="char",
        ngram_range=ngram_range,
        n_features=n_features,
        alternate_sign=False,
        binary=True,
        norm=norm,
        dtype=np.float32,
    )


def assert_identical(ours: sparse.csr_matrix, theirs: sparse.csr_matrix) -> None:
    """Same shape, dtype, index arrays and values, bit for bit."""
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert ours.indices.dtype == theirs.indices.dtype and ours.indptr.dtype == theirs.indptr.dtype
    np.testing.assert_array_equal(ours.indptr, theirs.indptr)
    np.testing.assert_array_equal(ours.indices, theirs.indices)
    np.testing.assert_array_equal(ours.data.view(np.uint32), theirs.data.view(np.uint32))


def test_murmurhash_matches_sklearn_on_every_length_and_utf8_width() -> None:
    strings = ["", "a", "ab", "abc", "abcd", "abcde", "京", "京东", "京东快递", "😂", "a😂b", "é", "𠀀京a"]
    strings += ["x" * length for length in range(1, 40)] + ["客服" * length for length in range(1, 12)]
    batch = Utf8Batch(strings)
    starts = batch.char_bytes[batch.string_starts[:-1]]
    lengths = batch.char_bytes[batch.string_starts[1:]] - starts
    assert murmurhash3_32(batch.words(), starts, lengths).tolist() == [sklearn_murmurhash3_32(text) for text in strings]


@pytest.mark.parametrize("n_features", [2**20, 1000, 7])
def test_the_most_negative_hash_gets_sklearns_column(n_features: int) -> None:
    hashes = np.array([-(2**31), -1, 0, 2**31 - 1], dtype=np.int32)
    expected = [(2**31 - 1 - (n_features - 1)) % n_features, 1 % n_features, 0, (2**31 - 1) % n_features]
    assert hashed_columns(hashes, n_features).tolist() == expected


@pytest.mark.parametrize(
    ("ngram_range", "n_features", "norm"),
    [((1, 4), 2**20, "l2"), ((1, 3), 2**12, "l2"), ((2, 4), 1000, "l2"), ((1, 2), 64, None)],
)
def test_character_ngrams_are_sklearns_bit_for_bit(
    ngram_range: tuple[int, int], n_features: int, norm: str | None
) -> None:
    texts = varied_texts()
    expected = _sklearn_chars(ngram_range, n_features, norm).transform(texts)
    assert_identical(char_ngram_rows(texts, ngram_range, n_features, norm), expected)


def test_rows_do_not_depend_on_the_rest_of_the_batch() -> None:
    texts = varied_texts(60)
    whole = char_ngram_rows(texts, (1, 4), 2**16)
    for index in (0, 17, 59):
        assert_identical(char_ngram_rows([texts[index]], (1, 4), 2**16), whole[index])


@pytest.mark.parametrize("norm", ["l2", None])
def test_feature_lists_are_hashed_as_sklearn_hashes_an_analyzers_output(norm: str | None) -> None:
    rng = random.Random(3)
    pieces = [piece for text in varied_texts(100) for piece in text.split("，") if piece]
    lists = [[rng.choice(pieces) for _ in range(rng.randint(0, 6))] for _ in range(200)]
    analyzer: Callable[[list[str]], list[str]] = lambda features: features  # noqa: E731
    vectorizer = HashingVectorizer(
        analyzer=analyzer, n_features=2**12, alternate_sign=False, binary=True, norm=norm, dtype=np.float32
    )
    assert_identical(string_rows(lists, 2**12, norm), vectorizer.transform(lists))


def test_an_empty_batch_and_empty_rows_have_no_entries() -> None:
    assert char_ngram_rows([], (1, 4), 2**10).shape == (0, 2**10)
    matrix = string_rows([[], ["a"], []], 2**10)
    assert np.diff(matrix.indptr).tolist() == [0, 1, 0]
    assert binary_rows(np.zeros(0, np.int64), np.zeros(0, np.int64), 3, 8, "l2").nnz == 0


def test_text_without_a_utf8_form_fails_as_it_does_in_sklearn() -> None:
    with pytest.raises(UnicodeEncodeError):
        _sklearn_chars((1, 2), 64, "l2").transform(["\ud800"])
    with pytest.raises(UnicodeEncodeError):
        char_ngram_rows(["\ud800"], (1, 2), 64)
