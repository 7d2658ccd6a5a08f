"""200 appeals filed at once against one exam's results, through the API served by gunicorn on PostgreSQL: each
student files against their own result at the same moment, then every student files again at once (a double
tap). Prints errors (anything but 201 in the first wave, anything but 409 citing APP-01 in the second, any 5xx)
and duplicates (results with more than one open appeal). Target: 0 errors, 0 duplicates.

    .venv/bin/python bench/appeals_concurrent_filing.py [--students 200]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, setup_django  # noqa: E402
from bench.load import gunicorn  # noqa: E402

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def multipart(entry: int) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="transcript_entry"\r\n\r\n{entry}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="reason"\r\n\r\nБағаммен келіспеймін\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; filename="scan.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode() + PDF + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def wave(base: str, college: str, people: list[tuple[str, str, int]]) -> list[tuple[int, dict, float]]:
    barrier = threading.Barrier(len(people))
    results: list[tuple[int, dict, float]] = []
    lock = threading.Lock()

    def one(token: str, entry: int) -> None:
        body, content_type = multipart(entry)
        request = urllib.request.Request(f"{base}/api/v1/colleges/{college}/appeals/", data=body, method="POST",
                                         headers={"Authorization": f"Token {token}", "Content-Type": content_type,
                                                  "Accept-Language": "en"})
        barrier.wait()
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                status, payload = response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            status = exc.code
            try:
                payload = json.loads(exc.read() or b"{}")
            except ValueError:
                payload = {}
        except OSError as exc:
            status, payload = 0, {"detail": str(exc)}
        with lock:
            results.append((status, payload, time.monotonic() - started))

    threads = [threading.Thread(target=one, args=(token, entry)) for _u, token, entry in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=8792)
    args = parser.parse_args()
    env = setup_django(DEBUG="0", ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
                       DATABASE_URL=os.environ.get("BENCH_DATABASE_URL",
                                                   "postgres://postgres@127.0.0.1:5432/attestation_bench_appeals"),
                       REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10"),
                       ATTESTATION_VAR_DIR=str(OUT / "appeals-var"))
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from appeals.models import OPEN_STATUSES, Appeal
    from bench.appeals_data import EXAM_CODE, prepare

    data = prepare(students=args.students, queue=30)
    people = data["people"]
    with gunicorn(env, args.port, args.workers, args.threads) as base:
        print(f"{len(people)} students file at once against one exam's results (gunicorn {args.workers} workers × "
              f"{args.threads} threads, PostgreSQL)")
        first = wave(base, data["college"], people)
        second = wave(base, data["college"], people)
    with scopes_disabled():
        rows = Appeal.objects.filter(transcript_entry__discipline__code=EXAM_CODE, status__in=OPEN_STATUSES)
        duplicates = rows.values("transcript_entry").annotate(n=Count("id")).filter(n__gt=1).count()
        stored = rows.count()
    first_codes, second_codes = Counter(s for s, _p, _t in first), Counter(s for s, _p, _t in second)
    errors = sum(n for code, n in first_codes.items() if code != 201)
    errors += sum(1 for s, p, _t in second if s != 409 or (p.get("errors") or [{}])[0].get("rule") != "APP-01")
    latencies = sorted(t for _s, _p, t in first)
    print(f"first wave:  {dict(first_codes)}; slowest {latencies[-1]:.2f} s, "
          f"median {latencies[len(latencies) // 2]:.2f} s")
    print(f"second wave: {dict(second_codes)} (each a second filing for the same result: 409 APP-01 expected)")
    print(f"appeals stored: {stored} for {len(people)} results")
    print(f"errors: {errors}")
    print(f"duplicates: {duplicates}")
    sys.exit(0 if errors == 0 and duplicates == 0 and stored == len(people) else 1)


if __name__ == "__main__":
    main()
