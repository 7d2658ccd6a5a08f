"""The college menu, extended by each app: ``register(MenuItem(...))`` in its AppConfig.ready()."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from django.urls import reverse
from django.utils.functional import Promise


@dataclass(frozen=True)
class MenuItem:
    label: str | Promise
    url_name: str  # reversed with college=<slug>
    roles: frozenset[str]
    order: int = 100


_ITEMS: list[MenuItem] = []


def register(item: MenuItem) -> MenuItem:
    _ITEMS.append(item)
    _ITEMS.sort(key=lambda i: i.order)
    menu_for.cache_clear()
    return item


@lru_cache(maxsize=8192)
def menu_for(slug: str, role: str | None) -> tuple[tuple[str | Promise, str], ...]:
    """(label, address) of the items a role sees in a college; labels translate when rendered."""
    return tuple((item.label, reverse(item.url_name, kwargs={"college": slug}))
                 for item in _ITEMS if role in item.roles)
