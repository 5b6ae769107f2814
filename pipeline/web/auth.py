"""Who is at the console, and that a form came from it.

With credentials configured (`YUQING_WEB__USER`/`YUQING_WEB__PASSWORD`, or `YUQING_WEB__TOKEN`) every page and
API call needs a session, got by logging in, or an `Authorization: Bearer <token>` header. Without them the
console serves loopback only (`yuqing serve` refuses other addresses) and the person is the machine's login
name. Either way the session is a signed cookie (HttpOnly, SameSite=Strict) that carries a CSRF token; every
state change must send it back (`csrf_token` form field or `X-CSRF-Token` header), except bearer-token calls,
which carry no cookie a foreign page could ride on.
"""

from __future__ import annotations

import getpass
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from pipeline.config import WebSettings

SESSION_COOKIE = "yuqing_session"
OPEN_PATHS = ("/login", "/static/")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Session:
    user: str
    csrf: str
    by_token: bool = False  # a bearer-token call: no cookie, no CSRF check


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8")).digest()


def same_secret(given: str, expected: str) -> bool:
    """Constant-time comparison of hashes, so neither the length nor the content leaks through timing."""
    return hmac.compare_digest(_digest(given), _digest(expected))


class Gate:
    """Checks credentials and reads or issues sessions."""

    def __init__(self, web: WebSettings) -> None:
        self.web = web
        key = web.session_key.get_secret_value() if web.session_key else secrets.token_urlsafe(32)
        self._signer = URLSafeTimedSerializer(key, salt="yuqing-session")
        self.max_age_s = int(web.session_hours * 3600)

    @property
    def login_required(self) -> bool:
        return self.web.has_credentials

    def check_login(self, user: str, password: str) -> str | None:
        """The user name to record when `user`/`password` are right (the token counts as a password)."""
        web = self.web
        # Both compared every time: which of the two was wrong does not show in the time taken.
        right_user = bool(web.user) and same_secret(user, web.user or "")
        right_password = web.password is not None and same_secret(password, web.password.get_secret_value())
        if right_user and right_password:
            return web.user
        if web.token is not None and same_secret(password, web.token.get_secret_value()):
            return user.strip() or "token"
        return None

    def new_session(self, user: str) -> tuple[Session, str]:
        session = Session(user, secrets.token_urlsafe(24))
        return session, self._signer.dumps({"user": session.user, "csrf": session.csrf})

    def read(self, request: Request) -> Session | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer ") and self.web.token is not None:
            if same_secret(header[7:].strip(), self.web.token.get_secret_value()):
                return Session("token", "", by_token=True)
            return None
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            return None
        try:
            data: Any = self._signer.loads(cookie, max_age=self.max_age_s)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("user"), str) or not isinstance(data.get("csrf"), str):
            return None
        return Session(data["user"], data["csrf"])


def set_session_cookie(response: Response, request: Request, value: str, max_age_s: int) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        value,
        max_age=max_age_s,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


class SessionMiddleware:
    """Puts `request.state.session` on every request; sends strangers to the login page (pages) or answers 401
    (the API); without credentials configured, opens a session for the machine's user on first visit."""

    def __init__(self, app: ASGIApp, gate: Gate) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        session = self.gate.read(request)
        fresh: str | None = None
        if session is None and not self.gate.login_required:
            session, fresh = self.gate.new_session(_machine_user())
        if session is None and not path.startswith(OPEN_PATHS):
            response: Response
            if path.startswith("/api/"):
                response = JSONResponse({"detail": "login required"}, status_code=401)
            else:
                target = path + (f"?{request.url.query}" if request.url.query else "")
                response = RedirectResponse(f"/login?next={_quote(target)}", status_code=303)
            await response(scope, receive, send)
            return
        scope.setdefault("state", {})["session"] = session
        if fresh is None:
            await self.app(scope, receive, send)
            return

        async def send_with_cookie(message: Any) -> None:
            if message["type"] == "http.response.start":
                cookie = Response()
                set_session_cookie(cookie, request, fresh, self.gate.max_age_s)
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *cookie.raw_headers[-1:]]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def _machine_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a container without a passwd entry
        return "console"


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")


def csrf_ok(session: Session | None, sent: str | None) -> bool:
    if session is None:
        return False
    if session.by_token:
        return True
    return bool(sent) and same_secret(sent or "", session.csrf)


def safe_next(target: str | None) -> str:
    """Only a path on this site: `next=//evil.example` or `next=https://...` would send a person elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
