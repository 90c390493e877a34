"""A PostgreSQL + PostGIS cluster private to one checkout.

Layout under the state directory (``.diachi/`` in the checkout):

- ``pgdata/`` the cluster, owned by the unprivileged ``postgres`` user when run
  as root (PostgreSQL refuses to run as root). When the checkout cannot be
  read by that user (a clone under a 0700 home), the cluster lives in
  ``/var/lib/diachi/<checkout hash>/pgdata`` and ``pgdata`` is a symlink to it.
- ``run/`` the Unix socket directory (``/tmp/diachi-<hash>`` if the path would
  exceed the 107-byte socket limit), mode 0700 so only the owner and root
  connect through it.
- ``port`` the TCP port on 127.0.0.1, picked free on first start and kept.
- ``password`` the generated password of the ``diachi`` role (mode 0600); TCP
  connections use scram-sha-256, never trust.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

PG_BIN = Path("/usr/lib/postgresql/15/bin")
DB_NAME = "diachi"
DB_ROLE = "diachi"
EXTENSIONS = ("postgis", "btree_gist", "pg_trgm")
SOCKET_PATH_LIMIT = 107


class ClusterError(RuntimeError):
    """The private cluster could not be created, started or reached."""


@dataclass(frozen=True)
class ClusterPaths:
    """Where one checkout's cluster keeps its files."""

    state_dir: Path

    @property
    def key(self) -> str:
        return hashlib.sha256(str(self.state_dir.resolve()).encode()).hexdigest()[:10]

    @property
    def pgdata(self) -> Path:
        return self.state_dir / "pgdata"

    @property
    def socket_dir(self) -> Path:
        local = self.state_dir.resolve() / "run"
        if len(str(local / ".s.PGSQL.65535")) < SOCKET_PATH_LIMIT:
            return local
        return Path(f"/tmp/diachi-{self.key}")

    @property
    def port_file(self) -> Path:
        return self.state_dir / "port"

    @property
    def password_file(self) -> Path:
        return self.state_dir / "password"

    @property
    def log_file(self) -> Path:
        return self.state_dir / "postgresql.log"


def _owner() -> str | None:
    """The user the server runs as: ``postgres`` when we are root, else ourselves (None)."""
    return "postgres" if os.geteuid() == 0 else None


def _as_owner(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    owner = _owner()
    cmd = ["runuser", "-u", owner, "--", *args] if owner else args
    return subprocess.run(cmd, text=True, capture_output=True, check=False, **kwargs)  # type: ignore[call-overload,no-any-return]  # kwargs forwarded as-is


def _chown(path: Path) -> None:
    owner = _owner()
    if owner:
        info = pwd.getpwnam(owner)
        os.chown(path, info.pw_uid, info.pw_gid)


def _owner_can_read(path: Path) -> bool:
    owner = _owner()
    if owner is None:
        return True
    return _as_owner(["test", "-x", str(path)]).returncode == 0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port(paths: ClusterPaths) -> int:
    """The cluster's TCP port, picking and recording a free one the first time."""
    if paths.port_file.exists():
        return int(paths.port_file.read_text().strip())
    chosen = _free_port()
    paths.port_file.write_text(f"{chosen}\n")
    return chosen


def password(paths: ClusterPaths) -> str:
    """The ``diachi`` role's password, generated once into a 0600 file."""
    if paths.password_file.exists():
        return paths.password_file.read_text().strip()
    value = secrets.token_urlsafe(24)
    fd = os.open(paths.password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(value + "\n")
    return value


def database_url(paths: ClusterPaths, database: str = DB_NAME) -> str:
    """SQLAlchemy URL of the private cluster over TCP on 127.0.0.1 with the password."""
    pw = quote(password(paths), safe="")
    return f"postgresql+psycopg://{DB_ROLE}:{pw}@127.0.0.1:{port(paths)}/{database}"


def _place_pgdata(paths: ClusterPaths) -> Path:
    """Create the data directory where the server's user can reach it; return its real path."""
    if paths.pgdata.exists():
        return paths.pgdata.resolve()
    if _owner_can_read(paths.state_dir):
        target = paths.pgdata
    else:
        target = Path("/var/lib/diachi") / paths.key / "pgdata"
        target.parent.mkdir(parents=True, exist_ok=True)
        paths.pgdata.symlink_to(target)
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    _chown(target)
    return target


def _initdb(paths: ClusterPaths) -> None:
    pgdata = _place_pgdata(paths)
    if (pgdata / "PG_VERSION").exists():
        return
    result = _as_owner(
        [
            str(PG_BIN / "initdb"),
            *("-D", str(pgdata), "-E", "UTF8", "--locale=C.UTF-8", "-U", "postgres"),
            *("--auth-local=trust", "--auth-host=scram-sha-256"),
        ]
    )
    if result.returncode != 0:
        raise ClusterError(f"initdb failed: {result.stderr.strip()}")
    (pgdata / "pg_hba.conf").write_text(
        "# diachi private cluster: the socket directory is 0700 (owner and root only);\n"
        "# TCP only on loopback, always with a password.\n"
        "local all all trust\n"
        "host all all 127.0.0.1/32 scram-sha-256\n"
    )
    _chown(pgdata / "pg_hba.conf")


def _server_options(paths: ClusterPaths) -> str:
    return " ".join(
        [
            "-c listen_addresses=127.0.0.1",
            f"-c port={port(paths)}",
            f"-c unix_socket_directories={paths.socket_dir}",
            "-c unix_socket_permissions=0700",
            "-c shared_buffers=1GB",
            "-c work_mem=32MB",
            "-c maintenance_work_mem=512MB",
            "-c max_connections=200",
            "-c random_page_cost=1.1",
            "-c jit=off",
            # Bulk loads write gigabytes of WAL: with the default 1 GB a 300,000-place
            # load checkpointed every 6-15 s, each checkpoint followed by full-page
            # images of every page touched again.
            "-c max_wal_size=8GB",
            "-c checkpoint_timeout=15min",
            "-c wal_compression=lz4",
        ]
    )


def _clear_stale_pid(pgdata: Path) -> None:
    """Remove ``postmaster.pid`` when no process of that pid is a postgres server."""
    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return
    try:
        pid = int(pidfile.read_text().splitlines()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        cmdline = b""
    if b"postgres" not in cmdline:
        pidfile.unlink()


def is_running(paths: ClusterPaths) -> bool:
    """True when this checkout's server answers on its socket."""
    if not paths.pgdata.exists() or not paths.port_file.exists():
        return False
    result = subprocess.run(
        [str(PG_BIN / "pg_isready"), "-h", str(paths.socket_dir), "-p", str(port(paths))],
        capture_output=True,
        check=False,
    )
    return result.returncode == 0


def psql(paths: ClusterPaths, sql: str, database: str = "postgres") -> str:
    """Run SQL as the superuser through the socket; return its output (tuples only)."""
    result = subprocess.run(
        [
            str(PG_BIN / "psql"),
            *("-h", str(paths.socket_dir), "-p", str(port(paths)), "-U", "postgres"),
            *("-d", database, "-v", "ON_ERROR_STOP=1", "-qAtc", sql),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ClusterError(f"psql failed: {result.stderr.strip()}")
    return result.stdout.strip()


def _provision(paths: ClusterPaths) -> None:
    """Create the role, the database and the extensions (idempotent)."""
    pw = password(paths).replace("'", "''")
    exists = psql(paths, f"SELECT 1 FROM pg_roles WHERE rolname = '{DB_ROLE}'")
    verb = "ALTER" if exists else "CREATE"
    psql(paths, f"{verb} ROLE {DB_ROLE} LOGIN CREATEDB PASSWORD '{pw}'")
    if not psql(paths, f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"):
        psql(paths, f"CREATE DATABASE {DB_NAME} OWNER {DB_ROLE}")
    for ext in EXTENSIONS:
        psql(paths, f"CREATE EXTENSION IF NOT EXISTS {ext}", database=DB_NAME)
    # template1 gets the extensions too, so databases the tests create have them.
    for ext in EXTENSIONS:
        psql(paths, f"CREATE EXTENSION IF NOT EXISTS {ext}", database="template1")


def start(paths: ClusterPaths) -> str:
    """Create (first time) and start the cluster; return the database URL.

    Raises :class:`ClusterError` with PostgreSQL's message when it cannot start.
    """
    if not (PG_BIN / "initdb").exists():
        raise ClusterError(f"PostgreSQL 15 is not installed ({PG_BIN} missing); run `make run`")
    paths.state_dir.mkdir(parents=True, exist_ok=True)
    _initdb(paths)
    sock = paths.socket_dir
    sock.mkdir(mode=0o700, parents=True, exist_ok=True)
    _chown(sock)
    if not is_running(paths):
        pgdata = paths.pgdata.resolve()
        _clear_stale_pid(pgdata)
        if not paths.log_file.exists():
            paths.log_file.touch()
        _chown(paths.log_file)
        result = _as_owner(
            [
                str(PG_BIN / "pg_ctl"),
                *("-D", str(pgdata), "-l", str(paths.log_file.resolve())),
                *("-o", _server_options(paths), "-w", "-t", "60", "start"),
            ]
        )
        if result.returncode != 0:
            tail = paths.log_file.read_text(errors="replace").splitlines()[-10:]
            raise ClusterError("PostgreSQL did not start:\n" + "\n".join(tail))
    _wait_ready(paths)
    _provision(paths)
    return database_url(paths)


def _wait_ready(paths: ClusterPaths, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not is_running(paths):
        if time.monotonic() > deadline:
            raise ClusterError("PostgreSQL started but does not answer on its socket")
        time.sleep(0.2)


def stop(paths: ClusterPaths) -> bool:
    """Stop the cluster (fast shutdown); False when it was not running."""
    if not is_running(paths):
        return False
    result = _as_owner(
        [str(PG_BIN / "pg_ctl"), "-D", str(paths.pgdata.resolve()), "-m", "fast", "-w", "stop"]
    )
    if result.returncode != 0:
        raise ClusterError(f"pg_ctl stop failed: {result.stderr.strip()}")
    return True


def destroy(paths: ClusterPaths) -> None:
    """Stop and delete the cluster and its recorded port and password."""
    stop(paths)
    real = paths.pgdata.resolve() if paths.pgdata.exists() else None
    if paths.pgdata.is_symlink():
        paths.pgdata.unlink()
    if real is not None:
        shutil.rmtree(real, ignore_errors=True)
    for f in (paths.port_file, paths.password_file):
        with contextlib.suppress(FileNotFoundError):
            f.unlink()
