"""A transparent keyword baseline for complaint, severity and category, used with the snownlp scorer.

It follows the annotation guidelines' cues (escalation words → critical, demands and losses → major) so
that the snownlp path still fills every enrichment field; the trained models replace it by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipeline.models import Complaint, Sentiment

if TYPE_CHECKING:
    from pipeline.config import Settings

_CRITICAL = (
    "投诉",
    "12315",
    "消协",
    "曝光",
    "维权",
    "律师",
    "起诉",
    "抵制",
    "千万别买",
    "报警",
    "食物中毒",
    "异物",
)
_MAJOR = ("退款", "赔偿", "再也不", "气死", "垃圾", "骗", "坑", "差评", "客服不", "不理", "道歉")
_CATEGORY_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("safety", ("中毒", "异物", "变质", "发霉", "过敏", "拉肚子", "爆炸", "起火", "受伤", "致癌", "虫子")),
    ("privacy", ("泄露", "骚扰电话", "个人信息", "隐私", "短信轰炸")),
    ("delivery", ("快递", "物流", "配送", "送达", "外卖", "骑手", "发货", "送餐")),
    ("price", ("价格", "乱收费", "多扣", "扣费", "涨价", "太贵", "收费")),
    ("integrity", ("虚假宣传", "骗", "欺诈", "假货", "双标", "套路")),
    ("service", ("客服", "售后", "退款", "态度", "维修", "退货", "投诉")),
    ("quality", ("质量", "坏了", "故障", "难吃", "漏", "破损", "鼓包", "卡顿", "死机")),
)


class RuleComplaintScorer:
    name = "rules"

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> RuleComplaintScorer:
        return cls()

    def score(self, texts: Sequence[str], sentiments: Sequence[Sentiment]) -> list[Complaint]:
        return [self._one(text, sentiment) for text, sentiment in zip(texts, sentiments, strict=True)]

    @staticmethod
    def _one(text: str, sentiment: Sentiment) -> Complaint:
        critical = any(cue in text for cue in _CRITICAL)
        major = any(cue in text for cue in _MAJOR)
        if not (critical or sentiment.label == "negative"):
            return Complaint(is_complaint=False, probability=sentiment.score * 0.5)
        severity = 3 if critical else 2 if major else 1
        category = next((name for name, cues in _CATEGORY_CUES if any(cue in text for cue in cues)), "other")
        return Complaint(is_complaint=True, probability=max(sentiment.score, 0.6), severity=severity, category=category)
