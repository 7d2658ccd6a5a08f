"""The cast: two colleges (A and B), each with an administrator, a secretary and two students; an
operator; a ministry user. Alice of college A must never see anything of college B.

Tests marked ``postgres`` or ``redis`` need those servers. Locally they are skipped when the server is
missing; in CI (ATTESTATION_REQUIRE_SERVICES=1) a missing server fails them instead, so CI shows they ran.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import storages
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from attestation.celery import app as celery_app
from attestation.models import Document

from .factories import college_cast, token_for, user_make

REQUIRE_SERVICES = os.environ.get("ATTESTATION_REQUIRE_SERVICES") == "1"


def _missing_service(marker: str) -> str | None:
    if marker == "postgres" and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL: set DATABASE_URL=postgres://…"
    if marker == "redis" and not (os.environ.get("REDIS_URL") and shutil.which("redis-server")):
        return "needs Redis: set REDIS_URL and have redis-server installed"
    if marker == "browser" and not shutil.which("chromium"):
        return "needs Debian's chromium (/usr/bin/chromium)"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        for marker in ("postgres", "redis", "browser"):
            if marker not in item.keywords:
                continue
            reason = _missing_service(marker)
            if reason is None:
                continue
            if REQUIRE_SERVICES:
                item.user_properties.append(("missing_service", reason))
                item.fixturenames.insert(0, "_fail_missing_service")
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def _fail_missing_service(request):
    """CI: a test whose server is missing fails instead of being skipped."""
    pytest.fail(f"required service missing in CI: {dict(request.node.user_properties)['missing_service']}")


@pytest.fixture(autouse=True)
def _isolated_state(settings, tmp_path):
    for alias in caches:
        caches[alias].clear()
    # Many tests travel to the day of a session months ahead (time_machine): the signed-in test clients' sessions
    # must outlive the trip, in the database and in a local-memory cache alike (without Redis, the default run).
    settings.SESSION_COOKIE_AGE = 10 * 365 * 24 * 3600
    settings.STORAGES = {**settings.STORAGES, "documents": {
        "BACKEND": "attestation.storage.AtomicFileSystemStorage", "OPTIONS": {"location": str(tmp_path / "documents")}}}
    # The model field resolved its storage when the model loaded: point it at this test's folder.
    field = Document._meta.get_field("file")
    original_storage = field.storage
    field.storage = storages["documents"]
    celery_app.conf.task_always_eager = True
    settings.ATTESTATION_MFA_REQUIRED = False
    yield
    field.storage = original_storage


@pytest.fixture
def cast_a(db):
    return college_cast("college-a", medical=True)


@pytest.fixture
def cast_b(db):
    return college_cast("college-b", language="ru")


@pytest.fixture
def operator(db):
    with scopes_disabled():
        return user_make("operator", is_superuser=True, is_staff=True)


@pytest.fixture
def ministry(db):
    return user_make("ministry-analyst", authority="ministry")


@pytest.fixture
def api():
    """api(user) → an APIClient authenticated by the user's token, as an integrator would be."""

    def make(user=None, language: str = "en") -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        return client

    return make


@pytest.fixture
def page():
    """page(user) → a Django test client signed in with a session, in English."""
    from django.test import Client

    def make(user=None, language: str = "en") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        if user is not None:
            client.force_login(user, backend="attestation.accounts.CachedModelBackend")
        return client

    return make
