"""Real TCP servers on 127.0.0.1 that misbehave on purpose: they drip their answer or flood it.

Each connection runs a script in its own thread. A drip lasts at most `MAX_DRIP_S`, so that code which
waits for it to finish fails its timing assertion instead of hanging the test run.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from types import TracebackType

MAX_DRIP_S = 20.0
Script = Callable[[socket.socket, "HostileServer"], None]


class HostileServer:
    """A loopback TCP server; counts connections, bytes sent and peers that went away mid-answer."""

    def __init__(self, script: Script) -> None:
        self._script = script
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self.stopping = threading.Event()
        self.peer_gone = threading.Event()
        self.connections = 0
        self.sent = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def send(self, conn: socket.socket, data: bytes) -> bool:
        """Send all of `data`; False once the client has closed its end."""
        try:
            conn.sendall(data)
        except TimeoutError:
            return False  # the client stopped reading but kept the connection open
        except OSError:
            self.peer_gone.set()
            return False
        with self._lock:
            self.sent += len(data)
        return True

    def pause(self, seconds: float) -> bool:
        """Wait between drips; False when the server is shutting down."""
        return not self.stopping.wait(seconds)

    def __enter__(self) -> HostileServer:
        accepting = threading.Thread(target=self._accept, daemon=True)
        accepting.start()
        self._threads.append(accepting)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stopping.set()
        accepting, *_ = self._threads
        accepting.join(timeout=5)  # no new connection threads after this
        for thread in self._threads[1:]:
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _address = self._listener.accept()
            except TimeoutError:
                continue
            with self._lock:
                self.connections += 1
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                self._script(conn, self)
            except TimeoutError:
                pass  # the client went quiet; nothing to count
            except OSError:
                self.peer_gone.set()


def read_request(conn: socket.socket) -> bytes:
    """The request head and as much body as it announces (so closing never resets the client early)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            while len(body) < int(value):
                chunk = conn.recv(65536)
                if not chunk:
                    break
                body += chunk
    return head


def drip_body(interval_s: float = 0.5) -> Script:
    """Headers at once (announcing a 1 MB body), then one byte every `interval_s`."""

    def script(conn: socket.socket, server: HostileServer) -> None:
        read_request(conn)
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n"
        if not server.send(conn, head):
            return
        started = time.monotonic()
        while time.monotonic() - started < MAX_DRIP_S and server.pause(interval_s):
            if not server.send(conn, b" "):
                return

    return script


def drip_headers(interval_s: float = 0.5) -> Script:
    """The status line, then a header that never ends, one byte every `interval_s`."""

    def script(conn: socket.socket, server: HostileServer) -> None:
        read_request(conn)
        if not server.send(conn, b"HTTP/1.1 200 OK\r\nX-Drip: "):
            return
        started = time.monotonic()
        while time.monotonic() - started < MAX_DRIP_S and server.pause(interval_s):
            if not server.send(conn, b"a"):
                return

    return script


def flood_body(total_bytes: int, *, announce_length: bool, status: int = 200) -> Script:
    """A body of `total_bytes`, with or without Content-Length (without: it ends when the server closes)."""

    def script(conn: socket.socket, server: HostileServer) -> None:
        read_request(conn)
        length = f"Content-Length: {total_bytes}\r\n" if announce_length else ""
        head = f"HTTP/1.1 {status} OK\r\nContent-Type: text/html\r\n{length}Connection: close\r\n\r\n"
        if not server.send(conn, head.encode()):
            return
        block = b"x" * 65536
        remaining = total_bytes
        while remaining > 0 and not server.stopping.is_set():
            if not server.send(conn, block[:remaining]):
                return
            remaining -= len(block)

    return script


def drip_smtp_greeting(interval_s: float = 0.5) -> Script:
    """An SMTP server whose greeting line never ends: "220 " and then one byte every `interval_s`."""

    def script(conn: socket.socket, server: HostileServer) -> None:
        if not server.send(conn, b"220 "):
            return
        started = time.monotonic()
        while time.monotonic() - started < MAX_DRIP_S and server.pause(interval_s):
            if not server.send(conn, b"a"):
                return

    return script
