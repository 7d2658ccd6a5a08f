"""Shared set-up of the benchmarks: a database of their own with the demo data, their own files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/attestation_bench"


def bench_env(**extra: str) -> dict[str, str]:
    """Environment for this process and every process the benchmark starts."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION",)}
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.setdefault("ATTESTATION_VAR_DIR", str(OUT / "var"))
    env.setdefault("DJANGO_SETTINGS_MODULE", "attestation.settings")
    env.setdefault("DEBUG", "0")  # as in production: no query log growing in every worker
    env.update(extra)
    return env


def ensure_postgres_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def setup_django(**extra: str) -> dict[str, str]:
    env = bench_env(**extra)
    os.environ.update(env)
    ensure_postgres_database(env["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from attestation.demo import demo_seed

    demo_seed()
    return env


def vacuum_analyze() -> None:
    """What autovacuum does on a production PostgreSQL: planner statistics for the freshly seeded tables and no
    dead rows left by earlier runs. This machine's PostgreSQL runs with autovacuum off; without it every table
    looks empty to the planner and the pages query through thousands of dead documents."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    connection.ensure_connection()
    autocommit = connection.get_autocommit()
    connection.set_autocommit(True)  # VACUUM cannot run inside a transaction
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.set_autocommit(autocommit)


def wait_until(predicate, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    raise TimeoutError


def start(command: list[str], env: dict[str, str], log_name: str) -> subprocess.Popen:
    OUT.mkdir(parents=True, exist_ok=True)
    log = open(OUT / f"{log_name}.log", "w")  # noqa: SIM115 (lives as long as the process)
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def python() -> str:
    return sys.executable


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def cpu_times() -> tuple[int, int]:
    """(busy, total) clock ticks of the whole machine so far (/proc/stat): the difference of two readings tells how
    busy the cores were in between, whichever processes kept them busy."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle and waiting for I/O
    return sum(values) - idle, sum(values)


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    return (after[0] - before[0]) / max(after[1] - before[1], 1)


def process_cpu(labels: dict[int, str] | None = None) -> dict[str, float]:
    """CPU seconds so far of every running process, summed by what it is: PostgreSQL, Redis, this process, and the
    processes named in ``labels`` (pid → label) with their children ("… children"). The difference of two readings
    says where a run's CPU went (processes that ended in between are not counted)."""
    tick = os.sysconf("SC_CLK_TCK")
    labels = {os.getpid(): "this process", **(labels or {})}
    totals: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0", 1)[0].decode(errors="replace")
        except OSError:
            continue  # ended while we looked
        fields = stat.rsplit(")", 1)[1].split()
        pid, parent, seconds = int(entry.name), int(fields[1]), (int(fields[11]) + int(fields[12])) / tick
        if pid in labels:
            label = labels[pid]
        elif parent in labels:
            label = labels[parent] + " children"
        elif command.startswith("postgres"):
            label = "postgresql"
        elif "redis-server" in command:
            label = "redis"
        else:
            label = "other"
        totals[label] = totals.get(label, 0.0) + seconds
    return totals


def process_cpu_spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {label: after[label] - before.get(label, 0.0) for label in after if after[label] - before.get(label, 0.0)}
