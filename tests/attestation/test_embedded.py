"""Stopping ``make run`` stops everything it started (issue 18, item 12): SIGTERM to ``make`` (which passes it on to
``manage.py embedded``) or Ctrl-C (SIGINT to ``manage.py embedded``; the terminal sends it to the foreground group,
where the worker is not) ends the web server, the Celery worker, its pool processes and beat. The portal runs for
real: SQLite and the filesystem broker in a folder of the test's own, on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.worker

START_SECONDS = 240  # the first start migrates a new SQLite database and seeds the demo


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _state(pid: int) -> str | None:
    """The process's state letter (R, S, Z …), or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return stat.rsplit(")", 1)[1].split()[0]


def alive(pid: int) -> bool:
    return _state(pid) not in (None, "Z", "X")


def descendants(pid: int) -> set[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("embedded")


def run_portal(command: list[str], var_dir: Path, port: int) -> tuple[subprocess.Popen, Path]:
    """Start the portal as a person does, outside the test's settings: no test database, no eager tasks."""
    env = {key: value for key, value in os.environ.items()
           if key not in ("DATABASE_URL", "REDIS_URL", "PYTEST_VERSION", "CELERY_TASK_ALWAYS_EAGER", "DEBUG")}
    env.update(ATTESTATION_VAR_DIR=str(var_dir), PUBLIC_BASE_URL=f"http://127.0.0.1:{port}")
    log = var_dir / f"run-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return process, log


def wait_until_running(process: subprocess.Popen, log: Path, port: int) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        text = log.read_text(errors="replace")
        if " ready." in text and "beat: Starting" in text:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
        time.sleep(0.5)
    pytest.fail(f"the portal did not start: {log.read_text(errors='replace')[-3000:]}")


@pytest.mark.parametrize(("how", "stop"), [("make", signal.SIGTERM), ("manage.py", signal.SIGINT)],
                         ids=["SIGTERM to make run", "Ctrl-C to manage.py embedded"])
def test_stopping_make_run_leaves_nothing_running(var_dir, how, stop):
    port = free_port()
    python = str(settings.BASE_DIR / ".venv" / "bin" / "python")
    command = (["make", "-s", "-o", "setup", "run", f"RUN_ARGS=--addrport 127.0.0.1:{port}"] if how == "make"
               else [python if os.path.exists(python) else "python", "manage.py", "embedded", "--addrport",
                     f"127.0.0.1:{port}"])
    process, log = run_portal(command, var_dir, port)
    started: set[int] = set()
    try:
        wait_until_running(process, log, port)
        started = descendants(process.pid)
        commands = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ") for pid in started}
        workers = [pid for pid, line in commands.items() if b"celery" in line]
        assert any(b"embedded" in line for line in commands.values()) or how == "manage.py"
        assert len(workers) >= 4, commands  # the worker, its two pool processes and beat
        os.kill(process.pid, stop)
        process.wait(timeout=60)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in started) and time.monotonic() < deadline:
            time.sleep(0.2)
        survivors = {pid: commands.get(pid) for pid in started if alive(pid)}
        assert survivors == {}
        assert b"Stopping the worker" in log.read_bytes()
    finally:
        for pid in {process.pid, *started}:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)
