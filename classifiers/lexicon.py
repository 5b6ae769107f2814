"""Cue words the complaint model gets as explicit features: escalation, demands, losses, sarcasm, targets.

The gold set is small; these lists carry what the annotation guidelines say matters (an escalation makes a
complaint critical, a demand or loss makes it major) into the model with a handful of dense columns.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
from numpy.typing import NDArray

ESCALATION = (
    "投诉",
    "12315",
    "消协",
    "消费者协会",
    "曝光",
    "维权",
    "律师",
    "起诉",
    "抵制",
    "千万别买",
    "千万不要买",
    "别买",
    "奉劝",
    "大家小心",
    "提醒大家",
    "举报",
    "报警",
    "工商局",
    "质监",
    "媒体",
    "上法院",
    "法院",
    "黑心",
    "骗子",
    "诈骗",
    "欺诈",
    "假货",
    "315",
    "无良",
    "坑人",
    "坑爹",
    "中毒",
    "致癌",
    "异物",
    "虫子",
)
DEMAND_LOSS = (
    "退款",
    "退钱",
    "赔偿",
    "退货",
    "给个说法",
    "道歉",
    "再也不",
    "再也不会",
    "不会再",
    "损失",
    "扣了",
    "扣费",
    "投诉无门",
    "没人管",
    "不给退",
    "拒绝",
    "要求",
    "为什么",
    "凭什么",
    "到底",
    "气死",
    "愤怒",
    "恶心",
    "垃圾",
    "太差",
    "差劲",
    "最差",
    "烂",
    "坑",
    "骗",
    "忽悠",
    "无语",
    "郁闷",
    "崩溃",
    "失望",
)
SARCASM = ("呵呵", "真是太", "真棒啊", "服了", "醉了", "真行", "厉害了", "佩服", "好样的", "谢谢你全家", "真是")
TARGETS = (
    "客服",
    "售后",
    "快递",
    "物流",
    "银行",
    "航班",
    "航空",
    "机场",
    "地铁",
    "移动",
    "联通",
    "电信",
    "公司",
    "商家",
    "店家",
    "卖家",
    "京东",
    "淘宝",
    "天猫",
    "外卖",
    "美团",
    "饿了么",
    "酒店",
    "医院",
    "超市",
    "品牌",
    "产品",
    "质量",
    "服务",
    "价格",
    "收费",
    "订单",
    "手机",
    "电脑",
    "系统",
    "网站",
    "官方",
    "12306",
    "火车",
    "肯德基",
    "麦当劳",
    "星巴克",
    "苹果",
    "小米",
    "华为",
    "微博",
    "飞信",
    "充值",
    "话费",
    "信号",
)
POSITIVE = ("好评", "推荐", "喜欢", "满意", "不错", "很好", "赞", "感谢", "谢谢", "支持", "棒", "开心", "好吃")
CUE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("escalation", ESCALATION),
    ("demand_loss", DEMAND_LOSS),
    ("sarcasm", SARCASM),
    ("target", TARGETS),
    ("positive", POSITIVE),
)
FEATURE_NAMES = (*(name for name, _ in CUE_GROUPS), "question", "exclaim", "repost", "length")


def count_present(text: str, cues: tuple[str, ...], cap: int = 3) -> int:
    """How many of `cues` occur in `text` (overlaps count), at most `cap`. Most texts hold none: one regex
    search rules that out before the cues are counted one by one."""
    if _any_of(cues).search(text) is None:
        return 0
    return min(sum(map(text.__contains__, cues)), cap)


@cache
def _any_of(cues: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(cue) for cue in cues))


class CueCounter:
    """`count_present` for several cue lists at once, from one scan of each text.

    The scan finds, at every position where a cue starts, the longest cue starting there (alternatives
    longest first, the search resumed one character later); the cues that are prefixes of it start there
    too. That is every cue the text holds, so each list's count is what `count_present` gives.
    """

    def __init__(self, lists: tuple[tuple[str, ...], ...], cap: int = 3) -> None:
        cues = sorted({cue for cues in lists for cue in cues}, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(cue) for cue in cues))
        self._starting_with = {cue: tuple(other for other in cues if cue.startswith(other)) for cue in cues}
        # A cue listed twice in one list counts twice there, as in `count_present`.
        self._lists_of = {
            cue: [index for index, listed in enumerate(lists) for each in listed if each == cue] for cue in cues
        }
        self._width = len(lists)
        self._cap = cap

    def counts(self, texts: list[str]) -> NDArray[np.int64]:
        """One row per text, one column per list: how many of the list's cues the text holds, at most `cap`."""
        counts = np.zeros((len(texts), self._width), dtype=np.int64)
        search = self._pattern.search
        for row, text in enumerate(texts):
            match = search(text)
            if match is None:  # most texts
                continue
            held: set[str] = set()
            while match is not None:
                held.update(self._starting_with[match.group()])
                match = search(text, match.start() + 1)
            for cue in held:
                for column in self._lists_of[cue]:
                    counts[row, column] += 1
        return np.minimum(counts, self._cap)


_CUE_COUNTER = CueCounter(tuple(cues for _, cues in CUE_GROUPS))


def cue_features(texts: list[str]) -> NDArray[np.float32]:
    """Dense cue columns for preprocessed texts, each scaled to about 0-1."""
    columns = np.zeros((len(texts), len(FEATURE_NAMES)), dtype=np.float32)
    columns[:, : len(CUE_GROUPS)] = _CUE_COUNTER.counts(texts) / 3.0
    columns[:, len(CUE_GROUPS) :] = [
        (
            min(text.count("?") + text.count("吗"), 3) / 3.0,
            min(text.count("!"), 3) / 3.0,
            1.0 if "//" in text else 0.0,
            min(len(text), 200) / 200.0,
        )
        for text in texts
    ]
    return columns
