from __future__ import annotations

import numpy as np
import pytest

from classifiers.features import WeiboFeaturizer
from classifiers.semantics import LatentSemantics

DELIVERY = ["快递三天没到", "快递太慢了，包裹还没到", "物流好慢，快递一直不送", "包裹丢了，快递不管"]
FOOD = ["这家店的菜很好吃", "牛肉面好吃，汤很香", "菜太咸了不好吃", "米饭好吃，菜也香"]


@pytest.fixture(scope="module")
def featurizer() -> WeiboFeaturizer:
    return WeiboFeaturizer(char_bits=12, word_bits=10).fit([])


@pytest.fixture(scope="module")
def fitted(featurizer: WeiboFeaturizer) -> LatentSemantics:
    return LatentSemantics(n_components=4, min_df=3).fit(featurizer.transform((DELIVERY + FOOD) * 5))


def test_rows_are_unit_length_coordinates(fitted: LatentSemantics, featurizer: WeiboFeaturizer) -> None:
    coordinates = fitted.transform(featurizer.transform(["快递又慢了", "好吃的面"]))
    assert coordinates.shape == (2, 4) and coordinates.dtype == np.float32
    assert np.allclose(np.linalg.norm(coordinates, axis=1), 1.0, atol=1e-3)
    assert fitted.components_.dtype == np.float16


def test_texts_on_the_same_subject_land_closer(fitted: LatentSemantics, featurizer: WeiboFeaturizer) -> None:
    new_delivery, new_food, other_delivery = fitted.transform(
        featurizer.transform(["快递包裹一直没到", "这碗面很好吃", "物流太慢"])
    )
    assert new_delivery @ other_delivery > new_delivery @ new_food


def test_only_frequent_columns_are_kept(fitted: LatentSemantics, featurizer: WeiboFeaturizer) -> None:
    matrix = featurizer.transform((DELIVERY + FOOD) * 5)
    counts = np.diff(matrix.tocsc().indptr)
    assert set(fitted.columns_) == set(np.flatnonzero(counts >= 3))


def test_a_small_corpus_falls_back_to_its_most_frequent_columns(featurizer: WeiboFeaturizer) -> None:
    semantics = LatentSemantics(n_components=3, min_df=1000).fit(featurizer.transform(DELIVERY + FOOD))
    assert len(semantics.columns_) == 12
    assert semantics.transform(featurizer.transform(["快递"])).shape == (1, 3)


def test_an_empty_corpus_is_refused(featurizer: WeiboFeaturizer) -> None:
    with pytest.raises(ValueError, match="too little text"):
        LatentSemantics().fit(featurizer.transform([""]))
