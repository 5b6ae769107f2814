"""`yuqing es init` and `yuqing dashboards import` from the command line."""

from __future__ import annotations

import json

import pytest
from pytest_httpserver import HTTPServer

from pipeline.cli import main
from pipeline.config import Settings
from tests.pipeline.store.es_fake import FakeElasticsearch


def test_es_init_reports_each_step(
    settings: Settings, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeElasticsearch() as fake:
        env.setenv("YUQING_ES__URL", fake.url)
        env.setenv("YUQING_ES__INDEX_PREFIX", "brandwatch")
        assert main(["es", "init"]) == 0
        assert fake.requests[0].path == "/_ilm/policy/brandwatch-posts"
    out = capsys.readouterr().out
    assert "ok  index template brandwatch-posts" in out
    assert "ok  data stream brandwatch-snapshots" in out


def test_es_init_without_url_says_what_is_missing(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["es", "init"]) == 2
    assert "YUQING_ES__URL" in capsys.readouterr().err


def test_dashboards_import_reads_the_api_key_from_the_named_variable(
    settings: Settings, env: pytest.MonkeyPatch, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpserver.expect_request("/api/saved_objects/_import", method="POST").respond_with_json(
        {"success": True, "successCount": 2}
    )
    env.setenv("KIBANA_KEY", "c2VjcmV0")
    assert main(["dashboards", "import", "--kibana-url", httpserver.url_for("/"), "--api-key-env", "KIBANA_KEY"]) == 0
    assert all(request.headers["Authorization"] == "ApiKey c2VjcmV0" for request, _ in httpserver.log)
    assert "ok  data-views.ndjson: 2 saved objects" in capsys.readouterr().out
    assert main(["dashboards", "import", "--kibana-url", "http://x", "--api-key-env", "NOT_SET_ANYWHERE"]) == 2
    assert "NOT_SET_ANYWHERE is not set" in capsys.readouterr().err
    assert json.loads(httpserver.log[0][0].files["file"].read().splitlines()[0])["type"] == "index-pattern"


def test_trends_command_runs_on_the_elasticsearch_store(
    settings: Settings, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    start_ms = 1_795_312_800_000  # 2026-11-22T02:00:00Z
    page = {"buckets": [{"key": {"start": start_ms, "brand": "蒙牛", "key": "major"}, "doc_count": 4}]}
    with FakeElasticsearch() as fake:
        fake.responder = lambda request: (200, {"hits": {"hits": []}, "aggregations": {"trend": page}})
        env.setenv("YUQING_ES__URL", fake.url)
        argv = ["trends", "--store", "elasticsearch", "--brand", "蒙牛", "--by", "severity", "--format", "json"]
        assert main([*argv, "--since", "2026-11-22T00:00:00+08:00", "--until", "2026-11-23T00:00:00+08:00"]) == 0
        body = fake.requests[-1].json()
    rows = json.loads(capsys.readouterr().out)
    assert [(row["brand"], row["key"], row["count"]) for row in rows] == [("蒙牛", "major", 4)]
    sources = body["aggs"]["trend"]["composite"]["sources"]
    assert sources[2] == {"key": {"terms": {"field": "severity_label", "missing_bucket": True}}}
