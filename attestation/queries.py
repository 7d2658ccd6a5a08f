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
    A page number past the end, or not a number, gives the last or the first page, as ``get_page`` does."""
    try:
        number = max(int(number), 1)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(queryset.annotate(_total=Window(Count("*")))[start:start + per_page])
    paginator = Paginator([], per_page)
    if rows:
        paginator.__dict__["count"] = rows[0][-1]  # what the cached property would have counted
        return Page([row[:-1] for row in rows], number, paginator)
    if number == 1:
        paginator.__dict__["count"] = 0
        return Page([], 1, paginator)
    return counted_page(queryset, max(math.ceil(queryset.count() / per_page), 1), per_page)  # past the end
