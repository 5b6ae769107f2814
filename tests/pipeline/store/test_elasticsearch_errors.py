"""Every exception the Elasticsearch client family can raise is converted into `StoreError`."""

from __future__ import annotations

import inspect
import socket
from types import ModuleType

import elastic_transport
import elasticsearch
import elasticsearch.dsl.exceptions
import elasticsearch.exceptions
import elasticsearch.helpers
import pytest
from elasticsearch import Elasticsearch

from pipeline.exceptions import StoreError
from pipeline.store.elasticsearch import ElasticsearchStore
from pipeline.store.es_errors import LIBRARY_ERRORS, describe, store_errors

MODULES: list[ModuleType] = [
    elasticsearch,
    elasticsearch.exceptions,
    elasticsearch.helpers,
    elasticsearch.dsl.exceptions,
    elastic_transport,
]


def _library_exceptions() -> set[type[BaseException]]:
    found = set()
    for module in MODULES:
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, Exception) and not issubclass(value, Warning):
                found.add(value)
    return found


def test_every_library_exception_type_is_mapped() -> None:
    exceptions = _library_exceptions()
    assert len(exceptions) >= 15  # the list really came from the modules
    unmapped = sorted(cls.__qualname__ for cls in exceptions if not issubclass(cls, LIBRARY_ERRORS))
    assert unmapped == []


def _api_error(status: int) -> elasticsearch.ApiError:
    meta = elastic_transport.ApiResponseMeta(
        status=status,
        http_version="1.1",
        headers=elastic_transport.HttpHeaders(),
        duration=0.0,
        node=None,  # type: ignore[arg-type]
    )
    return elasticsearch.NotFoundError(
        "not found", meta, {"error": {"type": "index_not_found_exception", "reason": "no such index [x]"}}
    )


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (_api_error(404), "HTTP 404 index_not_found_exception: no such index [x]"),
        (elastic_transport.ConnectionTimeout("timed out"), "ConnectionTimeout: timed out"),
        (elasticsearch.helpers.BulkIndexError("2 document(s) failed", []), "BulkIndexError: 2 document(s) failed"),
        (elasticsearch.dsl.exceptions.UnknownDslObject("no such query"), "UnknownDslObject: no such query"),
    ],
)
def test_store_errors_chain_the_cause_and_explain(error: Exception, reason: str) -> None:
    assert describe(error) == reason
    with pytest.raises(StoreError, match="Elasticsearch reading failed") as raised, store_errors("reading"):
        raise error
    assert raised.value.__cause__ is error


def test_refused_connection_through_the_real_client_is_a_store_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again before use: nothing listens there
    client = Elasticsearch(f"http://127.0.0.1:{port}", request_timeout=2, max_retries=0)
    store = ElasticsearchStore(client, sleep=lambda _: None)
    with pytest.raises(StoreError, match="ConnectionError"):
        store.count_posts()
    with pytest.raises(StoreError, match="init failed"):
        store.init()
