"""A loopback m.weibo.cn for the demo and the response benchmark: the comment and repost APIs of a scripted set
of posts, in the real structures (weibo.md §3.6), as they stood at a settable moment.

It serves `comments/hotflow` (twenty comments a page in the order scripted, with their inline replies; the
cursor is the next page's number), the legacy `api/comments/show` (always empty: hotflow answers for every
scripted post that has comments) and `api/statuses/repostTimeline` (newest first, ten per page). A comment,
reply or repost appears once `clock` has reached its time, so a second pass after moving the clock sees what
was "published" in between. It listens on 127.0.0.1 at a port the system chooses, in a daemon thread, and
counts the requests it answered, by path.
"""

from __future__ import annotations

import json
import math
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pipeline.models import SHANGHAI

COMMENTS_PER_PAGE = 20
REPOSTS_PER_PAGE = 10
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class ScriptedUser:
    uid: str
    name: str
    followers: int = 100
    verified: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "id": int(self.uid),
            "screen_name": self.name,
            "followers_count": self.followers,
            "verified": self.verified,
            "verified_type": 2 if self.verified else -1,
        }


@dataclass(frozen=True, slots=True)
class ScriptedComment:
    """A comment on a post, with the inline replies under it."""

    comment_id: str
    at: datetime
    user: ScriptedUser
    html: str
    replies: tuple[ScriptedComment, ...] = ()


@dataclass(frozen=True, slots=True)
class ScriptedRepost:
    mid: str
    at: datetime
    user: ScriptedUser
    html: str


@dataclass
class Script:
    """What the server knows, by the post's mid (the digits of its "weibo:<mid>" id)."""

    comments: dict[str, list[ScriptedComment]] = field(default_factory=dict)
    reposts: dict[str, list[ScriptedRepost]] = field(default_factory=dict)


def weibo_time(moment: datetime) -> str:
    """A time as m.weibo.cn's APIs write it ("Sun Nov 22 10:20:00 +0800 2026"), whatever the locale."""
    local = moment.astimezone(SHANGHAI)
    return f"{_DAYS[local.weekday()]} {_MONTHS[local.month - 1]} {local:%d %H:%M:%S} +0800 {local.year}"


class ScriptedWeibo:
    """The loopback server; use as a context manager, move `clock` between passes."""

    def __init__(self, script: Script, clock: datetime) -> None:
        self.script, self.clock = script, clock
        self.requests: Counter[str] = Counter()  # by path
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="scripted-weibo", daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ScriptedWeibo:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def answer(self, path: str, query: dict[str, str]) -> dict[str, Any]:
        """The JSON document for one request."""
        with self._lock:
            self.requests[path] += 1
        mid = query.get("id", "")
        if path == "/comments/hotflow":
            return self._hotflow(mid, int(query.get("max_id") or 1))  # the cursor is the next page's number here
        if path == "/api/statuses/repostTimeline":
            return self._repost_timeline(mid, int(query.get("page") or 1))
        return {"ok": 0, "msg": "暂无数据"}  # api/comments/show and anything else: nothing here

    def _hotflow(self, mid: str, page: int) -> dict[str, Any]:
        visible = [item for item in self.script.comments.get(mid, []) if item.at <= self.clock]
        chunk = visible[(page - 1) * COMMENTS_PER_PAGE : page * COMMENTS_PER_PAGE]
        if not chunk:
            return {"ok": 0, "msg": "快来发表你的评论吧"}
        cursor = page + 1 if page * COMMENTS_PER_PAGE < len(visible) else 0
        comments = [self._comment(item) for item in chunk]
        return {"ok": 1, "data": {"data": comments, "total_number": len(visible), "max_id": cursor, "max_id_type": 0}}

    def _repost_timeline(self, mid: str, page: int) -> dict[str, Any]:
        visible = sorted(
            (item for item in self.script.reposts.get(mid, []) if item.at <= self.clock),
            key=lambda item: item.at,
            reverse=True,
        )
        chunk = visible[(page - 1) * REPOSTS_PER_PAGE : page * REPOSTS_PER_PAGE]
        if not chunk:
            return {"ok": 0, "msg": "还没有人转发过"}
        reposts = [self._repost(item) for item in chunk]
        pages = math.ceil(len(visible) / REPOSTS_PER_PAGE)
        return {"ok": 1, "data": {"data": reposts, "total_number": len(visible), "max": pages}}

    def _comment(self, item: ScriptedComment) -> dict[str, Any]:
        replies = [self._comment(reply) for reply in item.replies if reply.at <= self.clock]
        return {
            "id": item.comment_id,
            "rootid": item.comment_id,
            "created_at": weibo_time(item.at),
            "text": item.html,
            "like_count": 0,
            "total_number": len(replies),
            "user": item.user.to_json(),
            "comments": replies or False,
        }

    @staticmethod
    def _repost(item: ScriptedRepost) -> dict[str, Any]:
        return {
            "id": item.mid,
            "mid": item.mid,
            "created_at": weibo_time(item.at),
            "text": item.html,
            "reposts_count": 0,
            "comments_count": 0,
            "attitudes_count": 0,
            "user": item.user.to_json(),
        }

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # the name http.server calls
                parts = urlsplit(self.path)
                query = {key: values[0] for key, values in parse_qs(parts.query).items()}
                body = json.dumps(server.answer(parts.path, query), ensure_ascii=False).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # the signature http.server calls
                return  # the demo's output is its own

        return Handler
