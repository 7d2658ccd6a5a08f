"""Real Celery workers for pipeline tests: started as separate processes on the test database, the
test's documents folder and a broker of the test's choosing (filesystem folders or a Redis server)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection
from kombu import pools

from attestation.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent


def database_url_of_tests() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float = 60.0, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@contextmanager
def publisher(broker_url: str, transport_options: dict):
    """Point this process's Celery app at the test broker and stop running tasks inline."""
    saved = {k: celery_app.conf[k] for k in ("broker_url", "broker_transport_options", "task_always_eager")}
    celery_app.conf.update(broker_url=broker_url, broker_transport_options=transport_options,
                           task_always_eager=False)
    _reset_pools()
    try:
        yield
    finally:
        _reset_pools()
        celery_app.conf.update(saved)


def _reset_pools():
    # Celery keeps a connection pool, and kombu a process-wide registry of producer pools keyed by
    # connection: both must go, or the next broker is reached through a closed pool.
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    pools.reset()


@contextmanager
def worker(*, var_dir: Path, documents_dir: Path, broker_url: str, concurrency: int = 1, log_name: str = "worker",
           env: dict[str, str] | None = None):
    """A `celery worker` process; yields (process, log path) once it is ready (``env``: more variables)."""
    extra = env or {}
    environment = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "PYTEST_CURRENT_TEST")}
    environment.update({
        "DJANGO_SETTINGS_MODULE": "attestation.settings", "DATABASE_URL": database_url_of_tests(),
        "CELERY_BROKER_URL": broker_url, "ATTESTATION_VAR_DIR": str(var_dir),
        "ATTESTATION_DOCUMENTS_DIR": str(documents_dir), "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_VISIBILITY_TIMEOUT": "30", "PYTHONUNBUFFERED": "1", **extra,
    })
    log_path = var_dir / f"{log_name}.log"
    log = open(log_path, "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "attestation", "worker", "--concurrency", str(concurrency),
         "--loglevel", "INFO", "--without-mingle", "--without-gossip", "--hostname", f"{log_name}@%h"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "ready." in log_path.read_text() or process.poll() is not None, 60, what="worker start")
        assert process.poll() is None, log_path.read_text()
        yield process, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def filesystem_broker(var_dir: Path) -> tuple[str, dict]:
    queue, processed = var_dir / "broker" / "queue", var_dir / "broker" / "processed"
    control = var_dir / "broker" / "control"
    shutil.rmtree(var_dir / "broker", ignore_errors=True)
    for folder in (queue, processed, control):
        folder.mkdir(parents=True)
    return "filesystem://localhost//", {"data_folder_in": str(queue), "data_folder_out": str(queue),
                                        "processed_folder": str(processed), "control_folder": str(control),
                                        "store_processed": False}


@contextmanager
def redis_server(port: int, data_dir: Path):
    """A private redis-server on a spare port (never the shared one)."""
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(data_dir)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def accepting():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False

    wait_until(accepting, 15, what="redis-server")
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def redis_transport_options() -> dict:
    return dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS if "visibility_timeout" in
                settings.CELERY_BROKER_TRANSPORT_OPTIONS else {"visibility_timeout": 30, "socket_connect_timeout": 2,
                                                               "socket_timeout": 5})
