from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from classifiers.complaint_model import ComplaintClassifier
from classifiers.features import WeiboFeaturizer
from classifiers.models import make_complaint_pipeline, make_sentiment_pipeline
from classifiers.semantics import LatentSemantics
from classifiers.sentiment_model import SentimentClassifier

TEXTS = [
    "快递晚了两天，有点失望",
    "京东客服态度差，要求退款，再也不买了",
    "大家千万别买，黑心商家，已经投诉到12315",
    "今天天气真好",
    "顺丰小哥很快，满意",
    "东西坏了，退货退款拖了一个月，气死了",
    "肯德基吃出异物，要曝光，找律师起诉",
    "周末去看电影",
] * 4
SEVERITY = [1, 2, 3, 0, 0, 2, 3, 0] * 4
CATEGORY = ["delivery", "service", "integrity", "none", "none", "service", "safety", "none"] * 4


@pytest.fixture(scope="module")
def fitted() -> ComplaintClassifier:
    pipeline = make_complaint_pipeline(char_bits=10, word_bits=8, c_complaint=10, c_severity=10, c_category=10)
    pipeline.fit(TEXTS, SEVERITY, classifier__categories=CATEGORY)
    return pipeline


def test_learns_complaint_severity_and_category(fitted) -> None:
    predicted = fitted.named_steps["classifier"].predict_all(fitted.named_steps["features"].transform(TEXTS[:8]))
    assert predicted.severity.tolist() == SEVERITY[:8]
    assert predicted.category == CATEGORY[:8]
    assert predicted.is_complaint.tolist() == [s > 0 for s in SEVERITY[:8]]


def test_severity_is_zero_and_category_none_exactly_when_not_a_complaint(fitted) -> None:
    texts = ["随便说说", "客服不理人，投诉", "好吃", "又坏了"]
    features = fitted.named_steps["features"].transform(texts)
    predicted = fitted.named_steps["classifier"].predict_all(features)
    for flag, severity, category in zip(predicted.is_complaint, predicted.severity, predicted.category, strict=True):
        assert (severity == 0) == (not flag)
        assert (category == "none") == (not flag)


def test_cumulative_severity_probabilities_stay_ordered(fitted) -> None:
    head = fitted.named_steps["classifier"]
    features = head._used_columns(fitted.named_steps["features"].transform(TEXTS))
    p_major = head.at_least_major_.predict_proba(features)[:, 1]
    p_critical = np.minimum(head.at_least_critical_.predict_proba(features)[:, 1], p_major)
    assert np.all(p_critical <= p_major)
    severity = fitted.predict(TEXTS)
    # "critical" is only ever predicted where "at least major" holds too.
    assert np.all((severity == 3) <= (p_major >= head.major_cut))


def test_severity_cuts_move_levels_monotonically(fitted) -> None:
    head = fitted.named_steps["classifier"]
    features = fitted.named_steps["features"].transform([*TEXTS, "有点失望", "客服不理人，投诉", "再也不买了"])
    levels = {}
    for cut in (0.9, 0.5, 0.1):
        head.set_params(major_cut=cut, critical_cut=cut)
        levels[cut] = head.predict_all(features).severity
    head.set_params(major_cut=0.5, critical_cut=0.5)
    assert np.all(levels[0.9] <= levels[0.5]) and np.all(levels[0.5] <= levels[0.1])
    assert levels[0.9].sum() < levels[0.1].sum()


def test_more_escalation_never_lowers_the_predicted_level(fitted) -> None:
    base = "客服态度差，要求退款"
    escalated = base + "，大家千万别买，已经投诉到12315，找律师起诉"
    assert fitted.predict([escalated])[0] >= fitted.predict([base])[0]


def test_rejects_severity_outside_zero_to_three() -> None:
    with pytest.raises(ValueError, match="0-3"):
        ComplaintClassifier().fit(WeiboFeaturizer(char_bits=8, word_bits=8).fit([]).transform(["a", "b"]), [0, 4])


def test_sentiment_probability_is_a_feature_of_the_complaint_head() -> None:
    sentiment = make_sentiment_pipeline(char_bits=10, word_bits=8, c=10)
    sentiment.fit(TEXTS, [int(s > 0) for s in SEVERITY])
    head = sentiment.named_steps["classifier"]
    assert isinstance(head, SentimentClassifier)
    complaint = ComplaintClassifier(sentiment_head=head, sentiment_weight=2.0)
    features = sentiment.named_steps["features"].transform(TEXTS)
    widened = complaint._widened(features)
    assert widened.shape[1] == features.shape[1] + 1
    expected = head.predict_proba(features)[:, 1] * 2.0
    assert np.allclose(widened[:, -1].toarray().ravel(), expected, atol=1e-5)


def test_semantic_coordinates_are_columns_of_the_complaint_head() -> None:
    featurizer = WeiboFeaturizer(char_bits=10, word_bits=8).fit([])
    features = featurizer.transform(TEXTS)
    semantics = LatentSemantics(n_components=3, min_df=2).fit(features)
    complaint = ComplaintClassifier(semantics=semantics, semantics_weight=2.0)
    widened = complaint._widened(features)
    assert widened.shape[1] == features.shape[1] + 1 + 3
    assert np.allclose(widened[:, -3:].toarray(), semantics.transform(features) * 2.0, atol=1e-5)
    complaint.fit(features, SEVERITY, categories=CATEGORY)
    assert complaint.predict(features).tolist() == SEVERITY


# Training names each category with words of its own; the held-out posts use other cues of the same lists.
CUE_TRAINING = ["快递太慢", "客服不理人", "质量太差", "价格太贵", "有虫子", "虚假宣传"] * 3
CUE_CATEGORIES = ["delivery", "service", "quality", "price", "safety", "integrity"] * 3
UNSEEN_CUES = ["骑手送错了", "售后推脱", "死机黑屏", "乱收费", "吃了拉肚子", "全是套路忽悠人"]


def _category_predictions(category_weight: float) -> list[str]:
    pipeline = make_complaint_pipeline(char_bits=14, word_bits=0, category_weight=category_weight)
    pipeline.fit(CUE_TRAINING, [2] * len(CUE_TRAINING), classifier__categories=CUE_CATEGORIES)
    return list(pipeline.named_steps["classifier"].predict_all(pipeline[0].transform(UNSEEN_CUES)).category)


def test_category_cues_name_the_category_of_words_never_seen_in_training() -> None:
    # A high weight: six training texts per category are separated by their n-grams alone.
    assert _category_predictions(10.0) == CUE_CATEGORIES[:6]
    assert _category_predictions(0.0) != CUE_CATEGORIES[:6]  # the n-grams alone cannot


def test_only_the_category_head_reads_the_category_cues() -> None:
    settings: dict[str, Any] = {"char_bits": 10, "word_bits": 8, "c_complaint": 10, "c_severity": 10}
    with_cues, plain = make_complaint_pipeline(**settings, category_weight=3.0), make_complaint_pipeline(**settings)
    for pipeline in (with_cues, plain):
        pipeline.fit(TEXTS, SEVERITY, classifier__categories=CATEGORY)
    probe = [*TEXTS[:8], "骑手送错了，要求退款", "吃了拉肚子，投诉"]
    cued, bare = (p.named_steps["classifier"].predict_all(p[0].transform(probe)) for p in (with_cues, plain))
    assert np.allclose(cued.probability, bare.probability, atol=1e-6)
    assert np.array_equal(cued.severity, bare.severity)
    head = with_cues.named_steps["classifier"]
    assert len(head.category_columns_) > len(head.columns_)


def test_a_complaint_model_saved_before_the_category_cues_loads_without_them(fitted) -> None:
    state = fitted.named_steps["classifier"].__getstate__()
    del state["category_only"], state["category_columns_"]
    restored = ComplaintClassifier.__new__(ComplaintClassifier)
    restored.__setstate__(state)
    features = fitted.named_steps["features"].transform(TEXTS[:8])
    assert restored.predict_all(features).category == CATEGORY[:8]


def test_other_is_not_chosen_for_a_post_with_cues_of_specific_categories_only() -> None:
    # "other" learns from a post with two grievances; the guidelines keep it for posts that fit no category.
    texts = [*CUE_TRAINING, *["有虫子，客服不理人", "房间噪音太大"] * 3]
    categories = [*CUE_CATEGORIES, *["other", "other"] * 3]
    pipeline = make_complaint_pipeline(char_bits=14, word_bits=0, category_weight=3.0)
    pipeline.fit(texts, [2] * len(texts), classifier__categories=categories)
    head = pipeline.named_steps["classifier"]
    probe = ["有虫子，客服不理人", "房间噪音太大，客服不理人"]
    features = pipeline[0].transform(probe)
    assert head.categories(features, other_rule=False) == ["other", "other"]  # what the linear head says
    category_features = head._widened(features)[:, head.category_columns_]
    probability = dict(zip(head.category_.classes_, head.category_.predict_proba(category_features)[0], strict=True))
    chosen = head.categories(features)
    assert chosen[0] == max(("safety", "service"), key=probability.__getitem__)
    assert chosen[1] == "other"  # "other"'s own cue (噪音) is there: the head's choice stands
    assert head.predict_all(features).category == chosen
