"""The demo's loopback m.weibo.cn is read by the real sources: comment pages with their cursor, inline replies,
the repost timeline, and only what was published by the server's clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import requests

from pipeline.config import WeiboSettings
from pipeline.demo.weibo_server import Script, ScriptedComment, ScriptedRepost, ScriptedUser, ScriptedWeibo
from pipeline.models import SHANGHAI
from pipeline.sources.weibo_comments import WeiboCommentSource
from pipeline.sources.weibo_reposts import WeiboRepostTimelineSource

POSTED = datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
MID = "5238000000100001"
SETTINGS = WeiboSettings(delay_s=0, jitter_s=0, max_retries=0)
SERVICE = ScriptedUser("1400000102", "蒙牛客服", 1_000_000, verified=True)


def script() -> Script:
    comments = [
        ScriptedComment(
            f"{MID}{n:03d}", POSTED + timedelta(minutes=n), ScriptedUser(str(3_000_000_000 + n), f"路人{n}"), "同问"
        )
        for n in range(45)
    ]
    answer = ScriptedComment(f"{MID}900", POSTED + timedelta(minutes=50), SERVICE, "回复@路人0:您好，已私信")
    comments[0] = ScriptedComment(comments[0].comment_id, comments[0].at, comments[0].user, "同问", (answer,))
    reposts = [
        ScriptedRepost(
            f"52380000001002{n:02d}",
            POSTED + timedelta(minutes=n),
            ScriptedUser(str(4_000_000_000 + n), f"转发{n}"),
            "转发微博",
        )
        for n in range(12)
    ]
    return Script(comments={MID: comments}, reposts={MID: reposts})


def test_the_real_sources_read_the_scripted_threads_as_of_the_clock() -> None:
    with ScriptedWeibo(script(), POSTED + timedelta(minutes=30)) as weibo, requests.Session() as http:
        comments = WeiboCommentSource(http, SETTINGS, sleep=lambda _s: None, base_url=weibo.base_url)
        early = comments.fetch(f"weibo:{MID}")
        assert (len(early.comments), early.pages, early.complete) == (31, 2, True)  # 20 + 11, cursor followed

        weibo.clock = POSTED + timedelta(hours=2)
        late = comments.fetch(f"weibo:{MID}")
        assert (len(late.comments), late.pages, late.total_number) == (46, 3, 45)
        (answer,) = [comment for comment in late.comments if comment.author_uid == SERVICE.uid]
        assert answer.reply_to_uid == "3000000000" and answer.created_at == POSTED + timedelta(minutes=50)

        timeline = WeiboRepostTimelineSource(http, SETTINGS, sleep=lambda _s: None, base_url=weibo.base_url)
        reposts = list(timeline.fetch(f"weibo:{MID}"))
        assert len(reposts) == 12 and reposts[0].created_at == POSTED + timedelta(minutes=11)  # newest first
        assert weibo.requests == {"/comments/hotflow": 5, "/api/statuses/repostTimeline": 2}
