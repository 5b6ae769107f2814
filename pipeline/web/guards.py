"""Dependencies the routes share: the store of this thread, the settings, and the CSRF check of a state change."""

from __future__ import annotations

from fastapi import HTTPException, Request

from pipeline.config import Settings
from pipeline.store.base import Store
from pipeline.web.auth import Session, csrf_ok
from pipeline.web.stores import StorePool


def store(request: Request) -> Store:
    pool: StorePool = request.app.state.stores
    return pool.get()


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


async def checked_session(request: Request) -> Session:
    """The session of a state change whose CSRF token matches (form field `csrf_token` or `X-CSRF-Token`)."""
    session: Session | None = getattr(request.state, "session", None)
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not csrf_ok(session, sent):
        raise HTTPException(status_code=403, detail="csrf")
    assert session is not None
    return session
