"""A real HTTP server on 127.0.0.1 standing in for Elasticsearch: it records every request the official
client sends and answers with canned responses, so request bodies, per-document bulk errors and retries
are tested end to end through the real client and transport."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from elasticsearch import Elasticsearch


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str  # URL-decoded
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)

    def ndjson(self) -> list[Any]:
        return [json.loads(line) for line in self.body.decode("utf-8").splitlines() if line.strip()]


Responder = Callable[[Recorded], tuple[int, Any]]


def bulk_items(request: Recorded, statuses: dict[str, int] | None = None) -> dict[str, Any]:
    """A bulk response with one item per action line: 201/200, or the status given for a document id."""
    lines = request.ndjson()
    items: list[dict[str, Any]] = []
    index = 0
    while index < len(lines):
        ((op_type, meta),) = lines[index].items()
        index += 1 if op_type == "delete" else 2
        status = (statuses or {}).get(meta.get("_id"), 201 if op_type == "create" else 200)
        item: dict[str, Any] = {"_index": meta.get("_index"), "_id": meta.get("_id"), "status": status}
        if status < 300:
            item["result"] = "created" if op_type == "create" else "updated"
        else:
            kind = {400: "document_parsing_exception", 409: "version_conflict_engine_exception"}
            item["error"] = {"type": kind.get(status, "es_rejected_execution_exception"), "reason": "canned"}
        items.append({op_type: item})
    return {"took": 1, "errors": any(next(iter(i.values()))["status"] >= 300 for i in items), "items": items}


def mget_missing(request: Recorded) -> dict[str, Any]:
    """An mget answer for documents in indices that do not exist yet."""
    docs = request.json()["docs"]
    return {
        "docs": [
            {
                "_index": doc["_index"],
                "_id": doc["_id"],
                "error": {"type": "index_not_found_exception", "reason": f"no such index [{doc['_index']}]"},
            }
            for doc in docs
        ]
    }


def default_responder(request: Recorded) -> tuple[int, Any]:
    if request.path.endswith("/_bulk"):
        return 200, bulk_items(request)
    if request.path.endswith("/_mget"):
        return 200, mget_missing(request)
    if request.path.endswith("/_search"):
        return 200, {"took": 1, "timed_out": False, "hits": {"total": {"value": 0}, "hits": []}}
    if request.path.endswith("/_count"):
        return 200, {"count": 0}
    if "/_doc/" in request.path and request.method in ("PUT", "POST"):
        index, _, doc_id = request.path.strip("/").partition("/_doc/")
        return 201, {"_index": index, "_id": doc_id, "_seq_no": 0, "_primary_term": 1, "result": "created"}
    return 200, {"acknowledged": True}


class FakeElasticsearch:
    """Start with `with FakeElasticsearch() as es:`; set `responder` to script answers; read `requests`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.responder: Responder = default_responder
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                recorded = Recorded(
                    method=self.command,
                    path=unquote(url.path),
                    query=dict(parse_qsl(url.query)),
                    body=body,
                    headers={key.lower(): value for key, value in self.headers.items()},
                )
                fake.requests.append(recorded)
                status, answer = fake.responder(recorded)
                payload = json.dumps(answer, ensure_ascii=False).encode("utf-8")
                self.send_response(status)
                self.send_header("X-Elastic-Product", "Elasticsearch")  # the client refuses anything else
                self.send_header("Content-Type", "application/vnd.elasticsearch+json; compatible-with=9")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def client(self) -> Elasticsearch:
        return Elasticsearch(self.url, request_timeout=5, retry_on_timeout=False, max_retries=0)

    def calls(self, suffix: str) -> list[Recorded]:
        return [request for request in self.requests if request.path.endswith(suffix)]

    def __enter__(self) -> FakeElasticsearch:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
