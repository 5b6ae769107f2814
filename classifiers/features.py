"""Text → feature matrix, shared by the sentiment and complaint models so inference featurises once.

Hashed character 1-3-grams and jieba word 1-2-grams (binary, L2-normalised) plus a few dense cue columns
(`classifiers.lexicon`). Hashing keeps the artifact free of a vocabulary and the transform stateless.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer

from classifiers.lexicon import cue_features
from classifiers.preprocess import preprocess, segment


def _identity(text: str) -> str:
    return text


class WeiboFeaturizer(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Stateless featuriser of raw post texts (preprocessing included).

    Args:
        char_bits: log2 of the character n-gram hashing space.
        word_bits: log2 of the word n-gram hashing space.
        cue_weight: scale of the dense cue columns relative to the unit-norm n-gram block.
    """

    def __init__(self, char_bits: int = 19, word_bits: int = 18, cue_weight: float = 0.5) -> None:
        self.char_bits = char_bits
        self.word_bits = word_bits
        self.cue_weight = cue_weight

    def fit(self, texts: Sequence[str], y: Any = None) -> WeiboFeaturizer:
        self.n_features_out_ = 2**self.char_bits + 2**self.word_bits + len(cue_features([""])[0])
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        prepared = [preprocess(text) for text in texts]
        return self.transform_prepared(prepared)

    def transform_prepared(self, prepared: list[str]) -> sparse.csr_matrix:
        chars = HashingVectorizer(
            analyzer="char",
            ngram_range=(1, 3),
            n_features=2**self.char_bits,
            alternate_sign=False,
            binary=True,
            norm="l2",
            dtype=np.float32,
        ).transform(prepared)
        words = HashingVectorizer(
            tokenizer=segment,
            preprocessor=_identity,
            token_pattern=None,
            lowercase=False,
            ngram_range=(1, 2),
            n_features=2**self.word_bits,
            alternate_sign=False,
            binary=True,
            norm="l2",
            dtype=np.float32,
        ).transform(prepared)
        cues = sparse.csr_matrix(cue_features(prepared) * self.cue_weight)
        return sparse.hstack([chars, words, cues], format="csr", dtype=np.float32)
