"""Python's cyclic garbage collector, paused around work that allocates a great many objects at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_collector_paused() -> Iterator[None]:
    """The cyclic collector off for the block, then one collection of the young generation. Work that allocates
    hundreds of thousands of objects (a college's evaluation, a WeasyPrint render) sets off a young collection every
    few hundred of them, each walking whatever is still alive: a third of an evaluation's time, 3–30% of a render's
    (grading.selectors.evaluate, bench/render_collector.py). Reference counting frees the acyclic garbage meanwhile;
    the collection at the end frees the cycles (a render leaves about five thousand objects in them) and would have
    come with the next allocation anyway. A collector someone else turned off stays off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(0)
