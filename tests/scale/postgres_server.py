"""A throwaway PostgreSQL server for tests: the Debian package's `initdb`/`pg_ctl` in a temp folder, 127.0.0.1 only.

`postgres_server` (session) starts one server on a free port and stops it afterwards; `postgres_url` gives each
test a database of its own on it. When the server binaries are missing they are installed with
`scripts/apt-install postgresql` (as `make install-dev` does); only when that is impossible do the tests skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_as() -> list[str]:
    """initdb refuses to run as root: run the server as the `postgres` user (or `nobody`) then."""
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return ["runuser", "-u", user, "--"]
    pytest.skip("PostgreSQL cannot run as root and there is no postgres or nobody user to run it as")


@dataclass
class PostgresServer:
    port: int
    folder: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://suite@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start_server() -> Iterator[PostgresServer]:
    bin_dir = _bin_dir()
    if bin_dir is None:
        install = subprocess.run([str(ROOT / "scripts" / "apt-install"), "postgresql"], capture_output=True, text=True)
        bin_dir = _bin_dir()
        if bin_dir is None:
            pytest.skip(f"PostgreSQL is not installed and could not be installed: {install.stderr.strip()[-300:]}")
    prefix = _run_as()
    folder = Path(tempfile.mkdtemp(prefix="suite-pg-"))
    folder.chmod(0o755)
    if prefix:
        shutil.chown(folder, user=prefix[2])
    data, port = folder / "data", _free_port()
    subprocess.run(
        [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "suite", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    ctl = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data)]
    subprocess.run(
        [*ctl, "-l", str(folder / "server.log"), "-o", options, "-w", "start"], check=True, capture_output=True
    )
    try:
        yield PostgresServer(port, folder)
    finally:
        subprocess.run([*ctl, "-m", "fast", "-w", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    yield from start_server()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty database of the session's server."""
    return postgres_server.create_database()
