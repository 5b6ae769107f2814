"""Shared test helpers of `tests.reliability`: plain names that tests import (the fixtures stay in
conftest.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from pipeline.store.sqlite import SQLiteStore
from tests.pipeline.detect.streams import DAY

REPO = Path(__file__).resolve().parents[2]


CRISIS_OPENS = DAY.replace(hour=10, minute=45)  # the cycle at which the scripted crisis opens a P1 incident


@dataclass
class WebhookReceiver:
    """Records every POST; answers 503 to the first `failures` of them (a receiver that is down a while)."""

    failures: int = 0
    bodies: list[dict[str, Any]] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # the Idempotency-Key header of each accepted request
    refused: int = 0

    def start(self) -> tuple[ThreadingHTTPServer, str]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if receiver.refused < receiver.failures:
                    receiver.refused += 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.bodies.append(json.loads(body))
                receiver.keys.append(self.headers.get("Idempotency-Key", ""))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}/hook"


@dataclass
class Mailbox:
    message_ids: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.message_ids.append(str(mail["Message-ID"]))
        self.subjects.append(str(mail["Subject"]))
        return "250 Message accepted for delivery"


@dataclass
class Deployment:
    """A configured one-machine deployment: store, watchlist, receivers, and the environment to run in."""

    folder: Path
    env: dict[str, str]
    webhook: WebhookReceiver
    mailbox: Mailbox
    alerts_file: Path

    def run(self, *args: str, failpoints: str = "", timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {**self.env, "YUQING_FAILPOINTS": failpoints}
        return subprocess.run(
            [sys.executable, "-m", "pipeline.cli", *args],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def store(self) -> SQLiteStore:
        return SQLiteStore(self.folder / "data" / "yuqing.db")

    def file_lines(self) -> list[dict[str, Any]]:
        if not self.alerts_file.exists():
            return []
        return [json.loads(line) for line in self.alerts_file.read_text(encoding="utf-8").splitlines()]


WATCHLIST = """
brands:
  - name: 蒙牛
    route: oncall
  - name: 伊利
  - name: 小米
  - name: 华为
routes:
  default: {{channels: [log]}}
  oncall: {{channels: [log, hook, mail], escalate_to: managers, escalate_after_minutes: 30}}
  managers: {{channels: [log]}}
channels:
  log: {{type: file, path: "{log}"}}
  hook: {{type: webhook, url: "{hook}"}}
  mail:
    type: email
    smtp_host: 127.0.0.1
    smtp_port: {smtp}
    sender: yuqing@example.com
    recipients: [oncall@example.com]
"""


def child_env(folder: Path, watchlist: Path | None = None) -> dict[str, str]:
    """The environment of a child `yuqing`: this one minus every YUQING_* setting, plus a store in `folder`."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("YUQING_")}
    env.update(YUQING_DATA_DIR=str(folder / "data"), YUQING_SCORER="snownlp", PYTHONPATH=str(REPO))
    if watchlist is not None:
        env["YUQING_WATCHLIST"] = str(watchlist)
    return env
