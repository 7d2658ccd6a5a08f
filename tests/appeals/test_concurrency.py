"""Filing is safe under concurrent requests: the partial unique index (one open appeal per result) decides, and the
losers get 409 citing APP-01, never a 500 and never a second row (PostgreSQL, real threads and connections)."""

import threading

import pytest
import time_machine
from django.db import connection
from django_scopes import scopes_disabled

from appeals.models import Appeal

from .builders import FILING_TIME, result_of

THREADS = 24


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_for_one_result_store_exactly_one(api, cast_a):
    entry = result_of(cast_a)
    other = result_of(cast_a, cast_a.other_student)
    barrier = threading.Barrier(THREADS)
    statuses: list[tuple[str, int, dict]] = []
    lock = threading.Lock()

    def file(user, result):
        client = api(user)
        try:
            barrier.wait()
            response = client.post(f"/api/v1/colleges/{cast_a.college.slug}/appeals/",
                                   {"transcript_entry": result.pk, "reason": "Бір уақытта"}, format="multipart")
            with lock:
                statuses.append((user.username, response.status_code, response.json()))
        finally:
            connection.close()

    with time_machine.travel(FILING_TIME, tick=True):
        threads = [threading.Thread(target=file, args=((cast_a.student_user, entry) if n % 2 else
                                                       (cast_a.other_student_user, other))) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    codes = sorted(code for _user, code, _body in statuses)
    assert codes == [201, 201] + [409] * (THREADS - 2), statuses
    for _user, code, body in statuses:
        if code == 409:
            assert body["errors"][0]["rule"] == "APP-01"
    with scopes_disabled():
        assert Appeal.objects.filter(transcript_entry=entry).count() == 1
        assert Appeal.objects.filter(transcript_entry=other).count() == 1
