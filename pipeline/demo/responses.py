"""Does the brand answer? The demo's part: 蒙牛's official and 客服 accounts answer most of the day's complaints
in time, some late, the crisis post only hours later and one critical complaint not at all.

The answers are "published" by a loopback m.weibo.cn (`pipeline.demo.weibo_server`) that the demo starts
itself; the real response collection (`pipeline.tasks.complaint_monitor.collect_brand_responses`) reads it
and the real detection cycle turns what it finds into incidents. Two passes: at `FIRST_PASS` the crisis post
and the complaint nobody answers are overdue, and two "unanswered" incidents open; the crisis post's answer
appears before `SECOND_PASS`, whose check resolves its incident while the other stays open.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TextIO

from pipeline.config import BrandConfig, OfficialAccount, Settings, Watchlist
from pipeline.demo.posts import CRISIS_ROOT_ID, DAY
from pipeline.demo.weibo_server import Script, ScriptedComment, ScriptedRepost, ScriptedUser, ScriptedWeibo
from pipeline.detect.engine import DetectionEngine, detection_config
from pipeline.i18n import Language, reason_of, term
from pipeline.models import Post
from pipeline.store.sqlite import SQLiteStore

BRAND = "蒙牛"
FIRST_PASS = DAY + timedelta(hours=13)
SECOND_PASS = DAY + timedelta(hours=14, minutes=30)
CRISIS_ANSWER_AT = DAY + timedelta(hours=14, minutes=10)  # after the first pass: a late answer
# Minutes to the first answer, in turn; the long ones are the late answers of the day (non-critical
# complaints, so that no incident is due before they come).
_DELAYS = (12, 25, 8, 150, 40, 18, 95, 30, 15, 22, 35, 10)
_ON_TIME = 45  # the longest wait of a critical complaint that is answered
_SERVICE_TEXT = "您好，非常抱歉给您带来不好的体验，已私信您，请留意私信，我们会尽快核实处理。"
_OFFICIAL_TEXT = "您好，请私信我们产品批号和购买渠道，我们马上安排专人跟进。"
_CRISIS_TEXT = "关于网友反映的纯牛奶异物问题：我们已联系到消费者，同批次产品已封存送检，检测结果将第一时间公布。"
_BYSTANDERS = ("同问", "我也遇到了", "蹲一个后续", "太气人了", "支持维权")
_WORDS: dict[Language, dict[str, str]] = {
    "zh": {
        "title": "回应：{brand} 的官方账号（{accounts}）是否回复投诉（评论接口由本机回放服务器 {url} 模拟）",
        "pass": "{time}  第{n}轮核查：{checked} 条投诉，已回复 {answered} 条，请求 {requests} 次{blocked}",
        "none": "  没有新事件",
    },
    "en": {
        "title": "Responses: do {brand}'s accounts ({accounts}) answer complaints? (comment API played by {url})",
        "pass": "{time}  check {n}: {checked} complaints, {answered} answered, {requests} requests{blocked}",
        "none": "  no new incident",
    },
}


@dataclass(frozen=True, slots=True)
class DemoAnswers:
    """The script the server plays, and which complaints the story turns on."""

    script: Script
    late: str | None  # answered only between the two passes
    never: str | None  # never answered


def script_answers(complaints: list[Post], brand: BrandConfig, *, after: timedelta, critical: int) -> DemoAnswers:
    """Comments by passers-by under every complaint, and the brand's answers: in time or late, the crisis post's
    between the passes, one critical complaint's never (the last one overdue at the first pass)."""
    rng = random.Random(20261122)
    official = _account(brand, "official")
    service = _account(brand, "service")
    ordered = sorted(complaints, key=lambda post: (post.created_at, post.id))
    severe = [post for post in ordered if _severity(post) >= critical]
    late = next((post.id for post in severe if post.id == CRISIS_ROOT_ID), severe[0].id if severe else None)
    overdue = [post.id for post in severe if post.id != late and post.created_at <= FIRST_PASS - after]
    never = overdue[-1] if overdue else None
    script = Script()
    for index, post in enumerate(ordered):
        mid = post.id.removeprefix("weibo:")
        chatter = _passers_by(rng, post, index)
        script.comments[mid] = chatter
        if post.id == never:
            continue
        if post.id == late:
            answer = ScriptedRepost(f"{mid[:-4]}9{index:03d}", CRISIS_ANSWER_AT, _user(official), _CRISIS_TEXT)
            script.reposts.setdefault(mid, []).append(answer)
            continue
        delay = _DELAYS[index % len(_DELAYS)]
        if _severity(post) >= critical:
            delay = min(delay, _ON_TIME)
        at = post.created_at + timedelta(minutes=delay)
        if index % 2:  # the 客服 answers inside the thread of the first comment
            reply = ScriptedComment(
                f"{mid}{index:02d}8", at, _user(service), f"回复@{chatter[0].user.name}:{_SERVICE_TEXT}"
            )
            script.comments[mid][0] = _with_reply(chatter[0], reply)
        else:
            script.comments[mid].append(ScriptedComment(f"{mid}{index:02d}9", at, _user(official), _OFFICIAL_TEXT))
    return DemoAnswers(script, late, never)


def show_responses(
    store: SQLiteStore,
    watchlist: Watchlist,
    settings: Settings,
    out: TextIO,
    progress: Callable[[str], None],
    language: Language = "zh",
) -> None:
    """Play the answers at a loopback server, collect them twice and run the detection cycle after each pass."""
    from pipeline.tasks.complaint_monitor import collect_brand_responses

    brand = watchlist.brand(BRAND)
    rules = settings.responses
    complaints = [
        post
        for post in store.iter_posts(brand=BRAND, since=DAY, until=SECOND_PASS, originals_only=True)
        if post.complaint is not None and post.complaint.is_complaint and post.complaint.severity >= rules.min_severity
    ]
    answers = script_answers(
        complaints,
        brand,
        after=timedelta(minutes=rules.unanswered_after_minutes),
        critical=rules.unanswered_min_severity,
    )
    for post in complaints:  # the day's reposts of each complaint are on its repost timeline too
        timeline = answers.script.reposts.setdefault(post.id.removeprefix("weibo:"), [])
        timeline.extend(_as_repost(repost) for repost in store.reposts_of(post.id) if repost.author is not None)
    words = _WORDS[language]
    progress("playing the brand's answers at a loopback m.weibo.cn and checking them twice")
    engine = DetectionEngine(
        store,
        watchlist,
        detection_config(settings.detection, rules),
        outbox=False,  # the demo shows what would be sent; it sends nothing
        language=language,
        complaint_posts=store.get_posts,
    )
    with ScriptedWeibo(answers.script, FIRST_PASS) as weibo:
        accounts = "、".join(account.name for account in brand.official_accounts)
        print(words["title"].format(brand=BRAND, accounts=accounts, url=weibo.base_url), file=out)
        for number, moment in enumerate((FIRST_PASS, SECOND_PASS), start=1):
            weibo.clock = moment
            before = weibo.requests.total()
            summary = collect_brand_responses(_loopback(settings, weibo.base_url), brand, store, moment)
            blocked = f" ({summary.blocked})" if summary.blocked else ""
            line = words["pass"].format(
                time=f"{moment:%H:%M}",
                n=number,
                checked=summary.checked,
                answered=summary.answered,
                requests=weibo.requests.total() - before,
                blocked=blocked,
            )
            print(f"  {line}", file=out)
            notes = engine.run(moment)
            for note in notes:
                event = term("event", note.get("event"), language) or str(note.get("event", ""))
                print(
                    f"  {moment:%H:%M}  {note.get('priority', '')}  {event}  {note.get('brand', '')}  ",
                    end="",
                    file=out,
                )
                print(reason_of(note, language), file=out)
            if not notes:
                print(words["none"], file=out)
    print(file=out)


def _loopback(settings: Settings, base_url: str) -> Settings:
    """The settings of this run only: m.weibo.cn at the loopback server, no cookie, no polite delay."""
    weibo = settings.weibo.model_copy(
        update={"mobile_base_url": base_url, "delay_s": 0.0, "jitter_s": 0.0, "cookie": None}
    )
    return settings.model_copy(update={"weibo": weibo, "weibo_cookie": None})


def _passers_by(rng: random.Random, post: Post, index: int) -> list[ScriptedComment]:
    mid = post.id.removeprefix("weibo:")
    count = rng.randint(1, 3)
    comments = []
    for number in range(count):
        uid = str(3_000_000_000 + rng.randint(0, 899_999_999))
        at = post.created_at + timedelta(minutes=2 + number * rng.randint(3, 20))
        user = ScriptedUser(uid, f"路过的网友{uid[-4:]}", rng.randint(5, 900))
        comments.append(ScriptedComment(f"{mid}{index:02d}{number}", at, user, rng.choice(_BYSTANDERS)))
    return comments


def _as_repost(post: Post) -> ScriptedRepost:
    assert post.author is not None
    user = ScriptedUser(post.author.id, post.author.name, post.author.follower_count, post.author.verified)
    return ScriptedRepost(post.id.removeprefix("weibo:"), post.created_at, user, post.text)


def _with_reply(comment: ScriptedComment, reply: ScriptedComment) -> ScriptedComment:
    return ScriptedComment(comment.comment_id, comment.at, comment.user, comment.html, (*comment.replies, reply))


def _account(brand: BrandConfig, role: str) -> OfficialAccount:
    """The brand's account of that role (or its first one)."""
    return next((account for account in brand.official_accounts if account.role == role), brand.official_accounts[0])


def _user(account: OfficialAccount) -> ScriptedUser:
    return ScriptedUser(account.uid, account.name, 1_000_000, verified=True)


def _severity(post: Post) -> int:
    return post.complaint.severity if post.complaint is not None else 0
