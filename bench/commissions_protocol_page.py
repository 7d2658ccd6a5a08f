"""The secretary's protocol page (30 students) and saving one of its rows (the htmx POST), served by gunicorn on
PostgreSQL, beside the bare Django view of bench/urls.py rendering the same 30 students, in the same run.

    .venv/bin/python bench/commissions_protocol_page.py [--seconds 10]

Needs `wrk`. Own database (attestation_bench_commissions), Redis db 8, port 8781. Target: p95 < 100 ms at 32 clients
on 2 gunicorn workers, 0 errors; queries per page constant in the number of students (10 vs 30). The share of the
bare view's requests per second is printed for context.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import load  # noqa: E402
from bench.common import OUT, setup_django, vacuum_analyze  # noqa: E402
from bench.load import Target, compare, gunicorn, signed_in  # noqa: E402

# Each save types a new percent (a random one of 50–100), so every request really writes the row.
SAVE_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["X-CSRFToken"] = "{token}"
wrk.headers["HX-Request"] = "true"
request = function()
  return wrk.format(nil, nil, nil, "percent=" .. math.random(50, 100) .. "&questions=Q")
end
"""


class LuaTarget(Target):
    lua: str = ""


_plain_script = load._script


def _script(target: Target) -> str:
    if isinstance(target, LuaTarget) and target.lua:
        path = OUT / "wrk-commissions-save.lua"
        path.write_text(target.lua + load.REPORT)
        return str(path)
    return _plain_script(target)


load._script = _script


def query_counts(data: dict) -> list[tuple[str, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from attestation.demo import DEMO_PASSWORD, DEMO_SLUG

    client = Client(HTTP_ACCEPT_LANGUAGE="kk")
    assert client.login(username="secretary", password=DEMO_PASSWORD)
    rows = []
    for label, exam in (("protocol page, 10 students", data["small_exam"]),
                        ("protocol page, 30 students", data["exams"][0])):
        url = f"/colleges/{DEMO_SLUG}/attestation/sessions/{exam}/protocol/"
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        rows.append((label, len(queries)))
    url = f"/colleges/{DEMO_SLUG}/attestation/protocol-rows/{data['rows'][0]}/"
    with CaptureQueriesContext(connection) as queries:
        assert client.post(url, {"percent": "77"}, HTTP_HX_REQUEST="true").status_code == 200
    rows.append(("saving one row", len(queries)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=8781)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    env = setup_django(DEBUG="0", DJANGO_SETTINGS_MODULE="bench.settings",
                       ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
                       DATABASE_URL=os.environ.get("BENCH_DATABASE_URL",
                                                   "postgres://postgres@127.0.0.1:5432/attestation_bench_commissions"),
                       REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8"),
                       ATTESTATION_VAR_DIR=str(OUT / "commissions-var"))

    from django.conf import settings

    from attestation.demo import DEMO_PASSWORD, DEMO_SLUG
    from bench.commissions_data import prepare

    data = prepare(exams=1, students=30, small=10)
    vacuum_analyze()
    cookie, token = signed_in("secretary", DEMO_PASSWORD)
    with gunicorn(env, args.port, args.workers, args.threads) as base:
        print(f"gunicorn {args.workers} workers × {args.threads} threads, PostgreSQL, CONN_MAX_AGE="
              f"{settings.DATABASES['default']['CONN_MAX_AGE']}, {args.rounds} interleaved rounds of {args.seconds} s "
              f"(medians; the machine is shared, single runs vary)")
        save = LuaTarget(f"{base}/colleges/{DEMO_SLUG}/attestation/protocol-rows/{data['rows'][0]}/", method="POST",
                         body="percent=80&questions=Q",
                         headers={"X-CSRFToken": token, "Content-Type": "application/x-www-form-urlencoded",
                                  "HX-Request": "true"})
        save.lua = SAVE_LUA.replace("{token}", token)
        compare({"bare view (30 rows)": Target(f"{base}/bench/bare/"),
                 "protocol page (30 students)": Target(
                     f"{base}/colleges/{DEMO_SLUG}/attestation/sessions/{data['exams'][0]}/protocol/"),
                 "saving one row (htmx POST)": save},
                "bare view (30 rows)", cookie, args.seconds, args.rounds)
    print("queries (must not grow with students):")
    for label, count in query_counts(data):
        print(f"  {label:36} {count}")
    print("target: p95 < 100 ms at 32 clients on 2 gunicorn workers, 0 errors; the share of the bare view is context")


if __name__ == "__main__":
    main()
