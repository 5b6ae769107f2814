"""Loopback stand-ins for the world around a deployment: Weibo on a script clock, and the on-call webhook.

`WeiboStage` plays s.weibo.com search result pages (`/weibo?q=...`, the card markup of
tests/fixtures/weibo/search/) and m.weibo.cn repost timelines (`/api/statuses/repostTimeline`, the JSON of
tests/fixtures/weibo/mobile/) from a script of posts. Each post shows from its `visible_at` on, so a crisis
that a test schedules for a moment T is nowhere before T and everywhere after it. Search answers ten cards a
page, newest first, with the pager of the real site (`ul.s-scroll`, `a.next`); a repost card quotes its
original. `PageReceiver` records each webhook POST with its arrival time and the channel (URL path) it came to.
"""

from __future__ import annotations

import html
import json
import math
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pipeline.models import SHANGHAI
from pipeline.sources.weibo_ids import mid_to_bid

CARDS_PER_PAGE = 10
TIMELINE_PER_PAGE = 10  # m.weibo.cn lists reposts ten to a page
Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Account:
    uid: str
    name: str
    followers: int = 0
    verified: bool = False


@dataclass(frozen=True)
class StagePost:
    """One post of the script. A repost names its original's mid; `visible_at` defaults to `created_at`."""

    mid: str
    author: Account
    text: str
    created_at: datetime
    visible_at: datetime
    repost_of: str | None = None
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    app: str = "iPhone客户端"

    @property
    def bid(self) -> str:
        return mid_to_bid(self.mid)


@dataclass(frozen=True)
class Crisis:
    """A complaint that starts spreading: its root, its reposts, and the moment it shows (`appears_at`)."""

    brand: str
    root: StagePost
    reposts: tuple[StagePost, ...]
    appears_at: datetime

    @property
    def posts(self) -> list[StagePost]:
        return [self.root, *self.reposts]

    @property
    def root_id(self) -> str:
        return f"weibo:{self.root.mid}"


CALM_TEXTS = (
    "早餐还是{b}纯牛奶配面包，喝了好多年了，口感一直稳定",
    "超市{b}在做活动，买二送一，顺手囤了两箱",
    "{b}新出的酸奶挺好喝的，不会太甜，推荐一下",
    "今天带孩子参观了{b}的工厂，流水线好干净",
    "{b}的包装换新了，感觉比以前好看",
)
CRISIS_TEXT = (
    "气死了！昨天在超市买的{b}纯牛奶，给孩子倒出来一杯，杯底沉着一块黑色异物，孩子已经喝了半杯，"
    "晚上拉肚子拉了三次，今天一早去了医院。打{b}客服电话一直转人工排队，好不容易接通了只说让寄回去检测，"
    "连句道歉都没有。已投诉12315，生产日期和批次都拍下来了，家里有同批次的千万别再喝了！"
)
REPOST_TEXTS = (
    "转发微博",
    "太吓人了，家里刚买了一箱{b}，赶紧去看批次",
    "心疼孩子，{b}必须给个说法",
    "同一批次的{b}我家也喝出过东西，当时没在意",
    "已经不敢给孩子喝了",
    "求扩散，让更多家长看到",
    "12315能管管吗",
    "{b}的客服态度也太差了吧",
)


def calm_posts(brand: str, now: datetime, mids: Iterable[int], rng: random.Random) -> list[StagePost]:
    """A few ordinary posts about `brand` from the last two hours, shown from the start."""
    posts = []
    for number, (mid, template) in enumerate(zip(mids, CALM_TEXTS, strict=False)):
        created = now - timedelta(minutes=12 + 20 * number + rng.uniform(0, 8))
        account = Account(str(6_100_000_000 + mid % 1_000_000), f"生活记录{mid % 1000}", rng.randint(50, 3000))
        text = template.format(b=brand)
        posts.append(StagePost(str(mid), account, text, created, created, likes=rng.randint(0, 30)))
    return posts


def make_crisis(
    brand: str,
    appears_at: datetime,
    first_mid: int,
    rng: random.Random,
    *,
    reposts_before: int = 110,
    reposts_after: int = 20,
    spread_minutes: float = 25.0,
    after_minutes: float = 10.0,
) -> Crisis:
    """A food-safety complaint posted `spread_minutes` before `appears_at`, with `reposts_before` reposts in
    that time, all first shown at `appears_at` (as when a post surfaces in search), and `reposts_after` more
    over the next `after_minutes`, each shown when made. Reposters have follower counts; one is a big account
    (2.3 million followers), as in cascades that page."""
    root_at = appears_at - timedelta(minutes=spread_minutes)
    mother = Account(str(5_900_000_000 + first_mid % 1_000_000), f"{brand}受害宝妈", 1_850)
    total = reposts_before + reposts_after
    root = StagePost(
        str(first_mid),
        mother,
        CRISIS_TEXT.format(b=brand),
        root_at,
        appears_at,
        reposts=reposts_before,
        comments=reposts_before // 2,
        likes=reposts_before * 3,
    )
    reposts = []
    for number in range(total):
        if number < reposts_before:
            created = root_at + timedelta(minutes=spread_minutes * (number + 1) / (reposts_before + 1))
        else:
            created = appears_at + timedelta(minutes=after_minutes * (number - reposts_before + 1) / reposts_after)
        big = number == reposts_before // 2
        account = Account(
            str(7_000_000_000 + (first_mid % 100_000) * 1_000 + number),
            "育儿观察" if big else f"网友{rng.randint(1000, 99999)}",
            2_300_000 if big else int(rng.lognormvariate(5.0, 1.8)),
            verified=big,
        )
        reposts.append(
            StagePost(
                str(first_mid + 1 + number),
                account,
                rng.choice(REPOST_TEXTS).format(b=brand),
                created,
                max(created, appears_at),
                repost_of=root.mid,
                app=rng.choice(("iPhone客户端", "Android", "微博网页版", "HUAWEI Mate 60")),
            )
        )
    return Crisis(brand, root, tuple(reposts), appears_at)


def shown_time(created: datetime, now: datetime) -> str:
    """A created time the way s.weibo.com prints it (刚刚, N秒前, N分钟前, 今天 HH:MM, MM月DD日 HH:MM)."""
    age = (now - created).total_seconds()
    local, today = created.astimezone(SHANGHAI), now.astimezone(SHANGHAI)
    if age < 10:
        return "刚刚"
    if age < 60:
        return f"{int(age)}秒前"
    if age < 3600:
        return f"{int(age // 60)}分钟前"
    if local.date() == today.date():
        return f"今天 {local:%H:%M}"
    return f"{local.month:02d}月{local.day:02d}日 {local:%H:%M}"


def _api_time(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%a %b %d %H:%M:%S %z %Y")


@dataclass
class Request:
    at: datetime
    path: str
    query: dict[str, str]
    mids: tuple[str, ...]  # the posts this answer showed


@dataclass
class WeiboStage:
    """The two Weibo surfaces over one script; see the module docstring."""

    clock: Clock = _utc_now
    posts: dict[str, StagePost] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def add(self, posts: Iterable[StagePost]) -> None:
        with self._lock:
            for post in posts:
                self.posts[post.mid] = post

    def first_shown(self, mid: str) -> datetime | None:
        """When an answer first showed the post `mid` (None: never yet)."""
        with self._lock:
            return next((request.at for request in self.requests if mid in request.mids), None)

    def requests_to(self, path: str) -> int:
        with self._lock:
            return sum(1 for request in self.requests if request.path == path)

    @property
    def url(self) -> str:
        assert self._server is not None, "the stage is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> str:
        stage = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
                status, content_type, body, mids = stage.answer(parts.path, query)
                with stage._lock:
                    stage.requests.append(Request(stage.clock(), parts.path, query, mids))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes, tuple[str, ...]]:
        """(HTTP status, content type, body, mids shown) for one GET."""
        now = self.clock()
        with self._lock:
            visible = [post for post in self.posts.values() if post.visible_at <= now]
        if path == "/weibo":
            return self._search(visible, query, now)
        if path == "/api/statuses/repostTimeline":
            return self._timeline(visible, query, now)
        end = {"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}  # getIndex and the rest: nothing here
        return 200, "application/json; charset=utf-8", json.dumps(end, ensure_ascii=False).encode(), ()

    def _search(
        self, visible: list[StagePost], query: dict[str, str], now: datetime
    ) -> tuple[int, str, bytes, tuple[str, ...]]:
        keyword = query.get("q", "")
        by_mid = {post.mid: post for post in visible}
        start, end = _timescope(query.get("timescope", ""))

        def matches(post: StagePost) -> bool:
            original = by_mid.get(post.repost_of or "")
            named = keyword in post.text or (original is not None and keyword in original.text)
            return bool(keyword) and named and start <= post.created_at < end

        hits = sorted((post for post in visible if matches(post)), key=lambda post: post.created_at, reverse=True)
        pages = math.ceil(len(hits) / CARDS_PER_PAGE)
        page = int(query.get("page", "1") or 1)
        shown = hits[(page - 1) * CARDS_PER_PAGE : page * CARDS_PER_PAGE]
        if not shown:
            body = _NO_RESULT.format(keyword=html.escape(keyword))
            return 200, "text/html; charset=utf-8", body.encode(), ()
        cards = "".join(_card(post, by_mid.get(post.repost_of or ""), now) for post in shown)
        body = _PAGE.format(cards=cards, pager=_pager(keyword, page, pages))
        mids = tuple(mid for post in shown for mid in (post.mid, post.repost_of) if mid)
        return 200, "text/html; charset=utf-8", body.encode(), mids

    def _timeline(
        self, visible: list[StagePost], query: dict[str, str], now: datetime
    ) -> tuple[int, str, bytes, tuple[str, ...]]:
        root = query.get("id", "")
        reposts = sorted(
            (post for post in visible if post.repost_of == root), key=lambda post: post.created_at, reverse=True
        )
        pages = math.ceil(len(reposts) / TIMELINE_PER_PAGE)
        page = int(query.get("page", "1") or 1)
        shown = reposts[(page - 1) * TIMELINE_PER_PAGE : page * TIMELINE_PER_PAGE]
        if not shown:
            payload: dict[str, Any] = {"ok": 0, "msg": "这里还没有内容", "data": {"data": []}}
        else:
            payload = {
                "ok": 1,
                "data": {
                    "data": [_mblog(post) for post in shown],
                    "total_number": len(reposts),
                    "hot_total_number": 0,
                    "max": pages,
                },
            }
        body = json.dumps(payload, ensure_ascii=False).encode()
        return 200, "application/json; charset=utf-8", body, tuple(post.mid for post in shown)


def _timescope(value: str) -> tuple[datetime, datetime]:
    """`custom:2026-12-05-8:2026-12-05-10` as a [start, end) pair; no filter when absent."""
    try:
        _custom, start, end = value.split(":")
        return _hour(start), _hour(end)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)


def _hour(stamp: str) -> datetime:
    day, _, hour = stamp.rpartition("-")
    return datetime.strptime(day, "%Y-%m-%d").replace(hour=int(hour), tzinfo=SHANGHAI)


def _mblog(post: StagePost) -> dict[str, Any]:
    return {
        "id": post.mid,
        "mid": post.mid,
        "bid": post.bid,
        "created_at": _api_time(post.created_at),
        "text": html.escape(post.text),
        "reposts_count": post.reposts,
        "comments_count": post.comments,
        "attitudes_count": post.likes,
        "source": post.app,
        "user": {
            "id": int(post.author.uid),
            "screen_name": post.author.name,
            "verified": post.author.verified,
            "verified_type": 0 if post.author.verified else -1,
            "followers_count": post.author.followers,
        },
        "retweeted_status": {"id": post.repost_of, "mid": post.repost_of},
    }


def _count(word: str, value: int) -> str:
    return f"{word} {value}" if value else word


def _card(post: StagePost, original: StagePost | None, now: datetime) -> str:
    name, uid = html.escape(post.author.name), post.author.uid
    mark = '<svg id="woo_svg_vyellow"></svg>' if post.author.verified else ""
    quoted = ""
    if post.repost_of is not None and original is not None:
        quoted = _QUOTED.format(
            uid=original.author.uid,
            name=html.escape(original.author.name),
            text=html.escape(original.text),
            reposts=_count("转发", original.reposts),
            comments=_count("评论", original.comments),
            mid=original.mid,
            likes=original.likes,
            bid=original.bid,
            time=shown_time(original.created_at, now),
            app=html.escape(original.app),
        )
    return _CARD.format(
        mid=post.mid,
        uid=uid,
        name=name,
        mark=mark,
        text=html.escape(post.text),
        quoted=quoted,
        bid=post.bid,
        time=shown_time(post.created_at, now),
        app=html.escape(post.app),
        reposts=_count("转发", post.reposts),
        comments=_count("评论", post.comments),
        likes=post.likes or "赞",
    )


def _pager(keyword: str, page: int, pages: int) -> str:
    items = "".join(
        f'<li><a href="/weibo?q={html.escape(keyword)}&page={n}">第{n}页</a></li>' for n in range(1, pages + 1)
    )
    following = (
        f'<a class="next" href="/weibo?q={html.escape(keyword)}&page={page + 1}">下一页</a>' if page < pages else ""
    )
    return (
        f'<div class="m-page"><div><span class="list"><ul class="s-scroll">{items}</ul></span>{following}</div></div>'
    )


_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>微博搜索</title>
<script>var $config = {{}}; $config['product'] = 'search';</script></head>
<body>
<div class="m-main-nav"></div>
<div id="pl_feedlist_index">
{cards}</div>
{pager}
</body></html>
"""
_NO_RESULT = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>微博搜索</title></head>
<body>
<div class="m-main-nav"></div>
<div id="pl_feedlist_index">
<div class="card card-no-result s-pt20b40"><p>抱歉，未找到“{keyword}”相关结果。</p></div>
</div>
</body></html>
"""
_CARD = """<div action-type="feed_list_item" mid="{mid}" class="card-wrap">
 <div class="card"><div class="card-feed">
  <div class="avator"><a href="//weibo.com/{uid}?refer_flag=1001030103_"><img src="//tvax1.sinaimg.cn/crop.0.0.180.180.50/{uid}.jpg"/>{mark}</a></div>
  <div class="content" node-type="like">
   <div class="info"><div></div><div><a href="//weibo.com/{uid}?refer_flag=1001030103_" class="name" nick-name="{name}" target="_blank">{name}</a></div></div>
   <p class="txt" node-type="feed_list_content" nick-name="{name}">&#8203; {text}</p>
{quoted}   <div class="from"><a href="//weibo.com/{uid}/{bid}?refer_flag=1001030103_" target="_blank">{time}</a> 来自 <a rel="nofollow">{app}</a></div>
  </div></div>
  <div class="card-act"><ul>
   <li><a action-type="feed_list_forward">{reposts}</a></li>
   <li><a action-type="feed_list_comment">{comments}</a></li>
   <li><a action-type="feed_list_like"><button><span class="woo-like-iconWrap"></span><span class="woo-like-count">{likes}</span></button></a></li>
  </ul></div>
 </div></div>
<!--/card-wrap-->
"""  # noqa: E501  (markup of the real page)
_QUOTED = """   <div class="card-comment">
    <div node-type="feed_list_forwardContent">
     <a href="//weibo.com/{uid}" nick-name="{name}">@{name}</a>
     <p class="txt" node-type="feed_list_content" nick-name="{name}">&#8203; {text}</p>
    </div>
    <div class="func">
     <ul class="act s-fr">
      <li><a>{reposts}</a></li>
      <li><a>{comments}</a></li>
      <li><a action-type="feed_list_like" action-data="mid={mid}"><span class="woo-like-count">{likes}</span></a></li>
     </ul>
     <div class="from"><a href="//weibo.com/{uid}/{bid}" target="_blank">{time}</a> 来自 <a rel="nofollow">{app}</a></div>
    </div>
   </div>
"""  # noqa: E501  (markup of the real page)


@dataclass
class Page:
    """One webhook POST as it arrived."""

    at: datetime
    channel: str  # the URL path it was posted to
    body: dict[str, Any]
    key: str  # its Idempotency-Key header


@dataclass
class PageReceiver:
    """Webhook endpoint on loopback: every POST is recorded with its arrival time and path (one per channel)."""

    clock: Clock = _utc_now
    pages: list[Page] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> str:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                page = Page(receiver.clock(), self.path, json.loads(body), self.headers.get("Idempotency-Key", ""))
                with receiver._lock:
                    receiver.pages.append(page)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self.url

    @property
    def url(self) -> str:
        assert self._server is not None, "the receiver is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def pages_for(self, root_id: str, event: str = "opened") -> list[Page]:
        with self._lock:
            return [
                page for page in self.pages if page.body.get("root_id") == root_id and page.body.get("event") == event
            ]

    def snapshot(self) -> list[Page]:
        with self._lock:
            return list(self.pages)
