"""docker-compose.yml: pinned images, one Elastic stack version matching the client's major, health
checks on every long-running service, the one-shot init services, Airflow 3 on LocalExecutor."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import elasticsearch
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, Any] = COMPOSE["services"]
ONE_SHOT = {name for name, service in SERVICES.items() if service.get("restart") == "no"}
EXPLICIT_TAG = re.compile(r"^[\w./-]+:(v?\d+(\.\d+)+)(-[\w.]+)?$")


def _tag(service: str) -> str:
    return str(SERVICES[service]["image"]).rsplit(":", 1)[1]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_images_are_pinned_to_explicit_versions(name: str) -> None:
    image = str(SERVICES[name]["image"])
    assert EXPLICIT_TAG.match(image), f"{name}: image {image!r} is not pinned to an explicit version"
    assert not image.endswith(":latest")


def test_elastic_stack_versions_match_each_other_and_the_client() -> None:
    elastic = _tag("elasticsearch")
    assert _tag("kibana") == elastic
    assert _tag("kibana-password") == elastic
    client_major = elasticsearch.__versionstr__.split(".")[0]
    assert elastic.split(".")[0] == client_major, "the client sends compatible-with=<its major>"


@pytest.mark.parametrize("name", sorted(set(SERVICES) - ONE_SHOT))
def test_long_running_services_have_health_checks(name: str) -> None:
    check = SERVICES[name].get("healthcheck")
    assert check and check["test"], f"{name} has no health check"


def test_init_service_prepares_elasticsearch_and_imports_dashboards() -> None:
    init = SERVICES["yuqing-init"]
    script = " ".join(init["command"])
    assert "yuqing es init" in script
    assert "yuqing dashboards import --kibana-url http://kibana:5601" in script
    assert init["depends_on"]["elasticsearch"]["condition"] == "service_healthy"
    assert init["depends_on"]["kibana"]["condition"] == "service_healthy"
    assert "yuqing-init" in ONE_SHOT and "airflow-init" in ONE_SHOT


def test_airflow_three_components_on_local_executor_with_the_dags_mounted() -> None:
    commands = {name: service.get("command") for name, service in SERVICES.items() if name.startswith("airflow-")}
    assert commands == {
        "airflow-init": ["db", "migrate"],
        "airflow-apiserver": ["api-server"],
        "airflow-scheduler": ["scheduler"],
        "airflow-dag-processor": ["dag-processor"],
        "airflow-triggerer": ["triggerer"],
    }
    for name in commands:
        environment = SERVICES[name]["environment"]
        assert environment["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
        assert environment["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
        assert environment["YUQING_ES__URL"] == "http://elasticsearch:9200"
        assert "./dags:/opt/airflow/dags:ro" in SERVICES[name]["volumes"]
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM apache/airflow:3.3.2-python3.11" in dockerfile
    assert "-c /opt/yuqing/constraints.txt" in dockerfile
    assert (ROOT / "constraints" / "py3.11.txt").exists()


def test_security_is_on_and_secrets_come_from_the_environment() -> None:
    environment = SERVICES["elasticsearch"]["environment"]
    assert "xpack.security.enabled=true" in environment
    assert any(item.startswith("ELASTIC_PASSWORD=${ELASTIC_PASSWORD") for item in environment)
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    required = set(re.findall(r"\$\{(\w+):\?", text))
    assert required and all(f"\n{name}=" in "\n" + example for name in required)
    published = [port for service in SERVICES.values() for port in service.get("ports", [])]
    assert published and all(str(port).startswith("127.0.0.1:") for port in published)


def test_mail_catcher_is_there_for_smtp_alerts() -> None:
    assert SERVICES["mailpit"]["image"].startswith("axllent/mailpit:")
    assert "127.0.0.1:1025:1025" in SERVICES["mailpit"]["ports"]
