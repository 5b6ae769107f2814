"""Text → feature matrix, shared by the sentiment and complaint models so inference featurises once.

Hashed character n-grams and (optionally) jieba word 1-2-grams (binary, L2-normalised), hashed emoticon tags
(optional), a few dense cue columns (`classifiers.lexicon`), target columns (`classifiers.targets`: is the
post aimed at a company?) and (optionally) category cue columns (`classifiers.category_cues`), last. Hashing
keeps the artifact free of a vocabulary and the transform stateless. `transform` hashes a batch at once
(`classifiers.hashing`); `reference_transform` goes through sklearn's `HashingVectorizer`, which the models
were trained with, and gives the same matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer

from classifiers.category_cues import CATEGORY_CUES, category_cue_features
from classifiers.hashing import char_ngram_rows, string_rows
from classifiers.lexicon import cue_features
from classifiers.preprocess import emoticon_tags, preprocess, segment
from classifiers.targets import FEATURE_NAMES as TARGET_FEATURES
from classifiers.targets import target_features

# Both n-gram blocks: presence (not counts), one unit-length row per text, hashed without sign flips.
_BINARY_UNIT_ROWS: dict[str, Any] = {"alternate_sign": False, "binary": True, "norm": "l2", "dtype": np.float32}


def _block_width(bits: int) -> int:
    """Columns of a hashed block; 0 bits means the block is left out."""
    return (1 << int(bits)) if bits else 0


def _identity(text: str) -> str:
    return text


class WeiboFeaturizer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Stateless featuriser of raw post texts (preprocessing included).

    Args:
        char_bits: log2 of the character n-gram hashing space.
        char_max_n: longest character n-gram.
        word_bits: log2 of the word n-gram hashing space; 0 leaves word n-grams (and segmentation) out.
        emoticon_bits: log2 of the emoticon-tag hashing space; 0 leaves emoticon tags out.
        emoticon_weight: value of a present emoticon tag (each tag one column, no normalisation).
        cue_weight: scale of the dense cue columns relative to the unit-norm n-gram block.
        target_weight: scale of the target columns (chosen by cross-validation on the complaint train split).
        category_weight: scale of the category cue columns (per cue list, how many of its cues the post holds,
            at most 3, divided by 3); 0 leaves them out.
    """

    def __init__(
        self,
        char_bits: int = 19,
        char_max_n: int = 3,
        word_bits: int = 18,
        emoticon_bits: int = 0,
        emoticon_weight: float = 1.0,
        cue_weight: float = 0.5,
        target_weight: float = 3.0,
        category_weight: float = 0.0,
    ) -> None:
        self.char_bits = char_bits
        self.char_max_n = char_max_n
        self.word_bits = word_bits
        self.emoticon_bits = emoticon_bits
        self.emoticon_weight = emoticon_weight
        self.cue_weight = cue_weight
        self.target_weight = target_weight
        self.category_weight = category_weight

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Featurisers saved before the emoticon block existed load without it, as they were trained.
        state.setdefault("emoticon_bits", 0)
        state.setdefault("emoticon_weight", 1.0)
        state.setdefault("category_weight", 0.0)  # the same for the category cues
        super().__setstate__(state)

    def _width(self) -> int:
        return int(self.category_columns().stop)

    def category_columns(self) -> slice:
        """Where the category cue columns sit (an empty slice when there are none): last."""
        start = int(self.emoticon_columns().stop) + len(cue_features([""])[0]) + len(TARGET_FEATURES)
        return slice(start, start + (len(CATEGORY_CUES) if self.category_weight else 0))

    def emoticon_columns(self) -> slice:
        """Where the emoticon block sits in the output (an empty slice when there is none): after the
        character and word blocks."""
        start = _block_width(self.char_bits) + _block_width(self.word_bits)
        return slice(start, start + _block_width(self.emoticon_bits))

    def fit(self, texts: Sequence[str], y: Any = None) -> WeiboFeaturizer:
        self.n_features_out_ = self._width()
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        raw = list(texts)
        if not raw:
            return sparse.csr_matrix((0, self._width()), dtype=np.float32)
        prepared = [preprocess(text) for text in raw]
        blocks = [char_ngram_rows(prepared, (1, self.char_max_n), 2**self.char_bits)]
        if self.word_bits:
            blocks.append(string_rows([_word_ngrams(segment(text)) for text in prepared], 2**self.word_bits))
        if self.emoticon_bits:
            # Unnormalised: a tag is worth `emoticon_weight` however many n-grams the post has.
            tags = string_rows([emoticon_tags(text) for text in raw], 2**self.emoticon_bits, norm=None)
            blocks.append(tags * self.emoticon_weight)
        return sparse.hstack([*blocks, *self._cue_blocks(raw, prepared)], format="csr", dtype=np.float32)

    def reference_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """`transform` through sklearn's `HashingVectorizer`, as the models were trained: the reference the
        batch hasher (`classifiers.hashing`) is checked against, column for column."""
        raw = list(texts)
        if not raw:  # the hashing vectorisers cannot take an empty batch
            return sparse.csr_matrix((0, self._width()), dtype=np.float32)
        prepared = [preprocess(text) for text in raw]
        chars = HashingVectorizer(
            analyzer="char", ngram_range=(1, self.char_max_n), n_features=2**self.char_bits, **_BINARY_UNIT_ROWS
        )
        blocks = [chars.transform(prepared)]
        if self.word_bits:
            words = HashingVectorizer(
                tokenizer=segment,
                preprocessor=_identity,
                token_pattern=None,
                lowercase=False,
                ngram_range=(1, 2),
                n_features=2**self.word_bits,
                **_BINARY_UNIT_ROWS,
            )
            blocks.append(words.transform(prepared))
        if self.emoticon_bits:
            emoticons = HashingVectorizer(
                analyzer=emoticon_tags, n_features=2**self.emoticon_bits, **{**_BINARY_UNIT_ROWS, "norm": None}
            )
            blocks.append(emoticons.transform(raw) * self.emoticon_weight)
        return sparse.hstack([*blocks, *self._cue_blocks(raw, prepared)], format="csr", dtype=np.float32)

    def _cue_blocks(self, raw: list[str], prepared: list[str]) -> list[sparse.csr_matrix]:
        blocks = [
            sparse.csr_matrix(cue_features(prepared) * self.cue_weight),
            sparse.csr_matrix(target_features(raw, prepared) * self.target_weight),
        ]
        if self.category_weight:
            blocks.append(sparse.csr_matrix(category_cue_features(prepared) * self.category_weight))
        return blocks


def _word_ngrams(tokens: list[str]) -> list[str]:
    """Word 1- and 2-grams as `HashingVectorizer(ngram_range=(1, 2))` spells them."""
    return [*tokens, *(f"{first} {second}" for first, second in pairwise(tokens))]
