"""Streams for the detection tests: a quiet day of brand chatter with one scripted crisis in it."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from pipeline.config import Watchlist
from pipeline.models import SHANGHAI, Author, Complaint, Post, Sentiment

DAY = datetime(2026, 11, 22, tzinfo=SHANGHAI)
BRANDS = ("蒙牛", "伊利", "小米", "华为")


def make_post(
    post_id: str,
    at: datetime,
    *,
    brand: str = "蒙牛",
    negative: bool = False,
    followers: int | None = 300,
    verified: bool = False,
    repost_of: str | None = None,
    category: str = "none",
    severity: int = 0,
    author: str | None = None,
) -> Post:
    complaint = Complaint(
        is_complaint=negative and category != "none",
        probability=0.9 if negative else 0.1,
        severity=severity,
        category=category,
    )
    return Post(
        id=post_id,
        text="牛奶有异味" if negative else "今天喝了牛奶",
        created_at=at,
        source="weibo",
        url=f"https://weibo.com/u/{post_id.split(':')[-1]}",
        author=Author(
            id=author or f"u{post_id}", name=author or f"用户{post_id[-4:]}", followers=followers, verified=verified
        ),
        repost_of=repost_of,
        brand=brand,
        sentiment=Sentiment("negative" if negative else "neutral", 0.9 if negative else 0.2),
        complaint=complaint,
    )


def demo_day(seed: int = 0, crisis: bool = True) -> list[Post]:
    """~400 background posts over 24 h (a few % negative) plus, optionally, the scripted crisis."""
    rng = random.Random(seed)
    posts: list[Post] = []
    for i in range(400):
        at = DAY + timedelta(seconds=rng.uniform(0, 86400))
        posts.append(
            make_post(
                f"weibo:bg{i}",
                at,
                brand=rng.choice(BRANDS),
                negative=rng.random() < 0.04,
                followers=int(rng.lognormvariate(5.3, 2)),
            )
        )
        # a little ordinary reposting of background posts
        for j in range(rng.choice((0, 0, 0, 1, 2))):
            posts.append(
                make_post(
                    f"weibo:bg{i}r{j}",
                    at + timedelta(minutes=rng.uniform(1, 90)),
                    brand=posts[-1 - j].brand or "蒙牛",
                    repost_of=f"weibo:bg{i}",
                    followers=int(rng.lognormvariate(5.3, 2)),
                )
            )
    if crisis:
        posts.extend(crisis_posts(rng))
    return posts


def crisis_posts(rng: random.Random) -> list[Post]:
    root = make_post(
        "weibo:root",
        DAY + timedelta(hours=10),
        negative=True,
        followers=800,
        category="safety",
        severity=3,
        author="普通用户",
    )
    posts = [root]
    for k in range(6):  # a smoulder before the big account joins
        posts.append(
            make_post(
                f"weibo:early{k}",
                DAY + timedelta(hours=10, minutes=5 + 6 * k),
                negative=True,
                repost_of=root.id,
                followers=int(rng.lognormvariate(5.3, 1.5)),
            )
        )
    big_v_at = DAY + timedelta(hours=10, minutes=40)
    posts.append(
        make_post(
            "weibo:bigv", big_v_at, negative=True, repost_of=root.id, followers=2_000_000, verified=True, author="大V"
        )
    )
    for k in range(200):
        delay = min(rng.expovariate(1 / 2400), 3.3 * 3600)
        posts.append(
            make_post(
                f"weibo:rp{k}",
                big_v_at + timedelta(seconds=delay),
                negative=True,
                repost_of=root.id,
                followers=int(rng.lognormvariate(5.3, 2)),
            )
        )
    for k in range(25):
        posts.append(
            make_post(
                f"weibo:ind{k}",
                DAY + timedelta(hours=10.5, minutes=rng.uniform(0, 120)),
                negative=True,
                category="safety",
                severity=2,
                author=f"indep{k}",
            )
        )
    return posts


def make_watchlist() -> Watchlist:
    return Watchlist.model_validate(
        {
            "brands": [{"name": name} for name in BRANDS],
            "routes": {"default": {"channels": ["console"]}},
            "channels": {"console": {"type": "console"}},
        }
    )
