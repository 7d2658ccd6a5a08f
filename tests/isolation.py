"""Registries for the tenant isolation test (tests/attestation/test_tenant_isolation.py).

Every per-college API route and page must have, for college B of the cast, an object to ask for:
  * ``API_OBJECTS[basename](cast_b, cast) -> pk`` for each router basename with detail routes;
  * ``PAGE_KWARGS["namespace:name"](cast_b) -> {url kwargs but college}`` for each page with kwargs.
Each app registers its own in ``tests/<app>/isolation.py``; the test fails for a route nobody registered.
"""

from __future__ import annotations

from collections.abc import Callable

API_OBJECTS: dict[str, Callable] = {}
PAGE_KWARGS: dict[str, Callable] = {}
APPS = ("attestation", "grading", "commissions", "appeals", "monitoring")


def api_object(basename: str):
    def register(builder: Callable) -> Callable:
        API_OBJECTS[basename] = builder
        return builder
    return register


def page_kwargs(name: str):
    def register(builder: Callable) -> Callable:
        PAGE_KWARGS[name] = builder
        return builder
    return register


def load_all() -> None:
    from importlib import import_module
    from importlib.util import find_spec

    for app in APPS:
        if find_spec(f"tests.{app}.isolation") is not None:
            import_module(f"tests.{app}.isolation")
