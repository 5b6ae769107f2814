"""docker-compose.yml: pinned images, one Elastic stack version matching the client's major, health
checks on every long-running service, the one-shot init services, Airflow 3 on LocalExecutor; and what a
first `docker compose up` needs: the DAGs' pools imported, volumes on folders the image owns, a watchlist
that collects and mails out of the box, every variable documented in .env.example."""

from __future__ import annotations

import ast
import json
import re
import shlex
import types
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import elasticsearch
import pytest
import yaml
from pydantic import BaseModel, SecretStr

from pipeline.config import Settings, Watchlist, load_watchlist

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
COMPOSE: dict[str, Any] = yaml.safe_load(COMPOSE_TEXT)
SERVICES: dict[str, Any] = COMPOSE["services"]
ONE_SHOT = {name for name, service in SERVICES.items() if service.get("restart") == "no"}
EXPLICIT_TAG = re.compile(r"^[\w./-]+:(v?\d+(\.\d+)+)(-[\w.]+)?$")
# Services running the project's image (built from the Dockerfile).
YUQING_SERVICES = sorted(
    name
    for name, service in SERVICES.items()
    if "build" in service or str(service.get("image", "")).startswith("yuqing-airflow:")
)
# The apache/airflow base image creates these, owned by airflow:0 and group-writable.
BASE_IMAGE_DIRS = frozenset({"/opt/airflow/dags", "/opt/airflow/logs"})
INTERPOLATION = re.compile(r"(?<!\$)\$\{(\w+)([^}]*)\}")  # ${VAR}, ${VAR:-default}, ${VAR:?message}; not $${VAR}
ENV_LINE = re.compile(r"^(?P<commented>#\s*)?(?P<name>[A-Z][A-Z0-9_]*)=(?P<value>.*)$")
SHORT_MOUNT = re.compile(r"^(?P<source>\$\{[^}]*\}|[^:]+):(?P<target>[^:]+)(?::(?P<mode>[^:]+))?$")
POOL_IMPORT = re.compile(r"(?:^|\s)(?:airflow\s+)?pools\s+import\s+(\S+)")
DB_MIGRATE = re.compile(r"(?:^|\s)(?:airflow\s+)?db\s+migrate\b")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


@dataclass(frozen=True)
class Mount:
    source: str  # a named volume, a path, or ${VAR:-path}
    target: str

    @property
    def named_volume(self) -> bool:
        return self.source in (COMPOSE.get("volumes") or {})


def _mounts(service: dict[str, Any]) -> list[Mount]:
    mounts = []
    for entry in service.get("volumes", []):
        if isinstance(entry, dict):
            mounts.append(Mount(str(entry["source"]), str(entry["target"])))
            continue
        match = SHORT_MOUNT.match(str(entry))
        assert match, f"unreadable volume entry {entry!r}"
        mounts.append(Mount(match["source"], match["target"]))
    return mounts


def _env_example() -> dict[str, tuple[bool, str]]:
    """Variables .env.example documents: name -> (commented out, value)."""
    documented = {}
    for line in (ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = ENV_LINE.match(line.strip())
        if match:
            documented[match["name"]] = (bool(match["commented"]), match["value"].strip())
    return documented


def _host_paths(source: str) -> list[Path]:
    """The repository paths a bind-mount source can name: its compose default and the value .env.example sets."""
    match = INTERPOLATION.fullmatch(source)
    if not match:
        return [ROOT / source]
    name, rest = match.groups()
    assert name in _env_example(), f"mount source {source}: {name} is not documented in .env.example"
    assert rest.startswith((":-", "-")), f"mount source {source} has no default"
    paths = [ROOT / rest.removeprefix(":").removeprefix("-")]
    commented, value = _env_example()[name]
    if not commented:
        paths.append(ROOT / value.strip("'\""))
    return paths


def _script(service: dict[str, Any]) -> str:
    """Entrypoint and command of a service as one line."""
    words: list[str] = []
    for key in ("entrypoint", "command"):
        value = service.get(key)
        words.extend(str(word) for word in (value if isinstance(value, list) else [value] if value else []))
    return " ".join(words)


def _container_to_host(service: dict[str, Any], container_path: str) -> Path | None:
    for mount in _mounts(service):
        inside = PurePosixPath(container_path)
        if not mount.named_volume and inside.is_relative_to(mount.target):
            return _host_paths(mount.source)[0] / inside.relative_to(mount.target)
    return None


def _dag_pools() -> dict[str, str]:
    """Pool name -> DAG file, for every `pool=` argument or "pool" key in dags/*.py (string or module constant)."""
    pools = {}
    for path in sorted((ROOT / "dags").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {}
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Constant):
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(target, ast.Name):
                        constants[target.id] = node.value.value
        values = [node.value for node in ast.walk(tree) if isinstance(node, ast.keyword) and node.arg == "pool"]
        values += [
            value
            for node in ast.walk(tree)
            if isinstance(node, ast.Dict)
            for key, value in zip(node.keys, node.values, strict=True)
            if isinstance(key, ast.Constant) and key.value == "pool"
        ]
        for value in values:
            name = value.value if isinstance(value, ast.Constant) else constants.get(getattr(value, "id", ""))
            assert isinstance(name, str), f"{path.name}:{value.lineno}: pool is neither a string nor a module constant"
            pools[name] = path.name
    return pools


def _dockerfile_dirs() -> dict[str, tuple[str, str, str] | None]:
    """Folders the Dockerfile creates -> (owner, group, mode) when made with `install -d`, else None."""
    created: dict[str, tuple[str, str, str] | None] = {}
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        instruction, _, rest = line.strip().partition(" ")
        if instruction.upper() == "RUN":
            for command in re.split(r"&&|\|\||;", rest):
                words = shlex.split(command)
                if words[:1] == ["install"] and "-d" in words:
                    options, paths, rest_words = {"-o": "root", "-g": "root", "-m": "755"}, [], iter(words[1:])
                    for word in rest_words:
                        if word in options:
                            options[word] = next(rest_words)
                        elif not word.startswith("-"):
                            paths.append(word)
                    for path in paths:
                        created[path] = (options["-o"], options["-g"], options["-m"])
                elif words[:1] == ["mkdir"]:
                    for path in (word for word in words[1:] if not word.startswith("-")):
                        created.setdefault(path, None)
        elif instruction.upper() == "COPY":
            *sources, dest = (word for word in shlex.split(rest) if not word.startswith("--"))
            if dest.endswith("/") or len(sources) > 1 or (ROOT / sources[0]).is_dir():
                created.setdefault(dest.rstrip("/"), None)
            for parent in PurePosixPath(dest).parents:
                created.setdefault(str(parent), None)
        elif instruction.upper() == "WORKDIR":
            created.setdefault(rest.strip(), None)
    return created


def _mounted_watchlists() -> list[Path]:
    """The watchlist files the yuqing services get by default (compose default and .env.example value)."""
    target = SERVICES["airflow-scheduler"]["environment"]["YUQING_WATCHLIST"]
    mounts = [mount for mount in _mounts(SERVICES["airflow-scheduler"]) if mount.target == target]
    assert len(mounts) == 1, f"nothing is mounted at YUQING_WATCHLIST ({target})"
    return _host_paths(mounts[0].source)


def _secret_variables() -> set[str]:
    """Environment names of the project's secret settings (SecretStr fields of Settings and its groups). A
    group's secret with a top-level spelling (weibo.cookie -> weibo_cookie) is documented under that one."""

    def is_secret(annotation: Any) -> bool:
        return annotation is SecretStr or SecretStr in getattr(annotation, "__args__", ())

    names = set()
    for name, field in Settings.model_fields.items():
        group = field.annotation
        if is_secret(group):
            names.add(f"YUQING_{name.upper()}")
        elif isinstance(group, type) and not isinstance(group, types.GenericAlias) and issubclass(group, BaseModel):
            for sub, subfield in group.model_fields.items():
                if is_secret(subfield.annotation) and f"{name}_{sub}" not in Settings.model_fields:
                    names.add(f"YUQING_{name.upper()}__{sub.upper()}")
    return names


def _production_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Production\n.*?(?=^## )", readme, re.MULTILINE | re.DOTALL)
    assert match, "README.md has no Production section"
    return match.group(0)


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
    assert DB_MIGRATE.search(_script(SERVICES["airflow-init"]))
    assert commands == {
        "airflow-init": SERVICES["airflow-init"]["command"],
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


def test_an_init_service_imports_every_pool_the_dags_use() -> None:
    pools = _dag_pools()
    assert pools, "no pool= found in dags/*.py"
    imported: dict[str, Any] = {}
    for name in sorted(ONE_SHOT):
        service, script = SERVICES[name], _script(SERVICES[name])
        for match in POOL_IMPORT.finditer(script):
            migrate = DB_MIGRATE.search(script)
            after_migrate = migrate is not None and migrate.start() < match.start()
            waits_for_migrate = any(
                other in ONE_SHOT
                and DB_MIGRATE.search(_script(SERVICES[other]))
                and condition.get("condition") == "service_completed_successfully"
                for other, condition in (service.get("depends_on") or {}).items()
            )
            assert after_migrate or waits_for_migrate, f"{name} imports pools before the database is migrated"
            host = _container_to_host(service, match.group(1))
            assert host is not None and host.is_file(), f"{name}: {match.group(1)} is not a file of the repository"
            entries = json.loads(host.read_text(encoding="utf-8"))
            for pool, spec in entries.items():  # `airflow pools import` refuses an entry without both
                assert "slots" in spec and "description" in spec, f"{host.name}: pool {pool} lacks slots/description"
            imported.update(entries)
            for waiting in ("airflow-scheduler", "airflow-dag-processor"):
                condition = SERVICES[waiting]["depends_on"].get(name, {}).get("condition")
                assert condition == "service_completed_successfully", f"{waiting} does not wait for {name}"
    missing = {pool: dag for pool, dag in pools.items() if pool not in imported}
    assert not missing, f"pools no init service imports (their tasks would stay scheduled forever): {missing}"


@pytest.mark.parametrize("name", YUQING_SERVICES)
def test_mounts_land_on_folders_the_image_has_and_files_that_exist(name: str) -> None:
    created = _dockerfile_dirs()
    known_dirs = BASE_IMAGE_DIRS | set(created)
    for mount in _mounts(SERVICES[name]):
        if mount.named_volume:
            if mount.target in BASE_IMAGE_DIRS:
                continue
            # An empty named volume copies the owner and mode of the folder it is mounted on; with no
            # folder there it is root-owned, and the containers run as ${AIRFLOW_UID}:0.
            made = created.get(mount.target)
            assert made is not None, (
                f"{name}: {mount.target} ({mount.source}) is not made by `install -d` in the Dockerfile"
            )
            owner, group, mode = made
            assert owner in ("airflow", "50000") and group in ("0", "root"), f"{mount.target} owned by {owner}:{group}"
            assert mode.isdigit() and int(mode, 8) & 0o020, f"{mount.target} mode {mode} is not group-writable"
            continue
        for host in _host_paths(mount.source):
            assert host.exists(), f"{name}: mount source {host} does not exist"
            folder = mount.target if host.is_dir() else str(PurePosixPath(mount.target).parent)
            assert folder in known_dirs, f"{name}: {folder} is neither made by the Dockerfile nor in the base image"


def test_default_watchlists_collect_from_public_sources_and_mail_to_mailpit() -> None:
    for path in _mounted_watchlists():
        _assert_collects_and_mails(path)


def _assert_collects_and_mails(path: Path) -> None:
    watchlist: Watchlist = load_watchlist(path)
    smtp_ports = {int(str(port).rsplit(":", 1)[1]) for port in SERVICES["mailpit"]["ports"]}
    assert any(str(port).endswith(":8025") for port in SERVICES["mailpit"]["ports"]), "Mailpit's inbox is not published"

    def channel_types(route: str) -> set[str]:
        kinds: set[str] = set()
        for channel in (watchlist.channels[name] for name in watchlist.routes[route].channels):
            if channel.type == "email":
                assert channel.smtp_host in SERVICES, f"{route}: SMTP host {channel.smtp_host} is no compose service"
                assert channel.smtp_port in smtp_ports and channel.sender and channel.recipients
            kinds.add(channel.type)
        return kinds

    for brand in watchlist.brands:
        assert {"mastodon", "weibo-search"} <= set(brand.sources), f"{path}, {brand.name}: {brand.sources}"
        # Only whole words are read as hashtag timelines; status search without a token finds nothing.
        assert any(not re.search(r"\s", keyword) for keyword in brand.search_keywords), brand.name
        assert {"email", "console"} <= channel_types(brand.route), f"{brand.name}: incidents reach {brand.route}"
        assert brand.briefing_route and "email" in channel_types(brand.briefing_route), f"{brand.name}: briefing"


def test_variables_the_stack_reads_are_documented_in_env_example() -> None:
    documented = _env_example()
    undocumented = sorted(
        name
        for name, rest in INTERPOLATION.findall(COMPOSE_TEXT)
        if name not in documented and not rest.startswith((":-", "-"))
    )
    assert not undocumented, f"used in docker-compose.yml, missing from .env.example: {undocumented}"
    environment = {key for name in YUQING_SERVICES for key in SERVICES[name].get("environment", {})}
    channel_secrets = {
        variable
        for path in _mounted_watchlists()
        for channel in load_watchlist(path).channels.values()
        for variable in (channel.url_env, channel.secret_env)
        if variable
    }
    secrets = _secret_variables() | channel_secrets
    assert "YUQING_WEIBO_COOKIE" in secrets
    missing = sorted(secrets - environment - set(documented))
    assert not missing, f"secrets the services read from .env but .env.example does not mention: {missing}"
    # An empty assignment reaches the containers as an empty string, which the settings take for a value.
    empty = sorted(name for name, (commented, value) in documented.items() if not commented and not value)
    assert not empty, f"comment these out in .env.example instead of leaving them empty: {empty}"


def test_compose_version_that_reads_optional_env_files_is_stated() -> None:
    optional_env_file = any(
        isinstance(entry, dict) and entry.get("required") is False
        for service in SERVICES.values()
        for entry in service.get("env_file", [])
    )
    header = COMPOSE_TEXT.split("\n\n", 1)[0]
    needs = re.compile(r"Docker Compose[^\n\d]{0,12}2\.24")
    assert not optional_env_file or needs.search(header), "the compose file header does not say Compose >= 2.24"
    assert not optional_env_file or needs.search(_production_section()), "README Production: Compose >= 2.24"


def test_readme_production_section_counts_and_names_the_one_shot_services() -> None:
    section = _production_section()
    for name in ONE_SHOT:
        assert f"`{name}`" in section, f"README Production does not name the one-shot service {name}"
    numbers = "|".join(NUMBER_WORDS)
    for word in re.findall(rf"\b({numbers}|\d+) (?:init|one-shot) services\b", section, re.IGNORECASE):
        count = int(word) if word.isdigit() else NUMBER_WORDS[word.lower()]
        assert count == len(ONE_SHOT), f"README says {word!r} one-shot services; there are {len(ONE_SHOT)}"


def test_readme_production_section_says_where_source_health_is() -> None:
    assert "docker compose exec airflow-scheduler yuqing sources" in _production_section()
