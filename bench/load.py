"""Load-testing helpers shared by the page benchmarks: gunicorn on the bench database, a signed-in
session, and `wrk` runs of several pages interleaved in rounds beside a bare view (medians)."""

from __future__ import annotations

import json
import subprocess
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from statistics import median

from bench.common import OUT, python, start, wait_until

REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %.3f %.2f %.2f\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration / 1e6,
    latency:percentile(95) / 1000, latency.mean / 1000))
end
"""


@dataclass
class Target:
    url: str
    method: str = "GET"
    body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@contextmanager
def gunicorn(env: dict[str, str], port: int, workers: int = 3, threads: int = 1):
    server = start([python(), "-m", "gunicorn", "attestation.wsgi", "--workers", str(workers), "--threads",
                    str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"], env, f"gunicorn-{port}")
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return urllib.request.urlopen(f"{base}/healthz", timeout=1).status == 200
        except OSError:
            return False

    try:
        wait_until(up, 30)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def signed_in(username: str, password: str) -> tuple[str, str]:
    """(Cookie header, CSRF token) of a fresh session of this user."""
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="kk")
    assert client.login(username=username, password=password)
    token = _get_new_csrf_string()
    return f"sessionid={client.cookies['sessionid'].value}; csrftoken={token}", token


def _script(target: Target) -> str:
    lines = [f'wrk.method = "{target.method}"']
    if target.body is not None:
        lines.append(f"wrk.body = {json.dumps(target.body)}")
    for name, value in target.headers.items():
        lines.append(f'wrk.headers["{name}"] = {json.dumps(value)}')
    path = OUT / f"wrk-{abs(hash((target.url, target.method, target.body))) % 10**8}.lua"
    path.write_text("\n".join(lines) + REPORT)
    return str(path)


def wrk(target: Target, cookie: str, connections: int, seconds: int) -> dict:
    output = subprocess.run(
        ["wrk", "-t", str(min(connections, 2)), "-c", str(connections), "-d", f"{seconds}s", "--timeout", "10s",
         "-H", f"Cookie: {cookie}", "-H", "Accept-Language: kk", "-s", _script(target), target.url],
        capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT"))
    requests, errors, duration, p95, mean = line.split()[1:]
    return {"rps": int(requests) / float(duration), "errors": int(errors), "p95": float(p95), "mean": float(mean)}


def check_ok(targets: dict[str, Target], cookie: str) -> None:
    """Every target answers 2xx to this session (not a redirect to sign-in, not an error)."""
    for name, target in targets.items():
        request = urllib.request.Request(target.url, method=target.method,
                                         data=target.body.encode() if target.body else None,
                                         headers={"Cookie": cookie, **target.headers})
        with urllib.request.urlopen(request) as response:
            assert 200 <= response.status < 300 and response.url == target.url, (name, response.status, response.url)


def compare(targets: dict[str, Target], bare: str, cookie: str, seconds: int, rounds: int) -> dict:
    """Interleaved rounds at 4 clients (medians), one round at 32; prints the table, returns the figures."""
    check_ok(targets, cookie)
    print(f"{'page':34} {'clients':>7} {'req/s':>8} {'p95 ms':>8} {'mean ms':>8} {'errors':>6}  of bare")
    for target in targets.values():
        wrk(target, cookie, 4, 2)  # warm-up
    figures = {}
    for connections, count in ((4, rounds), (32, 1)):
        runs: dict[str, list[dict]] = {name: [] for name in targets}
        for _round in range(count):
            for name, target in targets.items():
                runs[name].append(wrk(target, cookie, connections, seconds))
        bare_rps = median(r["rps"] for r in runs[bare])
        for name, results in runs.items():
            rps = median(r["rps"] for r in results)
            row = {"rps": rps, "p95": median(r["p95"] for r in results), "mean": median(r["mean"] for r in results),
                   "errors": sum(r["errors"] for r in results), "share": rps / bare_rps}
            figures[(name, connections)] = row
            print(f"{name:34} {connections:7d} {rps:8.1f} {row['p95']:8.1f} {row['mean']:8.1f} {row['errors']:6d}  "
                  f"{100 * row['share']:5.0f}%")
    return figures
