"""A real server for the tests that need one: several uvicorn workers (``web.server``) on a
free port, over a database of their own (a copy of the test template with the bundled OSM
demo loaded), so that writes commit and every worker sees them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from sqlalchemy import create_engine
from sqlalchemy.engine import URL

from registry.config import PROJECT_ROOT, Settings
from registry.database import Database
from tests.conftest import TEMPLATE, _admin_engine, _drop, _recreate


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def live_database(base_url: URL, settings: Settings) -> Iterator[str]:
    """A database of one's own: the test template (the ``test_database_url`` fixture builds
    it) plus the OSM demo (streets, buildings, approved places), committed; its URL."""
    from importers.osm import run_demo

    name = f"diachi_live_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine(base_url)
    _recreate(admin, name, TEMPLATE)
    url = base_url.set(database=name).render_as_string(hide_password=False)
    engine = create_engine(url)
    run_demo(Database(engine), settings.data_dir)
    engine.dispose()
    yield url
    _drop(admin, name)
    admin.dispose()


@contextmanager
def live_server(database_url: str, workers: int = 2, timeout_s: float = 120) -> Iterator[str]:
    """``python -m web.server`` with ``workers`` workers on a free port; its base URL."""
    port = free_port()
    env = {**os.environ, "DIACHI_DATABASE_URL": database_url, "PYTHONPATH": str(PROJECT_ROOT)}
    log = (PROJECT_ROOT / ".diachi").joinpath(f"live-server-{port}.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "web.server", "--port", str(port), "--workers", str(workers)],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited ({proc.returncode}): {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not up after {timeout_s} s: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.unlink(missing_ok=True)
