"""Redis down is not an outage (issue 17, item 7). One private redis-server serves the cache and the broker, as in
production; it is killed (SIGKILL) under a real Celery worker and real requests, then started again:

* pages, the API, web and token sign-in keep working, writes are saved, the limiter still counts;
* a document requested meanwhile waits in the outbox and is rendered once Redis is back;
* the worker survives the broker's loss and reconnects by itself.
"""

import os
import signal
import subprocess
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from attestation.documents.pipeline import documents_relay
from attestation.models import Document, Student

from ..factories import PASSWORD, valid_iin
from ..worker import free_port, publisher, wait_until, worker

pytestmark = [pytest.mark.redis, pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def redis_start(port: int, data_dir) -> subprocess.Popen:
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(data_dir)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True,
                                      text=True).stdout.strip() == "PONG", 15, what="redis-server")
    return process


def ready(pk) -> bool:
    with scopes_disabled():
        return Document.objects.filter(pk=pk, status="ready").exists()


def signed_in(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/accounts/login/", {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_requests_writes_and_the_worker_survive_redis_going_away(settings, cast_a, api, tmp_path):
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    data = tmp_path / "redis"
    data.mkdir()
    settings.REDIS_URL = url
    settings.CACHES = {**settings.CACHES, "default": {
        "BACKEND": "attestation.cache.RedisCache", "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}}
    options = {"visibility_timeout": 30, "socket_connect_timeout": 1, "socket_timeout": 2}
    with scopes_disabled():
        Document.objects.filter(pk=cast_a.document.pk).delete()
    slug = cast_a.college.slug
    redis = redis_start(port, data)
    try:
        with publisher(url, options), worker(var_dir=tmp_path, documents_dir=tmp_path / "documents", broker_url=url,
                                             env={"REDIS_URL": url}) as (process, log):
            admin = signed_in(cast_a.admin)
            token = api().post("/api/v1/auth/token/", {"username": cast_a.admin.username, "password": PASSWORD})
            integrator = api()
            integrator.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
            assert admin.get(f"/colleges/{slug}/").status_code == 200  # warm: facts in the cache
            assert integrator.get(f"/api/v1/colleges/{slug}/students/").status_code == 200

            redis.send_signal(signal.SIGKILL)
            redis.wait()
            started = time.monotonic()
            answers = {
                "dashboard": admin.get(f"/colleges/{slug}/").status_code,
                "students page": admin.get(f"/colleges/{slug}/students/").status_code,
                "student page": admin.get(f"/colleges/{slug}/students/{cast_a.student.pk}/").status_code,
                "API list": integrator.get(f"/api/v1/colleges/{slug}/students/").status_code,
                "API token": api().post("/api/v1/auth/token/", {"username": cast_a.staff.username,
                                                                "password": PASSWORD}).status_code,
                "web sign-in": signed_in(cast_a.student_user).get(f"/colleges/{slug}/me/").status_code,
                "API write": integrator.post(f"/api/v1/colleges/{slug}/students/", {
                    "iin": valid_iin(), "full_name": "Серікбаев Дәурен", "group": cast_a.student.group_id}).status_code,
                "document": integrator.post(f"/api/v1/colleges/{slug}/documents/", {
                    "kind": "transcript", "subject": cast_a.student.pk, "language": "kk"}).status_code,
            }
            elapsed = time.monotonic() - started
            assert answers == {"dashboard": 200, "students page": 200, "student page": 200, "API list": 200,
                               "API token": 200, "web sign-in": 200, "API write": 201, "document": 201}
            print(f"{len(answers)} requests with Redis down in {elapsed:.2f} s")
            with scopes_disabled():
                assert Student.objects.filter(full_name="Серікбаев Дәурен").exists()  # the write was saved
                pending = Document.objects.get(college=cast_a.college, kind="transcript", subject_id=cast_a.student.pk)
            assert pending.status == "pending" and pending.enqueued_at is None  # waits in the outbox
            # The limiter still counts while Redis is away (in this process's memory).
            refused = [api().post("/api/v1/auth/token/", {"username": cast_a.admin.username, "password": "x"})
                       .status_code for _n in range(6)]
            assert refused[-1] == 429
            assert documents_relay() == 0  # nothing can be sent, nothing is lost

            time.sleep(3)  # the worker has noticed the broker is gone
            assert process.poll() is None, log.read_text()[-3000:]

            redis = redis_start(port, data)
            with scopes_disabled():  # the relay takes what has waited a little
                Document.objects.filter(pk=pending.pk).update(created_at=timezone.now() - timedelta(minutes=1))
            wait_until(lambda: documents_relay() == 1, 30, interval=0.5, what="the relay to reach the broker again")
            wait_until(lambda: ready(pending.pk), 90, what="the reconnected worker to render the document")
            assert process.poll() is None
            assert admin.get(f"/colleges/{slug}/").status_code == 200
            text = log.read_text()
            assert "Unrecoverable error" not in text and "Connected to redis" in text
    finally:
        if redis.poll() is None:
            redis.terminate()
            redis.wait(timeout=10)
    assert not os.path.exists(data / "dump.rdb")
