"""Cue words per complaint category, taken from the wording of the annotation guidelines.

The gold set has 1.6k texts and some categories have a handful of examples (privacy: 5), too few for the
character n-grams to learn what each category is about. The featuriser adds one column per list, how many of
its cues the post holds, and only the complaint model's category head reads them
(`classifiers.complaint_model`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from classifiers.lexicon import CueCounter

QUALITY = (
    "质量", "坏了", "坏的", "故障", "不能用", "没法用", "用不了", "不好用", "死机", "卡顿", "黑屏", "做工", "瑕疵",
    "破损", "划痕", "掉色", "褪色", "开胶", "起球", "漏水", "次品", "残次", "返修", "难吃", "不新鲜", "变质",
    "馊了", "发霉", "味道", "太咸", "太淡", "油腻", "不好吃", "没味",
)  # fmt: skip
SAFETY = (
    "食品安全", "异物", "中毒", "拉肚子", "腹泻", "呕吐", "过敏", "虫子", "苍蝇", "蟑螂", "头发", "致癌", "有毒",
    "超标", "添加剂", "三聚氰胺", "地沟油", "过期", "细菌", "甲醛", "受伤", "烫伤", "爆炸", "起火", "着火",
    "自燃", "安全隐患", "健康", "吃坏", "发烧", "医院",
)  # fmt: skip
DELIVERY = (
    "快递", "物流", "配送", "送餐", "送到", "送达", "送货", "送错", "骑手", "外卖员", "快递员", "发货", "到货",
    "派送", "签收", "丢件", "超时", "太慢", "等了", "凉了", "洒了", "撒了", "漏了", "压坏",
)  # fmt: skip
SERVICE = (
    "客服", "售后", "服务", "态度", "维修", "退货", "退款", "换货", "不理", "不回复", "没人理", "没人管", "推脱",
    "踢皮球", "敷衍", "服务员", "前台", "店员", "工作人员", "经理", "打不通", "投诉无门", "答复", "保修", "三包",
)  # fmt: skip
PRICE = (
    "价格", "太贵", "好贵", "真贵", "收费", "乱收费", "扣费", "扣钱", "多收", "多扣", "乱扣", "话费", "账单",
    "费用", "涨价", "差价", "性价比", "不值", "划不来", "坑钱", "宰客", "隐形消费", "手续费", "服务费", "配送费",
    "分量",
)  # fmt: skip
INTEGRITY = (
    "虚假", "假货", "假冒", "欺骗", "欺诈", "忽悠", "宣传", "广告", "套路", "承诺", "说好的", "不兑现", "双标",
    "双重标准", "歧视", "丑闻", "造假", "刷单", "好评返现", "诱导", "霸王条款", "以次充好", "不符", "描述不符",
    "山寨", "正品", "水货", "翻新", "二手", "黑心", "无良", "良心",
)  # fmt: skip
PRIVACY = (
    "泄露", "泄漏", "个人信息", "隐私", "骚扰", "骚扰电话", "垃圾短信", "短信", "推销", "账号", "账户", "被盗",
    "盗号", "密码", "实名", "信息安全", "封号", "冻结", "绑定",
)  # fmt: skip
OTHER = (
    "噪音", "隔音", "太吵", "环境", "设施", "房间", "空调", "热水", "卫生", "太脏", "床单", "早餐", "装修", "位置",
    "停车",
)  # fmt: skip

CATEGORY_CUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("quality", QUALITY),
    ("safety", SAFETY),
    ("delivery", DELIVERY),
    ("service", SERVICE),
    ("price", PRICE),
    ("integrity", INTEGRITY),
    ("privacy", PRIVACY),
    ("other", OTHER),
)


_COUNTER = CueCounter(tuple(cues for _, cues in CATEGORY_CUES))


def category_cue_features(texts: list[str]) -> NDArray[np.float32]:
    """One column per cue list for preprocessed texts: cues present, at most 3, divided by 3."""
    return (_COUNTER.counts(texts) / 3.0).astype(np.float32)
