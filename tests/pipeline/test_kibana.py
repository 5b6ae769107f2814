"""Importing dashboards through Kibana's saved objects API, against a real local HTTP server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.exceptions import StoreError
from pipeline.kibana import DASHBOARDS_DIR, import_saved_objects, saved_object_files

IMPORT = "/api/saved_objects/_import"


def _ok(request: Request) -> Response:
    upload = request.files["file"]
    count = sum(1 for line in upload.read().splitlines() if line.strip())
    body = {"success": True, "successCount": count, "successResults": []}
    return Response(json.dumps(body), content_type="application/json")


def test_imports_every_file_with_overwrite_and_xsrf(httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        IMPORT, method="POST", query_string="overwrite=true", headers={"kbn-xsrf": "true"}
    ).respond_with_handler(_ok)
    files = saved_object_files(DASHBOARDS_DIR)
    results = import_saved_objects(httpserver.url_for("/"), files, api_key="a2V5")
    assert [result.file for result in results] == [path.name for path in files]
    expected = [sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line) for path in files]
    assert [result.imported for result in results] == expected
    first = httpserver.log[0][0]
    assert first.headers["Authorization"] == "ApiKey a2V5"
    assert first.files["file"].filename == "data-views.ndjson"


def test_a_space_is_part_of_the_path(httpserver: HTTPServer, tmp_path: Path) -> None:
    (tmp_path / "one.ndjson").write_text('{"type":"x","id":"y","attributes":{},"references":[]}\n')
    httpserver.expect_request("/s/pr-team" + IMPORT, method="POST").respond_with_handler(_ok)
    results = import_saved_objects(
        httpserver.url_for("/"), saved_object_files(tmp_path), space="pr-team", basic_auth=("elastic", "pw")
    )
    assert results[0].imported == 1
    assert httpserver.log[0][0].authorization.username == "elastic"


def test_per_object_errors_of_a_200_answer_are_failures(httpserver: HTTPServer) -> None:
    errors = [
        {
            "id": "yuqing-incidents",
            "type": "dashboard",
            "error": {"type": "missing_references", "references": [{"type": "index-pattern", "id": "gone-dv"}]},
        },
        {"id": "v1", "type": "visualization", "error": {"type": "unknown", "message": "bad visState"}},
    ]
    httpserver.expect_request(IMPORT, method="POST").respond_with_json(
        {"success": False, "successCount": 3, "errors": errors}
    )
    with pytest.raises(StoreError) as raised:
        import_saved_objects(httpserver.url_for("/"), saved_object_files(DASHBOARDS_DIR)[:1])
    message = str(raised.value)
    assert "dashboard yuqing-incidents: missing_references (index-pattern gone-dv)" in message
    assert "visualization v1: unknown: bad visState" in message


def test_http_errors_and_unreachable_kibana(httpserver: HTTPServer) -> None:
    httpserver.expect_request(IMPORT, method="POST").respond_with_json(
        {"statusCode": 401, "error": "Unauthorized", "message": "missing authentication credentials"}, status=401
    )
    files = saved_object_files(DASHBOARDS_DIR)[:1]
    with pytest.raises(StoreError, match="HTTP 401: missing authentication credentials"):
        import_saved_objects(httpserver.url_for("/"), files)
    with pytest.raises(StoreError, match="not reachable"):
        import_saved_objects("http://127.0.0.1:1", files, timeout_s=2)


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no saved objects"):
        saved_object_files(tmp_path)
