"""The demo's sample stream: one day (2026-11-22, Asia/Shanghai) of Weibo-style chatter about four brands,
with one scripted complaint crisis about 蒙牛 that a big account picks up.

The texts are written for the demo; the generator only places them in time, picks authors and follower
counts (heavy-tailed, seeded), and builds the repost cascade, so every run yields the same posts.
"""

from __future__ import annotations

import math
import random
import zlib
from datetime import datetime, timedelta
from typing import Any

from pipeline.models import SHANGHAI, format_time

DAY = datetime(2026, 11, 22, tzinfo=SHANGHAI)
CRISIS_ROOT_ID = "weibo:5238000000100001"
BIG_ACCOUNT_REPOST_ID = "weibo:5238000000100002"

_CHATTER: dict[str, dict[str, list[str]]] = {
    "蒙牛": {
        "positive": [
            "早餐一杯蒙牛纯牛奶，元气满满的周末开始啦[太阳]",
            "蒙牛的特仑苏真的好喝，口感比以前更醇了",
            "给爸妈囤了两箱蒙牛，活动价很划算 #双十一囤货#",
            "健身完来一瓶蒙牛酸奶，低糖款很友好[赞]",
            "蒙牛冠名的节目今晚播出，期待期待",
        ],
        "neutral": [
            "蒙牛和伊利哪个牌子的纯牛奶更适合小孩喝？求推荐",
            "超市里蒙牛新出了一款燕麦奶，有人喝过吗",
            "蒙牛乳业发布三季度业绩公告，营收同比持平",
            "看到蒙牛在招聘营养师，感兴趣的朋友可以看看",
        ],
        "negative": [
            "蒙牛这次的酸奶有点太甜了，不太喜欢",
            "买的蒙牛牛奶盒子压扁了，快递也太暴力了吧[怒]",
        ],
    },
    "小米": {
        "positive": [
            "新买的小米手机拍照真不错，夜景很清晰[赞]",
            "小米扫地机器人解放双手，周末终于能躺平了",
            "小米手环续航太顶了，两周一充",
            "雷军的小米汽车发布会看完了，设计挺好看",
            "用了三年的小米路由器依然稳定，良心产品",
        ],
        "neutral": [
            "小米新品发布会定在下周三，有直播吗",
            "小米之家周末人好多，排队体验新手机",
            "有人知道小米电视和海信哪个好吗",
            "早上喝了一碗小米粥，养胃[哈哈]",
            "小米粥配咸菜，北方人的早餐标配",
            "今天自己熬了小米粥，加了点南瓜很香甜",
        ],
        "negative": [
            "小米手机系统更新后有点卡顿，希望尽快修复",
            "小米售后换个屏幕等了两周，效率有点低",
        ],
    },
    "顺丰": {
        "positive": [
            "顺丰是真的快，昨晚下单今天上午就到了[赞]",
            "顺丰小哥服务态度超好，还帮我搬上楼",
            "寄重要文件还是选顺丰放心",
            "顺丰同城跑腿太方便了，半小时送到",
        ],
        "neutral": [
            "顺丰今年双十一的运费有变化吗",
            "请问顺丰寄生鲜到广州要多久",
            "顺丰发布了新的冷链服务，覆盖更多城市",
        ],
        "negative": [
            "顺丰的快递显示签收了但我根本没收到，打客服一直排队",
            "顺丰运费又涨了，寄个小件都要二十多",
            "顺丰包裹外箱破了，里面的杯子碎了一个，已经申请理赔",
        ],
    },
    "瑞幸": {
        "positive": [
            "瑞幸的生椰拿铁永远的神[爱你]",
            "周一靠瑞幸续命，新品很好喝",
            "瑞幸9块9活动太香了，一周五杯",
            "瑞幸联名款杯套好可爱，集齐了",
        ],
        "neutral": [
            "瑞幸今天上了什么新品？",
            "公司楼下新开了一家瑞幸",
            "瑞幸和库迪你们更喜欢哪个",
        ],
        "negative": [
            "瑞幸的外卖又送错了，点的冰的送来热的",
            "瑞幸小程序下单总是卡住，付款失败两次",
        ],
    },
}

_CRISIS_ROOT = (
    "今天给孩子冲的蒙牛纯牛奶里喝出一块黑色异物，孩子喝完就开始拉肚子！生产日期11月3日，批号都拍下来了。"
    "打客服电话一直推脱，已经打12315投诉了，@蒙牛乳业 必须给个说法！#蒙牛牛奶喝出异物#"
)
_BIG_ACCOUNT_COMMENT = "食品安全无小事，孩子喝出问题太吓人了，蒙牛请尽快公开回应并召回同批次产品"
_REPOST_COMMENTS = [
    "转发微博",
    "太可怕了，家里还有两箱",
    "以后不敢给孩子买蒙牛了",
    "抵制！必须严查",
    "同批次的赶紧检查一下",
    "蒙牛必须给个说法",
    "食品安全问题零容忍[怒]",
    "心疼孩子，希望没事",
    "又是乳制品出问题，还能信谁",
    "已经把家里的蒙牛都扔了",
    "坐等官方回应",
    "",
]
_CRISIS_ORIGINALS = [
    "刚看了下家里的蒙牛纯牛奶，也是11月初的批次，喝着有股怪味，不敢再喝了",
    "我家孩子昨天喝了蒙牛也闹肚子，是不是同一批有问题？#蒙牛牛奶喝出异物#",
    "蒙牛客服电话根本打不通，这种时候还装死，太让人失望了",
    "大家千万别买11月3日批次的蒙牛纯牛奶，我这盒也有沉淀物",
    "蒙牛喝出异物这事必须查清楚，已经向市场监管局反映",
    "本来每天给孩子订蒙牛，现在全部退订了，退款还要等七天[怒]",
    "看到蒙牛异物的新闻，吓得把冰箱里的都倒了",
    "蒙牛这次要是不给个交代，我们小区团购全部换牌子",
    "蒙牛这么大的企业，品控就这样？抵制",
    "我在超市买的蒙牛早餐奶也有结块，拍照发给客服也没人理",
    "蒙牛的回应呢？出了事就不吭声？",
    "宝宝喝了蒙牛以后吐了两次，带去医院检查，真的气死了",
    "蒙牛食品安全问题一定要曝光，不能让更多孩子受害",
    "同样是蒙牛纯牛奶，开盒就闻到酸味，生产日期还没过期",
    "已经联系律师，准备起诉蒙牛，大家保存好证据",
    "蒙牛异物事件有没有后续？家里老人每天喝",
    "超市把蒙牛纯牛奶下架了吗？今天去还在卖",
    "以前一直喝蒙牛，这次真的失望透顶",
    "蒙牛客服说让我们自己寄回检测，运费还要自己出？",
    "看了那个宝妈的微博，我家的蒙牛也有黑点，已投诉",
    "蒙牛赶紧召回吧，别等出大事",
    "幼儿园每天发的也是蒙牛，家长群都炸了",
    "买了一箱蒙牛还没拆，能退吗？客服一直说在核实",
    "蒙牛这事让我想起当年的奶粉事件，心有余悸",
    "朋友圈都在转蒙牛异物的事，消协应该介入调查",
]
_HANDLES = [
    "奶茶续命的",
    "北京朝阳群众",
    "上海打工人",
    "广州吃货",
    "成都熊猫迷",
    "杭州码农",
    "南京小蓝",
    "武汉热干面",
    "深圳创业中",
    "西安肉夹馍",
    "长沙夜宵党",
    "重庆火锅控",
    "天津相声迷",
    "青岛啤酒花",
]


def generate_demo_posts(seed: int = 20261122) -> list[dict[str, Any]]:
    """The whole demo stream as Post-contract dicts, oldest first."""
    rng = random.Random(seed)
    posts = _chatter(rng) + _crisis(rng)
    posts.sort(key=lambda post: (post["created_at"], post["id"]))
    return posts


def _chatter(rng: random.Random) -> list[dict[str, Any]]:
    posts: list[dict[str, Any]] = []
    serial = 0
    for by_tone in _CHATTER.values():
        for _ in range(70):
            tone = rng.choices(["positive", "neutral", "negative"], weights=[0.5, 0.38, 0.12])[0]
            serial += 1
            created = DAY + timedelta(minutes=_diurnal_minute(rng))
            posts.append(_post(rng, 5238000000200000 + serial, rng.choice(by_tone[tone]), created))
    # A few ordinary reposts of chatter, so the background is not made of originals only.
    for root in rng.sample(posts, 12):
        for _ in range(rng.randint(1, 4)):
            serial += 1
            created = _parse(root["created_at"]) + timedelta(minutes=rng.uniform(2, 90))
            text = f"{rng.choice(['哈哈同感', '转发微博', '+1', '说得对'])}//@{root['author']['name']}:{root['text']}"
            posts.append(_post(rng, 5238000000200000 + serial, text, created, repost_of=root["id"]))
    return posts


def _crisis(rng: random.Random) -> list[dict[str, Any]]:
    root_time = DAY + timedelta(hours=10, minutes=2)
    root = _post(rng, 5238000000100001, _CRISIS_ROOT, root_time, author=("北京宝妈小鹿", 860, False, -1))
    big_time = DAY + timedelta(hours=10, minutes=40)
    big = _post(
        rng,
        5238000000100002,
        f"{_BIG_ACCOUNT_COMMENT}//@北京宝妈小鹿:{_CRISIS_ROOT}",
        big_time,
        repost_of=root["id"],
        author=("育儿大V说", 2_100_000, True, 0),
    )
    posts = [root, big]
    # Early reposts by the author's circle, then a burst after the big account, decaying by ~14:00.
    for minute in (9, 15, 22, 31, 36):
        posts.append(_cascade_repost(rng, 5238000000100100 + minute, root_time + timedelta(minutes=minute), root))
    for index in range(205):
        delay = 60 * rng.paretovariate(1.4) - 60 + rng.uniform(0, 4)
        created = big_time + timedelta(minutes=min(delay, 200))
        posts.append(_cascade_repost(rng, 5238000000101000 + index, created, root, via=big))
    for index, text in enumerate(_CRISIS_ORIGINALS):
        created = DAY + timedelta(hours=10, minutes=30 + index * 120 / len(_CRISIS_ORIGINALS) + rng.uniform(0, 4))
        posts.append(_post(rng, 5238000000102000 + index, text, created))
    root["metrics"]["reposts"] = len(posts) - 1 - len(_CRISIS_ORIGINALS)
    big["metrics"]["reposts"] = 180
    return posts


def _cascade_repost(
    rng: random.Random, mid: int, created: datetime, root: dict[str, Any], via: dict[str, Any] | None = None
) -> dict[str, Any]:
    comment = rng.choice(_REPOST_COMMENTS)
    chain = f"//@{via['author']['name']}:{_BIG_ACCOUNT_COMMENT}" if via else ""
    text = f"{comment}{chain}//@{root['author']['name']}:{_CRISIS_ROOT}"
    return _post(rng, mid, text, created, repost_of=root["id"])


def _post(
    rng: random.Random,
    mid: int,
    text: str,
    created: datetime,
    repost_of: str | None = None,
    author: tuple[str, int, bool, int] | None = None,
) -> dict[str, Any]:
    name, followers, verified, verified_type = author or (
        f"{rng.choice(_HANDLES)}{rng.randint(10, 9999)}",
        int(min(math.exp(rng.gauss(math.log(200), 1.6)), 400_000)),
        False,
        -1,
    )
    uid = str(1_000_000_000 + (zlib.crc32(name.encode()) % 900_000_000 if author else rng.randint(0, 899_999_999)))
    return {
        "id": f"weibo:{mid}",
        "source": "weibo",
        "url": f"https://weibo.com/{uid}/{_bid(mid)}",
        "text": text,
        "created_at": format_time(created),
        "fetched_at": format_time(created + timedelta(minutes=rng.randint(3, 9))),
        "author": {
            "id": uid,
            "name": name,
            "followers": followers,
            "verified": verified,
            "verified_type": verified_type,
        },
        "metrics": {"reposts": 0, "comments": rng.randint(0, 6), "likes": rng.randint(0, 40)},
        "repost_of": repost_of,
    }


def _diurnal_minute(rng: random.Random) -> float:
    """Minutes after midnight, more in the late morning and the evening, few at night."""
    while True:
        minute = rng.uniform(0, 1440)
        hour = minute / 60
        rate = 0.55 + 0.35 * math.sin(2 * math.pi * (hour - 10) / 24) + 0.15 * math.sin(4 * math.pi * (hour - 7) / 24)
        if rng.random() < rate / 1.05:
            return minute


def _bid(mid: int) -> str:
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    digits = []
    while mid:
        mid, rest = divmod(mid, 62)
        digits.append(alphabet[rest])
    return "".join(reversed(digits))


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)
