"""Latent semantic coordinates of a text: a few hundred dense dimensions learnt without labels.

The complaint model learns from ~1,500 labelled texts; most words of a new Weibo post never occurred in a
labelled complaint. Latent semantic analysis (truncated SVD of the TF-IDF-weighted n-gram columns of the
~150k sentiment-corpus texts) places texts about the same things near each other ("地铁又涨价" near "价格太贵"),
so what the model learnt from one wording carries over to the other. In cross-validation on the complaint
train split (`benchmarks/classifier_selection.py`, each at its best setting) it added 0.01 complaint F1
overall, 0.04 on the Weibo posts and 0.04 severity macro-F1.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize


class LatentSemantics(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """Feature matrix (`WeiboFeaturizer` output) → unit-length rows of `n_components` semantic coordinates.

    Args:
        n_components: dimensions kept.
        min_df: a column must occur in at least this many training texts to take part; rare n-grams carry
            noise, and dropping them keeps the stored projection small. A small corpus (quick runs) falls back
            to its 4 × n_components most frequent columns.
        random_state: seed of the randomised SVD.
    """

    def __init__(self, n_components: int = 128, min_df: int = 200, random_state: int = 0) -> None:
        self.n_components = n_components
        self.min_df = min_df
        self.random_state = random_state

    def fit(self, features: Any, y: Any = None) -> LatentSemantics:
        matrix = sparse.csc_matrix(features)
        document_frequency = np.diff(matrix.indptr)
        frequent = int((document_frequency >= self.min_df).sum())
        count = max(frequent, min(4 * self.n_components, int((document_frequency > 0).sum())))
        self.columns_ = np.sort(np.argsort(-document_frequency, kind="stable")[:count]).astype(np.int64)
        components = min(self.n_components, len(self.columns_) - 1, matrix.shape[0] - 1)
        if components < 1:
            raise ValueError(f"too little text to learn semantic coordinates from ({matrix.shape[0]} rows)")
        self.idf_ = np.log(matrix.shape[0] / (1.0 + document_frequency[self.columns_])).astype(np.float32)
        svd = TruncatedSVD(components, algorithm="randomized", n_iter=4, random_state=self.random_state)
        svd.fit(self._weighted(matrix))
        self.components_ = svd.components_.astype(np.float16)  # halves the artifact; rows are re-normalised
        return self

    def _weighted(self, features: Any) -> sparse.csr_matrix:
        chosen = sparse.csr_matrix(features)[:, self.columns_]
        return normalize(sparse.csr_matrix(chosen.multiply(self.idf_)))

    def transform(self, features: Any) -> NDArray[np.float32]:
        coordinates = self._weighted(features) @ self.components_.T.astype(np.float32)
        return np.asarray(normalize(coordinates), dtype=np.float32)
