from __future__ import annotations

from typing import Any

import pytest

from classifiers import features
from classifiers.category_cues import CATEGORY_CUES
from classifiers.features import WeiboFeaturizer


@pytest.mark.parametrize(("word_bits", "emoticon_bits"), [(0, 0), (10, 0), (0, 6)])
def test_width_is_the_same_for_every_batch_including_an_empty_one(word_bits: int, emoticon_bits: int) -> None:
    featurizer = WeiboFeaturizer(char_bits=12, word_bits=word_bits, emoticon_bits=emoticon_bits).fit([])
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


def _emoticon_block(featurizer: WeiboFeaturizer, texts: list[str]) -> Any:
    return featurizer.transform(texts)[:, featurizer.emoticon_columns()].toarray()


@pytest.mark.parametrize("word_bits", [0, 10])
def test_emoticon_tags_are_a_block_of_their_own_and_never_ngrams(word_bits: int) -> None:
    featurizer = WeiboFeaturizer(char_bits=14, word_bits=word_bits, emoticon_bits=8, emoticon_weight=0.5).fit([])
    tagged, plain = featurizer.transform(["客服不理人[怒][怒]", "客服不理人"]).toarray()
    block = _emoticon_block(featurizer, ["客服不理人[怒][怒]"])[0]
    assert len(block) == 1 << 8
    assert sorted(block[block != 0]) == [0.5]  # present once, at the chosen weight, however often it occurs
    assert (tagged != plain).sum() == 1  # the n-grams and cue columns do not see the tag


def test_emoticon_tags_are_read_in_their_normal_form() -> None:
    featurizer = WeiboFeaturizer(char_bits=12, word_bits=0, emoticon_bits=8).fit([])
    assert (_emoticon_block(featurizer, ["[淚]", "[GOOD]"]) == _emoticon_block(featurizer, ["[泪]", "[good]"])).all()


def test_no_emoticon_block_ignores_tags() -> None:
    featurizer = WeiboFeaturizer(char_bits=12, word_bits=0, emoticon_bits=0).fit([])
    assert (featurizer.transform(["好[哈哈]"]) != featurizer.transform(["好"])).nnz == 0


def test_a_featuriser_saved_before_the_emoticon_block_loads_without_it() -> None:
    state = WeiboFeaturizer(char_bits=12, word_bits=0).fit([]).__getstate__()
    del state["emoticon_bits"], state["emoticon_weight"], state["category_weight"]
    restored = WeiboFeaturizer.__new__(WeiboFeaturizer)
    restored.__setstate__(state)
    assert restored.transform(["好[哈哈]"]).shape == (1, restored.n_features_out_)
    assert restored.emoticon_bits == 0
    assert restored.category_weight == 0


def test_category_cue_columns_count_each_lists_cues_last_and_scaled() -> None:
    featurizer = WeiboFeaturizer(char_bits=12, word_bits=0, category_weight=1.5).fit([])
    columns = featurizer.category_columns()
    assert columns.stop == featurizer.n_features_out_ and columns.stop - columns.start == len(CATEGORY_CUES)
    block = featurizer.transform(["外卖吃出異物，拉肚子，骑手还送错了", "今天天气好"])[:, columns].toarray()
    names = [name for name, _ in CATEGORY_CUES]
    # 異物 is read in its normal form: 异物 and 拉肚子 are safety cues, 骑手 and 送错 delivery cues.
    assert block[0].tolist() == pytest.approx([1.0 if name in ("safety", "delivery") else 0.0 for name in names])
    assert not block[1].any()


def test_no_category_weight_means_no_category_columns() -> None:
    featurizer = WeiboFeaturizer(char_bits=12, word_bits=0).fit([])
    assert featurizer.category_columns().start == featurizer.category_columns().stop == featurizer.n_features_out_
