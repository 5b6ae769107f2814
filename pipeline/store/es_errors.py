"""The boundary between the Elasticsearch client's exceptions and the project's `StoreError`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import elastic_transport
import elasticsearch
from elasticsearch.dsl.exceptions import ElasticsearchDslException
from elasticsearch.helpers import BulkIndexError, ScanError

from pipeline.exceptions import StoreError

# Every exception the client, its transport, the bulk helpers and the DSL raise derives from one of these.
LIBRARY_ERRORS: tuple[type[Exception], ...] = (
    elasticsearch.ApiError,
    elastic_transport.ApiError,
    elastic_transport.TransportError,
    BulkIndexError,
    ScanError,
    ElasticsearchDslException,
)


def describe(exc: BaseException) -> str:
    """A short reason: the server's error type and reason when it sent one, else the exception's text."""
    if isinstance(exc, elastic_transport.ApiError):
        body = exc.body if isinstance(exc.body, dict) else {}
        error = body.get("error")
        if isinstance(error, dict):
            return f"HTTP {exc.meta.status} {error.get('type', '')}: {error.get('reason', '')}".strip()
        return f"HTTP {exc.meta.status}: {exc.message}"
    if isinstance(exc, elastic_transport.TransportError):
        return f"{type(exc).__name__}: {exc.message}"
    return f"{type(exc).__name__}: {exc}"


@contextmanager
def store_errors(action: str) -> Iterator[None]:
    """Convert any client exception raised inside into `StoreError("<action>: <reason>")`."""
    try:
        yield
    except LIBRARY_ERRORS as exc:
        raise StoreError(f"Elasticsearch {action} failed: {describe(exc)}") from exc
