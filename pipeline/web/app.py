"""The console application: settings, the store pool, templates, the session gate, the pages and the API.

`create_app(settings)` is all a server needs; `yuqing serve` adds the monitoring loop (`pipeline.web.monitor`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from pipeline.config import Settings
from pipeline.store.base import Store
from pipeline.web import pages
from pipeline.web.auth import SESSION_COOKIE, Gate, SessionMiddleware, safe_next, set_session_cookie
from pipeline.web.render import make_templates, page, request_language
from pipeline.web.stores import StorePool
from pipeline.web.words import translator

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings, *, open_store: Callable[[], Store] | None = None) -> FastAPI:
    if open_store is None:
        from pipeline.store import open_store as open_configured

        def open_store() -> Store:
            return open_configured(settings)

    stores = StorePool(open_store)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        stores.close()

    app = FastAPI(
        title="yuqing",
        description="舆情监测 console API: the same filters as the pages.",
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    gate = Gate(settings.web)
    app.state.settings = settings
    app.state.stores = stores
    app.state.templates = make_templates(settings)
    app.state.gate = gate
    app.add_middleware(SessionMiddleware, gate=gate)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _login_routes(app, gate)
    for module in pages.MODULES:
        app.include_router(module.router)
        app.include_router(module.api, prefix="/api")
    _error_pages(app)
    return app


def _login_routes(app: FastAPI, gate: Gate) -> None:
    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> Response:
        if not gate.login_required:
            return RedirectResponse(safe_next(next), status_code=303)
        request.state.session = _anonymous()
        return page(request, "login.html", {}, next=safe_next(next), failed=False)

    @app.post("/login", include_in_schema=False)
    def login(
        request: Request,
        user: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        name = gate.check_login(user, password)
        if name is None:
            request.state.session = _anonymous()
            return page(request, "login.html", {}, status_code=401, next=safe_next(next), failed=True)
        _session, value = gate.new_session(name)
        response = RedirectResponse(safe_next(next), status_code=303)
        set_session_cookie(response, request, value, gate.max_age_s)
        return response

    @app.post("/logout", include_in_schema=False)
    def logout() -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response


def _anonymous() -> object:
    from pipeline.web.auth import Session

    return Session("", "")


def _error_pages(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        settings: Settings = request.app.state.settings
        t = translator(request_language(request, settings))
        if exc.detail == "csrf":
            message = t("error.csrf")
        elif exc.status_code == 404:
            message = t("error.not_found", what=str(exc.detail))
        else:  # a refused value: the route's own words say what was wrong
            message = str(exc.detail)
        if getattr(request.state, "session", None) is None:
            request.state.session = _anonymous()
        return page(request, "error.html", {}, status_code=exc.status_code, message=message)
