"""Shared test helpers of `tests.pipeline.web`: plain names that tests import (the fixtures stay in
conftest.py)."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from pipeline.config import Settings

REPO = Path(__file__).resolve().parents[3]


SCREENSHOTS = Path(os.environ.get("YUQING_SCREENSHOTS", REPO / "build" / "screenshots"))


USER, PASSWORD = "王值班", "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Console:
    url: str
    settings: Settings
    database: Path

    def login(self, http: requests.Session | None = None) -> requests.Session:
        """A requests session logged in through the form, with the CSRF token of its session in `csrf`."""
        http = http or requests.Session()
        answer = http.post(f"{self.url}/login", data={"user": USER, "password": PASSWORD}, allow_redirects=False)
        assert answer.status_code == 303, answer.text[:300]
        return http

    def csrf(self, http: requests.Session) -> str:
        """The CSRF token of `http`'s session, read from a page as a browser would."""
        import re

        page = http.get(f"{self.url}/").text
        match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
        assert match, page[:300]
        return match.group(1)


def start_console(settings: Settings, database: Path) -> Iterator[Console]:
    import uvicorn

    from pipeline.web.app import create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the console did not start"
        time.sleep(0.05)
    try:
        yield Console(f"http://127.0.0.1:{port}", settings, database)
    finally:
        server.should_exit = True
        thread.join(10)


def log_in(page: Any, console: Console) -> None:
    page.goto(f"{console.url}/")
    page.fill("input[name=user]", USER)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state("networkidle")


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def canvas_is_drawn(page: Any, selector: str) -> bool:
    """True when the chart under `selector` has a canvas with pixels that are not all one colour."""
    return bool(
        page.evaluate(
            """(selector) => {
                const canvas = document.querySelector(selector + ' canvas');
                if (!canvas || !canvas.width || !canvas.height) return false;
                const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
                for (let i = 4; i < data.length; i += 4) {
                    for (let channel = 0; channel < 4; channel++) {
                        if (data[i + channel] !== data[channel]) return true;
                    }
                }
                return false;
            }""",
            selector,
        )
    )
