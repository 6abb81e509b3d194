"""deploy/compose.yaml: parsed (PyYAML) and checked service by service, then the same services started as processes
on 127.0.0.1: PostgreSQL (the fixture's server), two dashboards, two APIs and the retraining worker, each with the
command its entrypoint role runs and the environment the file gives it; each must answer (dashboard HTTP 200, API
/v1/health, the worker's heartbeat in the store).

What differs from the containers, and why: 127.0.0.1 and free ports instead of 0.0.0.0 and the fixed ports; the
fixture's database and temp folders instead of the volumes; one API process each instead of SUITE_API_WORKERS=2,
the dashboards started with --no-warm-up and the two of them without SUITE_RAY_ADDRESS (on 2 shared CPU cores
four processes loading every model would take minutes, and the Ray Serve tier has its own tests); the worker's
Ray is a local one it starts itself (SUITE_RAY_ADDRESS=local) instead of the ray-head service, when ray is
installed. No reverse proxy runs; its Caddyfile is checked against the services instead.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from suite.settings import Settings
from suite.store import Store
from tests.scale.postgres_server import postgres_server, postgres_url  # noqa: F401 (fixtures)

pytestmark = pytest.mark.scale  # several processes or a cluster: make test-scale

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SUITE = str(Path(sys.executable).with_name("suite"))
SUITE_SERVICES = ("prepare", "ray-head", "ray-worker", "dashboard-1", "dashboard-2", "api-1", "api-2", "worker")
STARTED = ("dashboard-1", "dashboard-2", "api-1", "api-2", "worker")
PASSWORD = "test-password"


def _interpolate(value, env: dict[str, str]):
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?message} in every string of the file."""
    if isinstance(value, dict):
        return {k: _interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match) -> str:
        name, op, rest = match.group(1), match.group(2), match.group(3) or ""
        if name in env and env[name]:
            return env[name]
        if op == ":?":
            raise AssertionError(f"{name} must be set: {rest}")
        return rest

    return re.sub(r"\$\{(\w+)(?:(:[-?])([^}]*))?\}", one, value)


@pytest.fixture(scope="module")
def compose() -> dict:
    raw = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return _interpolate(raw, {"POSTGRES_PASSWORD": PASSWORD})


def _entrypoint_roles() -> dict[str, list[str]]:
    """role -> the `suite` arguments scripts/docker-entrypoint execs for it (before the service's own arguments)."""
    roles = {}
    for line in (ROOT / "scripts" / "docker-entrypoint").read_text().splitlines():
        match = re.match(r'\s*(\w+)\) exec "\$SUITE" (.*?) "\$@" ;;', line)
        if match:
            roles[match.group(1)] = shlex.split(match.group(2))
    return roles


def _suite_args(service: dict, env: dict[str, str]) -> list[str]:
    """The `suite` command line the container of `service` runs, as the entrypoint builds it."""
    role, *rest = service["command"]
    args = _entrypoint_roles().get(role, [role])
    expanded = [re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: env.get(m.group(1)) or m.group(2), a) for a in args]
    return [*expanded, *rest]


# -- the file ---------------------------------------------------------------------------------------------
def test_every_tier_is_a_service_of_the_project_image_or_an_official_one(compose):
    services = compose["services"]
    assert set(services) == {*SUITE_SERVICES, "postgres", "proxy"}
    assert services["postgres"]["image"].startswith("postgres:") and services["proxy"]["image"].startswith("caddy:")
    extras = {
        line.split("=")[0].strip() for line in (ROOT / "pyproject.toml").read_text().splitlines() if " = [" in line
    }
    for name in SUITE_SERVICES:
        build = services[name]["build"]
        assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == ROOT / "Dockerfile", name
        assert set(build["args"]["SUITE_EXTRAS"].split(",")) <= extras and "scale" in build["args"]["SUITE_EXTRAS"]
    assert "ARG SUITE_EXTRAS" in (ROOT / "Dockerfile").read_text()


def test_each_service_runs_a_real_role_with_options_the_cli_has(compose):
    from suite.cli import app

    services, roles = compose["services"], _entrypoint_roles()
    assert set(roles) == {"dashboard", "api", "worker"}
    expected = {
        "dashboard-1": ["dashboard", "--no-worker"],
        "dashboard-2": ["dashboard", "--no-worker"],
        "api-1": ["api"],
        "api-2": ["api"],
        "worker": ["worker", "--ray"],
        "prepare": ["prepare"],
    }
    for name, command in expected.items():
        assert services[name]["command"] == command, name
        args = _suite_args(services[name], services[name]["environment"])
        options = [a for a in args if a.startswith("--")]
        shown = CliRunner().invoke(app, [args[0], "--help"], terminal_width=200)
        assert shown.exit_code == 0, shown.output
        for option in options:
            assert option in shown.output, f"{name}: suite {args[0]} has no {option}"
    head, worker = services["ray-head"], services["ray-worker"]
    assert head["entrypoint"] == worker["entrypoint"] == ["/app/.venv/bin/ray"]
    assert head["command"][:3] == ["start", "--head", "--block"]
    gcs_port = next(a.split("=")[1] for a in head["command"] if a.startswith("--port="))
    assert worker["command"] == ["start", f"--address=ray-head:{gcs_port}", "--block"]
    assert worker["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]


def test_the_environment_points_every_process_at_the_shared_tiers(compose):
    services = compose["services"]
    pg = services["postgres"]["environment"]
    client_port = next(a.split("=")[1] for a in services["ray-head"]["command"] if a.startswith("--ray-client-server"))
    homes = set()
    for name in SUITE_SERVICES:
        env = services[name]["environment"]
        settings = Settings.from_env(env)  # every value passes the settings' own checks
        assert (
            settings.database_url == f"postgresql://{pg['POSTGRES_USER']}:{PASSWORD}@postgres:5432/{pg['POSTGRES_DB']}"
        )
        assert settings.ray_address == f"ray://ray-head:{client_port}"
        assert env["SUITE_PREPARE"] == "0", name  # only the prepare service builds models, once
        mounts = dict(reversed(volume.split(":")[:2]) for volume in services[name]["volumes"])
        assert mounts[str(settings.models_dir)] == "models", name  # the one shared model folder
        homes.add(mounts[str(settings.home)])
    assert len(homes) == len(SUITE_SERVICES)  # each process its own SUITE_HOME (its journal)
    used = {v.split(":")[0] for s in services.values() for v in s.get("volumes", []) if not v.startswith(".")}
    assert used <= set(compose["volumes"])


def test_start_order_and_ports(compose):
    services = compose["services"]
    for name, service in services.items():
        for other in service.get("depends_on", {}):
            assert other in services, f"{name} depends on unknown {other}"
    for name in ("dashboard-1", "dashboard-2", "api-1", "api-2", "worker", "ray-head"):
        needs = services[name]["depends_on"]
        assert needs["postgres"]["condition"] == "service_healthy", name
        assert needs["prepare"]["condition"] == "service_completed_successfully", name
    assert services["prepare"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert set(services["proxy"]["depends_on"]) == {"dashboard-1", "dashboard-2", "api-1", "api-2"}
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    published = {name: s.get("ports", []) for name, s in services.items()}
    assert published["proxy"] == ["80:80", "8000:8000"]
    assert published["ray-head"] == ["127.0.0.1:8265:8265"]  # the Ray dashboard stays on the host
    assert all(not ports for name, ports in published.items() if name not in ("proxy", "ray-head"))


def test_the_proxy_sends_browsers_to_the_dashboards_and_clients_to_the_apis(compose):
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in compose["services"]["proxy"]["volumes"]
    roles = _entrypoint_roles()
    dashboard_port = roles["dashboard"][roles["dashboard"].index("--port") + 1]
    api_port = roles["api"][roles["api"].index("--port") + 1]
    sites = dict(re.findall(r"^(:\d+) \{\n\treverse_proxy ([^{]+?) \{", caddy, flags=re.M))
    assert sites[":80"].split() == [f"dashboard-1:{dashboard_port}", f"dashboard-2:{dashboard_port}"]
    assert sites[":8000"].split() == [f"api-1:{api_port}", f"api-2:{api_port}"]
    assert "lb_policy cookie" in caddy and "health_uri /_stcore/health" in caddy and "health_uri /v1/health" in caddy


# -- the services as processes ------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, answer.read()
    except OSError:
        return 0, b""


def _local(args: list[str], port: int | None) -> list[str]:
    """The container's arguments on 127.0.0.1 and a free port."""
    args = ["127.0.0.1" if a == "0.0.0.0" else a for a in args]
    if port is not None:
        args[args.index("--port") + 1] = str(port)
    return args


def test_the_services_start_as_processes_and_answer(compose, postgres_url, tmp_path):  # noqa: F811
    services = compose["services"]
    try:
        import ray  # noqa: F401

        ray_address = "local"
    except ImportError:
        ray_address = ""
    shared = tmp_path / "models"
    started: dict[str, tuple[subprocess.Popen, int | None, Path]] = {}
    try:
        for name in STARTED:
            env = dict(services[name]["environment"])
            env.update(
                SUITE_DATABASE_URL=postgres_url,
                SUITE_MODELS_URI=f"file://{shared}",
                SUITE_HOME=str(tmp_path / name),
                SUITE_DEVICE="cpu",
                SUITE_API_WORKERS="1",
                SUITE_RAY_ADDRESS=ray_address if name == "worker" else "",
            )
            args = _suite_args(services[name], env)
            port = _free_port() if "--port" in args else None
            args = _local(args, port)
            if name == "worker" and not ray_address:
                args.remove("--ray")
            if args[0] == "serve":
                args.append("--no-warm-up")
            log = tmp_path / f"{name}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [SUITE, *args], env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, start_new_session=True,
                )  # fmt: skip
            started[name] = (process, port, log)

        waiting = set(STARTED)
        store = Store(Settings.from_env({}, home=tmp_path / "checker", database_url=postgres_url))
        deadline = time.monotonic() + 150
        try:
            while waiting and time.monotonic() < deadline:
                for name in sorted(waiting):
                    process, port, log = started[name]
                    assert process.poll() is None, f"{name} exited {process.returncode}: {log.read_text()[-2000:]}"
                    if name.startswith("dashboard"):
                        ok = _get(f"http://127.0.0.1:{port}/")[0] == 200
                        ok = ok and _get(f"http://127.0.0.1:{port}/_stcore/health")[0] == 200  # the proxy's check
                    elif name.startswith("api"):
                        status, body = _get(f"http://127.0.0.1:{port}/v1/health")
                        ok = status == 200 and b'"status":"ok"' in body
                    else:
                        rows = store.query(
                            "SELECT * FROM job_workers WHERE pid = ? AND stopped_at IS NULL", [process.pid]
                        )
                        ok = bool(rows)
                    if ok:
                        waiting.discard(name)
                time.sleep(1)
            logs = {name: started[name][2].read_text()[-1500:] for name in waiting}
            assert not waiting, f"no answer from {sorted(waiting)} in 150 s: {logs}"
            # two dashboards started together on one store: one made the first admin, the other found it
            assert store.scalar("SELECT count(*) FROM users") == 1
            first = [n for n in ("dashboard-1", "dashboard-2") if (tmp_path / n / "initial-admin-password").exists()]
            assert len(first) == 1, first
            if ray_address:
                assert "Retraining jobs train as Ray tasks on the cluster at local." in started["worker"][2].read_text()
        finally:
            store.close()

        worker = started["worker"][0]
        worker.send_signal(signal.SIGTERM)  # the worker stops cleanly and says so in the store
        worker.wait(timeout=60)
        store = Store(Settings.from_env({}, home=tmp_path / "checker", database_url=postgres_url))
        try:
            [row] = store.query("SELECT * FROM job_workers WHERE pid = ?", [worker.pid])
            assert row["stopped_at"] is not None
        finally:
            store.close()
    finally:
        for process, _, _ in started.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, _, _ in started.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # the group this test started for it
                process.wait(timeout=10)
