"""The docker-compose topology, run by hand on this machine: PostgreSQL and Redis (already running
here), then migrate, the web server (gunicorn), a Celery worker and Celery beat, each as its own process
with the production settings, exactly as docker-compose.yml starts them. Then a smoke run through them:
sign in over the API, request a transcript (the worker renders it), leave a document unsent (beat's
relay sends it), download and verify.

    .venv/bin/python scripts/stack_by_hand.py

Uses DATABASE_URL / REDIS_URL when set, else the local servers (database `attestation_stack`).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def fresh_database(url: str) -> None:
    """Every run starts from an empty database, so nothing is found ready from an earlier run."""
    import psycopg2

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


PORT = 8766
BASE = f"http://127.0.0.1:{PORT}"
OUT = ROOT / "var" / "stack"


def call(method: str, path: str, token: str | None = None, body: dict | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json", "Accept-Language": "en"}
    if token:
        headers["Authorization"] = f"Token {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except urllib.error.URLError:
        return 0, b""  # not listening yet


def wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise SystemExit(f"FAILED: timed out waiting for {what} (logs in {OUT})")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/attestation_stack")
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/4")
    env.update({"ATTESTATION_PRODUCTION": "1", "ATTESTATION_HTTPS": "0", "SECRET_KEY": secrets.token_urlsafe(64),
                "ALLOWED_HOSTS": "127.0.0.1,localhost", "PUBLIC_BASE_URL": BASE, "ATTESTATION_VAR_DIR": str(OUT),
                "ATTESTATION_MFA_REQUIRED": "0", "DJANGO_SETTINGS_MODULE": "attestation.settings",
                "PYTHONUNBUFFERED": "1"})
    fresh_database(env["DATABASE_URL"])
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    python = sys.executable
    steps = [
        ("migrate", [python, "manage.py", "migrate", "--noinput"]),
        ("collectstatic", [python, "manage.py", "collectstatic", "--noinput"]),
        ("demo data", [python, "manage.py", "seed_demo"]),
    ]
    for name, command in steps:
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode:
            raise SystemExit(f"FAILED: {name}\n{result.stdout}{result.stderr}")
        print(f"ok    {name}")

    services = {
        "web": [python, "-m", "gunicorn", "attestation.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", "2"],
        "worker": [python, "-m", "celery", "-A", "attestation", "worker", "--loglevel", "INFO", "--concurrency", "2",
                   "--hostname", "stack-worker@%h"],
        "beat": [python, "-m", "celery", "-A", "attestation", "beat", "--loglevel", "INFO", "--schedule",
                 str(OUT / "celerybeat-schedule")],
    }
    processes = {}
    try:
        for name, command in services.items():
            log = open(OUT / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
            processes[name] = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        wait(lambda: call("GET", "/healthz")[0] == 200, 60, "the web server")
        print(f"ok    web (gunicorn) on {BASE}, worker and beat running: pids "
              + ", ".join(f"{n}={p.pid}" for n, p in processes.items()))

        status, body = call("POST", "/api/v1/auth/token/", body={"username": "admin",
                                                                  "password": "demo-attestation-2026"})
        assert status == 200, body
        token = json.loads(body)["token"]
        status, body = call("GET", "/api/v1/colleges/almaty-mtc/students/?page_size=2", token)
        students = json.loads(body)["results"]
        print(f"ok    API: token issued, {json.loads(body)['count']} students listed")

        status, body = call("POST", "/api/v1/colleges/almaty-mtc/documents/", token,
                            {"kind": "transcript", "subject": students[0]["id"], "language": "kk"})
        assert status in (200, 201), body
        document = json.loads(body)

        def ready(document_id):
            status, body = call("GET", f"/api/v1/colleges/almaty-mtc/documents/{document_id}/", token)
            return json.loads(body) if json.loads(body)["status"] == "ready" else None

        started = time.monotonic()
        done = wait(lambda: ready(document["id"]), 120, "the worker to render the transcript")
        print(f"ok    worker rendered document {done['id']} in {time.monotonic() - started:.1f} s, "
              f"sha256 {done['sha256'][:16]}…")
        status, pdf = call("GET", f"/api/v1/colleges/almaty-mtc/documents/{done['id']}/file/", token)
        assert status == 200 and pdf.startswith(b"%PDF"), status
        import hashlib

        assert hashlib.sha256(pdf).hexdigest() == done["sha256"]
        token_part = done["verify_url"].rstrip("/").rsplit("/", 1)[1]
        status, body = call("GET", f"/api/v1/verify/{token_part}/")
        assert status == 200 and json.loads(body)["sha256"] == done["sha256"]
        print("ok    PDF downloaded, sha256 matches, public verification answers")

        # A document whose broker message never went out (as when Redis was down): beat's relay sends it.
        code = ("from django_scopes import scope; from attestation.models import *; "
                "from attestation.documents.kinds import get_kind; from attestation.documents import pipeline; "
                "pipeline.document_enqueue = lambda **kw: False; c = College.objects.get(slug='almaty-mtc'); "
                f"s = {students[1]['id']};\n"
                "with scope(college=c.pk):\n"
                "    d, _ = pipeline.document_request(college=c, kind=get_kind('transcript'), subject_id=s, "
                "language='ru', by=None)\n"
                "print(d.pk)")
        result = subprocess.run([python, "manage.py", "shell", "-c", code], cwd=ROOT, env=env, capture_output=True,
                                text=True)
        unsent = int(result.stdout.strip().splitlines()[-1])
        started = time.monotonic()
        wait(lambda: ready(unsent), 120, "beat's relay to send the unsent document")
        print(f"ok    beat's relay sent an unsent document; ready {time.monotonic() - started:.1f} s later")
        print("stack by hand: all checks passed")
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
