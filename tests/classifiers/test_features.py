from __future__ import annotations

import random
import unicodedata
from typing import Any

import numpy as np
import pytest

from classifiers import features, targets
from classifiers import preprocess as preprocess_module
from classifiers.category_cues import CATEGORY_CUES
from classifiers.features import WeiboFeaturizer
from classifiers.inference import default_bundle
from classifiers.lexicon import CUE_GROUPS, CueCounter, count_present
from classifiers.preprocess import CHAIN_MARK, emoticon_tags, preprocess
from classifiers.targets import SERVICE_TERMS, target_features
from pipeline.normalise import text_for_scoring
from tests.classifiers.test_hashing import assert_identical, varied_texts


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


# The fast paths (batch hashing, one cue scan per text, guards before regex scans) against plain references.

FEATURIZERS = [
    WeiboFeaturizer(
        char_bits=20, char_max_n=4, word_bits=0, emoticon_bits=12, emoticon_weight=0.5, category_weight=10.0
    ),
    WeiboFeaturizer(char_bits=14, char_max_n=3, word_bits=10, emoticon_bits=0),
    WeiboFeaturizer(char_bits=12, char_max_n=2, word_bits=8, emoticon_bits=6, category_weight=1.5),
]


@pytest.mark.parametrize("featurizer", FEATURIZERS, ids=["v5-like", "words", "everything"])
def test_transform_is_sklearns_hashing_bit_for_bit(featurizer: WeiboFeaturizer) -> None:
    texts = varied_texts()
    assert_identical(featurizer.fit([]).transform(texts), featurizer.reference_transform(texts))


def test_the_bundled_models_get_the_features_they_were_trained_on() -> None:
    featurizer = default_bundle().featurizer
    texts = varied_texts(seed=11)
    texts += [text_for_scoring(text) for text in texts]
    assert_identical(featurizer.transform(texts), featurizer.reference_transform(texts))


def _cue_dense_texts(lists: tuple[tuple[str, ...], ...], count: int = 2000) -> list[str]:
    """Texts glued from cues, so that cues overlap, nest and repeat (再也不 in 再也不会, 别买 in 千万别买)."""
    rng = random.Random(2)
    cues = [cue for cues in lists for cue in cues] + ["，", " // ", "京东", "公司"]
    return ["".join(rng.choice(cues) for _ in range(rng.randint(0, 10))) for _ in range(count)]


def test_one_scan_counts_each_list_as_count_present_does() -> None:
    lists = (
        *(cues for _, cues in CUE_GROUPS),
        SERVICE_TERMS,
        *(cues for _, cues in CATEGORY_CUES),
        ("坑", "坑", "坑人"),
    )
    texts = _cue_dense_texts(lists) + [preprocess(text) for text in varied_texts()]
    expected = [[count_present(text, cues) for cues in lists] for text in texts]
    assert CueCounter(lists).counts(texts).tolist() == expected


def _plain_normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(preprocess_module._traditional_to_simplified())


def _plain_preprocess(text: str) -> str:
    """`preprocess` without its guards and shortcuts: every regex applied to every text."""
    module = preprocess_module
    text = module._LINK.sub(" ", _plain_normalise(text))
    text = module._EMOTICON.sub(" ", text)
    text = module._REPLY.sub(" ", text)
    text = module._REPOST_HANDLE.sub(module.CHAIN_MARK, text)
    text = module._MENTION.sub(" ", text)
    text = module._TOPIC.sub(r" \1 ", text)
    text = module._LOCATION.sub(" ", text.strip())
    text = module._REPEATED.sub(r"\1\1", text)
    text = module._SPACES.sub(" ", text).strip().lower()
    return "" if not text.replace("/", "").strip() else text


def _tricky_texts() -> list[str]:
    astral_traditional = next(chr(code) for code in preprocess_module._traditional_to_simplified() if code > 0xFFFF)
    return [
        *varied_texts(seed=8),
        "看HTTP://T.CN/abc和WWW.Example.com，還有t.cn/XyZ以及hTtPs://x.y/z?q=1",
        "ftp://a.b 網址 ſ://x Ｔ．ＣＮ／abc ｗｗｗ．ａ．ｃｎ",
        "见WWW.EXAMPLE.COM",
        "链接T.CN/XyZ9",
        "链接at.cn/XyZ9 和 t.cn/abc",
        f"繁體{astral_traditional}字😂",
        f"😂{astral_traditional}",
        "，\u0301！\u0308？…：～＂）；（＞＜",
        "好！！！！真的？？？。。。。...~~~～～～",
        "a\x1cb\x1dc\x1ed\x1fe\x85f\u2028g\u3000h\ti  j",
        "#话题# 我在:这里",
        "我在这里 不是结尾",
    ]


def test_preprocess_is_the_plain_pipeline() -> None:
    for text in _tricky_texts():
        assert preprocess(text) == _plain_preprocess(text), text


def test_emoticon_tags_are_the_plain_ones() -> None:
    module = preprocess_module
    for text in [*_tricky_texts(), "[淚][ＧＯＯＤ][好 ]［哈哈］﹇怒﹈"]:
        plain = (_plain_normalise(tag).lower() for tag in module._RAW_EMOTICON.findall(text))
        assert emoticon_tags(text) == [tag for tag in plain if module._EMOTICON.fullmatch(tag)], text


def _plain_target_row(raw: str, text: str) -> list[float]:
    own_words = text.split(CHAIN_MARK)[0]
    handles = targets._HANDLE.findall(raw)
    official = sum(bool(targets._OFFICIAL_HANDLE.search(handle)) or targets._names_brand(handle) for handle in handles)
    return [
        min(official, 2) / 2.0,
        float(targets._names_brand(text)),
        float(bool(targets._COMPANY.search(text))),
        float(bool(targets._OWN_DEALING.search(text))),
        count_present(text, SERVICE_TERMS) / 3.0,
        float(targets._names_brand(own_words) or bool(targets._COMPANY.search(own_words))),
        count_present(own_words, SERVICE_TERMS) / 3.0,
    ]


def test_target_columns_are_the_plain_ones() -> None:
    glued = _cue_dense_texts((SERVICE_TERMS, targets.brand_names(), ("我在京东买的", "@中国移动客服 ", "//@小米官方:")))
    raw_texts = _tricky_texts() + glued
    prepared = [preprocess(text) for text in raw_texts]
    expected = np.array([_plain_target_row(raw, text) for raw, text in zip(raw_texts, prepared, strict=True)])
    np.testing.assert_array_equal(target_features(raw_texts, prepared), expected.astype(np.float32))
