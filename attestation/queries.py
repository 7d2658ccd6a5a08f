"""Query helpers shared by the apps' selectors."""

from __future__ import annotations

import math
from typing import TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Count, Model, QuerySet, Window

M = TypeVar("M", bound=Model)


def unique_or_none(queryset: QuerySet[M]) -> M | None:
    """The one row of a lookup by a unique key (a primary key, one protocol per session), or None.

    Unlike ``.first()`` it asks for no ORDER BY: sorting at most one row is pointless, and compiling the model's
    default ordering against a wide select costs Django 0.2–0.3 ms per query, about a twentieth of a busy page
    (bench/pages.py, bench/commissions_protocol_page.py)."""
    return next(iter(queryset.order_by()[:1]), None)


def counted_page(queryset: QuerySet, number: str | int | None, per_page: int) -> Page:
    """One page of a ``values_list`` query, like ``Paginator.get_page``, with the total counted by the same query
    (``COUNT(*) OVER ()``) instead of a second one: a query less on the busiest list pages (bench/pages.py).
    A page past the end gives the last page, as ``get_page`` does; a page that is not a number, or below 1, the
    first."""
    try:
        number = max(int(number), 1)
    except (TypeError, ValueError):
        number = 1
    rows = _rows_counted(queryset, number, per_page)
    if not rows and number > 1:  # past the end: one count, then the last page
        number = max(math.ceil(queryset.count() / per_page), 1)
        rows = _rows_counted(queryset, number, per_page)
    paginator = Paginator([], per_page)
    paginator.__dict__["count"] = rows[0][-1] if rows else 0  # what the cached property would have counted
    return Page([row[:-1] for row in rows], number if rows else 1, paginator)


def _rows_counted(queryset: QuerySet, number: int, per_page: int) -> list[tuple]:
    start = (number - 1) * per_page
    return list(queryset.annotate(_total=Window(Count("*")))[start:start + per_page])
