from __future__ import annotations

import pytest

from classifiers import features
from classifiers.features import WeiboFeaturizer


@pytest.mark.parametrize("word_bits", [0, 10])
def test_width_is_the_same_for_every_batch_including_an_empty_one(word_bits: int) -> None:
    featurizer = WeiboFeaturizer(char_bits=12, word_bits=word_bits).fit([])
    assert featurizer.transform(["京东快递太慢了", ""]).shape == (2, featurizer.n_features_out_)
    assert featurizer.transform([]).shape == (0, featurizer.n_features_out_)


def test_no_word_block_means_no_segmentation(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_segmenting(text: str) -> list[str]:
        raise AssertionError("segmented although word n-grams are off")

    monkeypatch.setattr(features, "segment", no_segmenting)
    assert WeiboFeaturizer(char_bits=12, word_bits=0).fit([]).transform(["京东快递太慢了"]).nnz > 0
    with pytest.raises(AssertionError, match="segmented"):
        WeiboFeaturizer(char_bits=12, word_bits=10).fit([]).transform(["京东快递太慢了"])


def test_longest_character_ngram_is_configurable() -> None:
    text = ["顺丰快递"]  # 4 + 3 + 2 character n-grams up to length 3, one more of length 4
    up_to_three = WeiboFeaturizer(char_bits=16, char_max_n=3, word_bits=0, cue_weight=0, target_weight=0)
    up_to_four = WeiboFeaturizer(char_bits=16, char_max_n=4, word_bits=0, cue_weight=0, target_weight=0)
    assert up_to_three.fit([]).transform(text).nnz == 9
    assert up_to_four.fit([]).transform(text).nnz == 10
