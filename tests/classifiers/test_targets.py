from __future__ import annotations

import numpy as np

from classifiers.targets import FEATURE_NAMES, brand_names, target_features


def _row(text: str) -> dict[str, float]:
    return dict(zip(FEATURE_NAMES, target_features([text])[0].tolist(), strict=True))


def test_brand_names_come_from_the_user_dictionary() -> None:
    assert "京东" in brand_names() and "顺丰" in brand_names()


def test_an_official_handle_counts_though_preprocessing_drops_handles() -> None:
    assert _row("@中国联通客服 三天了还没人处理")["official_handle"] == 0.5
    assert _row("@某某 @中国移动 @招商银行信用卡 还没人处理")["official_handle"] == 1.0
    assert _row("@老王 今天好累")["official_handle"] == 0.0


def test_a_complaint_target_in_own_words_differs_from_one_in_the_chain() -> None:
    own = _row("京东的快递又延误了，订单三天没动 //@某人:天气真好")
    chain = _row("唉 //@某人:京东的快递又延误了，订单三天没动")
    assert own["brand"] == chain["brand"] == 1.0
    assert own["target_in_own_words"] == 1.0 and chain["target_in_own_words"] == 0.0
    assert own["service_in_own_words"] == 1.0 and chain["service_in_own_words"] == 0.0


def test_company_and_own_dealing_patterns() -> None:
    assert _row("这家保险公司太坑了")["company"] == 1.0
    assert _row("我昨天在网上买的手机坏了")["own_dealing"] == 1.0
    nothing = _row("下雨了，心情很差")
    assert all(value == 0.0 for value in nothing.values())


def test_columns_are_bounded_and_prepared_texts_can_be_passed_in() -> None:
    texts = ["客服 售后 退款 退货 订单 快递 包裹", "", "@顺丰速运 @京东客服 @中国移动"]
    matrix = target_features(texts)
    assert matrix.shape == (3, len(FEATURE_NAMES)) and matrix.dtype == np.float32
    assert matrix.min() >= 0.0 and matrix.max() <= 1.0
    assert np.array_equal(target_features(texts, ["客服 售后 退款 退货 订单 快递 包裹", "", ""]), matrix)
