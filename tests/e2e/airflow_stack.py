"""The deployment under test: the real Airflow processes (api-server, dag-processor, scheduler; LocalExecutor on a
SQLite metadata DB in a throw-away AIRFLOW_HOME) running the repository's `dags/` with yuqing configured by
environment, and what a test reads back: the metadata DB (read only), the REST API, the processes' logs.

Start order matters. The api-server and the dag-processor come first; once the DAGs are in the metadata DB the
DAGs a test does not want are paused, and only then is the scheduler started, so that nothing runs that was
not asked for. Every process runs in its own process group; task processes start sessions of their own, so
`stop` walks /proc for every descendant before it sends SIGTERM, then SIGKILL to what is left.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import requests

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
AIRFLOW = Path(sys.executable).with_name("airflow")
YUQING_DAGS = ("complaint_monitor", "spread_tracker", "daily_briefing", "retrain_classifiers")
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def watchlist_yaml(brands: Iterable[str], hook_url: str, channels: Iterable[str] = ("pager", "pr-desk")) -> str:
    """Each brand searched on Weibo by its name and routed to webhook channels at `<hook_url>/<channel>`."""
    names = list(channels)
    lines = ["brands:"]
    for brand in brands:
        lines += [f"  - name: {brand}", f"    keywords: [{brand}]", "    sources: [weibo-search]", "    route: oncall"]
    lines += ["routes:", "  oncall:", f"    channels: [{', '.join(names)}]", "channels:"]
    for name in names:
        lines += [f"  {name}:", "    type: webhook", f'    url: "{hook_url}/{name}"', "    timeout_s: 5"]
    return "\n".join(lines) + "\n"


def yuqing_env(
    folder: Path, watchlist: Path, weibo_url: str, schedules: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The YUQING_* settings of the deployment: store in `folder`, Weibo at `weibo_url` without polite delays.
    `schedules` maps a DAG id to its cron (YUQING_SCHEDULES__<DAG>); left out, the shipped schedule holds."""
    env = {
        "YUQING_DATA_DIR": str(folder),
        "YUQING_WATCHLIST": str(watchlist),
        "YUQING_SCORER": "model",
        "YUQING_WEIBO__SEARCH_BASE_URL": weibo_url,
        "YUQING_WEIBO__MOBILE_BASE_URL": weibo_url,
        "YUQING_WEIBO__DELAY_S": "0",
        "YUQING_WEIBO__JITTER_S": "0",
        "YUQING_WEIBO_COOKIE": "SUB=test",
    }
    for dag_id, cron in (schedules or {}).items():
        env[f"YUQING_SCHEDULES__{dag_id.upper()}"] = cron
    return env


@dataclass(frozen=True)
class TaskRun:
    """One task instance as the metadata DB has it (times in UTC; None until they happen)."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    label: str | None  # the rendered map index (the brand, for the mapped collect/enrich/store tasks)
    state: str | None
    queued: datetime | None
    start: datetime | None
    end: datetime | None
    try_number: int


@dataclass
class AirflowStack:
    """See the module docstring. `yuqing` holds the YUQING_* settings every Airflow process gets."""

    home: Path
    yuqing: Mapping[str, str]
    port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    _jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))  # the same in every process
    _token: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def logs(self) -> Path:
        return self.home / "process-logs"

    @property
    def metadata_db(self) -> Path:
        return self.home / "airflow.db"

    def env(self) -> dict[str, str]:
        """This environment without any AIRFLOW*/YUQING_* setting, plus the stack's own."""
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "YUQING_", "PYTEST_"))}
        return {
            **base,
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",  # as in docker-compose.yml
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
            "AIRFLOW__API_AUTH__JWT_SECRET": self._jwt_secret,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.metadata_db}",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            **self.yuqing,
        }

    # -- lifecycle -----------------------------------------------------------------------------------------

    def start(self, pause: Iterable[str] = (), timeout: float = 150.0) -> None:
        """Migrate, import the pools, start the three processes; DAGs in `pause` are paused before the scheduler
        starts. Raises AssertionError (with the logs' tails) when a step does not finish within `timeout`."""
        deadline = time.monotonic() + timeout
        self.logs.mkdir(parents=True, exist_ok=True)
        (self.home / "passwords.json").write_text(json.dumps({"admin": self._password}), encoding="utf-8")
        self._cli("db", "migrate", timeout=deadline - time.monotonic())
        self._cli("pools", "import", str(DAGS / "pools.json"), timeout=deadline - time.monotonic())
        self._spawn("api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.port))
        self._spawn("dag-processor", "dag-processor")
        self.wait_for("the api-server to answer", self._api_healthy, deadline - time.monotonic())
        self.wait_for("the DAGs to be parsed", self._dags_parsed, deadline - time.monotonic())
        for dag_id in pause:
            self.api("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": True})
        self._spawn("scheduler", "scheduler")
        self.wait_for("the scheduler to heartbeat", self._scheduler_healthy, deadline - time.monotonic())

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM to every process of the stack (scheduler first: it stops starting tasks), SIGKILL after
        `grace` seconds to whatever is still there."""
        order = [name for name in ("scheduler", "dag-processor", "api-server") if name in self.processes]
        victims: list[int] = []
        for name in order:
            process = self.processes[name]
            family = [process.pid, *_descendants(process.pid)]
            victims += family
            _signal_all(family, signal.SIGTERM, group=process.pid)
        end = time.monotonic() + grace
        for name in order:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.processes[name].wait(timeout=max(0.1, end - time.monotonic()))
        survivors = [pid for pid in victims if _alive(pid)]
        survivors += [child for pid in survivors for child in _descendants(pid)]
        for name in order:
            _signal_all([], signal.SIGKILL, group=self.processes[name].pid)
        _signal_all(survivors, signal.SIGKILL)
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        self.processes.clear()

    def _cli(self, *args: str, timeout: float) -> None:
        log = self.logs / "cli.log"
        with log.open("ab") as out:
            out.write(f"$ airflow {' '.join(args)}\n".encode())
            out.flush()
            done = subprocess.run(
                [str(AIRFLOW), *args],
                env=self.env(),
                cwd=self.home,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=max(timeout, 1.0),
                check=False,
            )
        if done.returncode != 0:
            raise AssertionError(f"airflow {' '.join(args)} exited {done.returncode}\n{self.log_tails()}")

    def _spawn(self, name: str, *args: str) -> None:
        with (self.logs / f"{name}.log").open("ab") as out:
            self.processes[name] = subprocess.Popen(
                [str(AIRFLOW), *args],
                env=self.env(),
                cwd=self.home,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    # -- waiting and reporting -----------------------------------------------------------------------------

    def wait_for(self, what: str, probe: Callable[[], T | None], timeout: float, interval: float = 1.0) -> T:
        """Poll `probe` until it returns something truthy; AssertionError with the logs' tails on timeout or
        when a process of the stack has died."""
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            self.check_alive()
            value = probe()
            if value:
                return value
            if time.monotonic() >= deadline:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{self.log_tails()}")
            time.sleep(interval)

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise AssertionError(f"airflow {name} exited with {process.returncode}\n{self.log_tails()}")

    def log_tails(self, lines: int = 25) -> str:
        """The last lines of each process log (and of failed task logs), for assertion messages."""
        parts = []
        for path in sorted(self.logs.glob("*.log")) if self.logs.exists() else []:
            tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name} (last {len(tail)} lines)\n" + "\n".join(tail))
        for run in self.task_runs():
            if run.state in ("failed", "up_for_retry", "upstream_failed"):
                parts.append(f"--- task {run.dag_id}.{run.task_id}[{run.map_index}] {run.run_id}: {run.state}")
                for path in self._task_logs(run)[-1:]:
                    tail = path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
                    parts.append("\n".join(tail))
        return "\n".join(parts)

    def _task_logs(self, run: TaskRun) -> list[Path]:
        folder = self.home / "logs" / f"dag_id={run.dag_id}" / f"run_id={run.run_id}" / f"task_id={run.task_id}"
        if run.map_index >= 0:
            folder = folder / f"map_index={run.map_index}"
        return sorted(folder.glob("attempt=*.log")) if folder.exists() else []

    def task_log(self, run: TaskRun) -> list[dict[str, Any]]:
        """The structured lines of a task's latest attempt log (JSON objects; others skipped)."""
        logs = self._task_logs(run)
        lines = logs[-1].read_text(encoding="utf-8", errors="replace").splitlines() if logs else []
        records = []
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict):
                records.append(record)
        return records

    # -- what the stack knows ------------------------------------------------------------------------------

    def _query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        if not self.metadata_db.exists():
            return []
        try:
            with sqlite3.connect(f"file:{self.metadata_db}?mode=ro", uri=True, timeout=10) as db:
                return list(db.execute(sql, params))
        except sqlite3.OperationalError:  # tables not there yet, or busy past the timeout
            return []

    def _api_healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/api/v2/monitor/health", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def _dags_parsed(self) -> bool:
        found = {row[0] for row in self._query("SELECT dag_id FROM serialized_dag")}
        return found.issuperset(YUQING_DAGS)

    def _scheduler_healthy(self) -> bool:
        try:
            health = requests.get(f"{self.url}/api/v2/monitor/health", timeout=5).json()
        except (requests.RequestException, ValueError):
            return False
        return bool(health.get("scheduler", {}).get("status") == "healthy")

    def token(self) -> str:
        if self._token is None:
            answer = requests.post(
                f"{self.url}/auth/token", json={"username": "admin", "password": self._password}, timeout=10
            )
            answer.raise_for_status()
            self._token = str(answer.json()["access_token"])
        return self._token

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One call of the REST API (/api/v2/...) as the admin user."""
        answer = requests.request(
            method, f"{self.url}{path}", json=body, headers={"Authorization": f"Bearer {self.token()}"}, timeout=15
        )
        if answer.status_code >= 400:
            raise AssertionError(f"{method} {path}: HTTP {answer.status_code} {answer.text[:300]}")
        return answer.json() if answer.content else None

    def task_runs(self, dag_id: str | None = None) -> list[TaskRun]:
        """Every task instance of the DAG (or all DAGs), oldest first."""
        sql = (
            "SELECT dag_id, run_id, task_id, map_index, rendered_map_index, state, queued_dttm, start_date,"
            " end_date, try_number FROM task_instance"
        )
        rows = self._query(sql + " WHERE dag_id = ?", dag_id) if dag_id else self._query(sql)
        runs = [
            TaskRun(dag_id, run_id, task_id, map_index, label, state, _time(queued), _time(start), _time(end), tries)
            for dag_id, run_id, task_id, map_index, label, state, queued, start, end, tries in rows
        ]
        return sorted(runs, key=lambda run: (run.start or datetime.max.replace(tzinfo=UTC), run.task_id))

    def dag_runs(self, dag_id: str) -> list[tuple[str, str, datetime | None, datetime | None]]:
        """(run id, state, start, end) of each run of `dag_id`, oldest first."""
        rows = self._query("SELECT run_id, state, start_date, end_date FROM dag_run WHERE dag_id = ?", dag_id)
        runs = [(row[0], row[1], _time(row[2]), _time(row[3])) for row in rows]
        return sorted(runs, key=lambda run: run[2] or datetime.max.replace(tzinfo=UTC))


def _time(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc (task processes leave the process group of their parent)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_all(pids: Iterable[int], signum: signal.Signals, group: int | None = None) -> None:
    if group is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, signum)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)
