"""WeasyPrint with Python's cyclic garbage collector on and paused (``render.cyclic_collector_paused``), one
process: a one-page diploma decision and a long table, seconds and peak memory for each way.

    .venv/bin/python bench/render_collector.py [--rows 3000] [--repeat 30]

Each measurement runs in a fresh forked process, so the peak memory (ru_maxrss) is that render's own.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import multiprocessing
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import bench_env  # noqa: E402

ROW = "<tr><td>{n}</td><td>Әбілов Ерлан Серікұлы</td><td>Қазақ тілі және әдебиеті</td><td>95</td><td>A</td></tr>"
DECISION = ("<h1>ҚОРЫТЫНДЫ АТТЕСТАТТАУ КОМИССИЯСЫНЫҢ ШЕШІМІ</h1>"
            "<p>Білім алушы Әбілов Ерлан Серікұлы (ЖСН 030515500123) «Бағдарламалық қамтамасыз етуді әзірлеуші» "
            "біліктілігі берілсін.</p><table class='grid'>"
            + "".join(ROW.format(n=n) for n in range(1, 5)) + "</table>")


def _measure(html: str, repeat: int, paused: bool, stylesheet: str, out) -> None:
    import django

    django.setup()
    from attestation.documents import render

    render.renderer_warm()
    gc.freeze()  # as a worker's render process does (attestation.celery.settle_render_process)
    if not paused:  # the render as it was: the collector on throughout
        render.cyclic_collector_paused = contextlib.nullcontext
    started = time.process_time()
    for _ in range(repeat):
        render.pdf_from_html(html, stylesheet)
    out.send(((time.process_time() - started) / repeat, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def measure(html: str, repeat: int, paused: bool, stylesheet: str = "print.css") -> tuple[float, float]:
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_measure, args=(html, repeat, paused, stylesheet, send))
    process.start()
    result = receive.recv()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    import os

    os.environ.update(bench_env())
    table = "<table class='grid'>" + "".join(ROW.format(n=n) for n in range(1, args.rows + 1)) + "</table>"
    cases = [("one-page decision", DECISION, args.repeat, "print.css"), (f"table of {args.rows} rows", table, 1,
                                                                              "print.css")]
    for label, html, repeat, stylesheet in cases:
        for _round in range(2):  # twice, alternating: the machine drifts
            on_seconds, on_mb = measure(html, repeat, paused=False, stylesheet=stylesheet)
            off_seconds, off_mb = measure(html, repeat, paused=True, stylesheet=stylesheet)
            saved = 100 * (1 - off_seconds / on_seconds)
            print(f"{label}: collector on {1000 * on_seconds:8.1f} ms CPU, peak {on_mb:5.0f} MB;  paused "
                  f"{1000 * off_seconds:8.1f} ms CPU, peak {off_mb:5.0f} MB  ({saved:.0f}% less CPU)", flush=True)


if __name__ == "__main__":
    main()
