"""Tenancy: the college comes from the URL, never from a request body.

``/colleges/<slug>/…`` (pages) and ``/api/v1/colleges/<slug>/…`` (API) resolve the college, check
that the signed-in user belongs to it, and run the view inside ``scope(college=…)``. Anything of
another college answers 404. On PostgreSQL the college id is also set for the transaction
(``set_config(…, true)``) so that row-level security policies are a second guard.
"""

from __future__ import annotations

import re
from functools import cached_property, lru_cache

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled
from rest_framework.exceptions import APIException

from .menus import menu_for
from .models import College, Membership, Notification, Role, Student

COLLEGE_PATH = re.compile(r"^/(?P<api>api/v1/)?colleges/(?P<slug>[-a-zA-Z0-9_]+)/")
RLS_SETTING = "attestation.college_id"
# Colleges and memberships are read on every request and change rarely: they are cached briefly and
# dropped by the services that change them (tenancy_forget). With a per-process cache (no REDIS_URL)
# another process may see a change up to TENANCY_CACHE_SECONDS late; with Redis it is immediate.
TENANCY_CACHE_SECONDS = 30
_MISSING = "-"


def _college_key(slug: str) -> str:
    return f"tenancy:college:{slug}"


def _member_key(slug: str, user_id: int) -> str:
    # By the college's slug, not its id: the middleware knows only the slug of the URL, and reads the college and
    # the membership (and the user's colleges, for the switcher) in one round trip to the cache.
    return f"tenancy:member:{slug}:{user_id}"


def _memberships_key(user_id: int) -> str:
    return f"tenancy:memberships:{user_id}"


def _college_read(slug: str) -> College | str:
    college = College.objects.filter(slug=slug).first() or _MISSING
    cache.set(_college_key(slug), college, TENANCY_CACHE_SECONDS)
    return college


def _membership_read(college: College, user) -> Membership | str:
    membership = Membership.objects.with_scope(college=college.pk).filter(user=user).first() or _MISSING
    cache.set(_member_key(college.slug, user.pk), membership, TENANCY_CACHE_SECONDS)
    return membership


def membership_of(college: College, user) -> Membership | None:
    cached = cache.get(_member_key(college.slug, user.pk)) or _membership_read(college, user)
    return None if cached == _MISSING else cached


def tenancy_facts(request: HttpRequest, slug: str, user) -> tuple[College | None, Membership | None]:
    """The college of the URL and the user's membership in it, read from the cache in one round trip together
    with what every page's menu shows: the user's colleges and unread notices (kept on the request)."""
    keys = [_college_key(slug)]
    if user.is_authenticated:
        keys += [_member_key(slug, user.pk), _memberships_key(user.pk), _unread_key(slug, user.pk)]
    found = cache.get_many(keys)
    college = found.get(keys[0]) or _college_read(slug)
    if college == _MISSING:
        return None, None
    if not user.is_authenticated:
        return college, None
    if keys[2] in found:
        request._memberships = found[keys[2]]
    if keys[3] in found:
        request._unread = found[keys[3]]
    membership = found.get(keys[1]) or _membership_read(college, user)
    return college, (None if membership == _MISSING else membership)


def tenancy_forget(*, college: College | None = None, user=None) -> None:
    """Drop cached tenancy facts after a college or a membership changed."""
    keys = []
    if college is not None:
        keys.append(_college_key(college.slug))
        if user is not None:
            keys.append(_member_key(college.slug, user.pk))
    if user is not None:
        keys.append(_memberships_key(user.pk))
    cache.delete_many(keys)


class CollegeAccess:
    """What the current user may do in the current college."""

    def __init__(self, college: College, user, membership: Membership | None) -> None:
        self.college = college
        self.user = user
        self.membership = membership

    @property
    def role(self) -> str | None:
        if self.membership is not None:
            return self.membership.role
        if self.user.is_authenticated and self.user.is_operator:
            return "operator"
        return None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_staff_or_admin(self) -> bool:
        return self.role in (Role.ADMIN, Role.STAFF)

    @property
    def is_student(self) -> bool:
        return self.role == Role.STUDENT

    @cached_property
    def student(self):
        """The student record of a student member (None for others)."""
        if not self.is_student:
            return None
        return Student.objects.filter(college=self.college, user=self.user).select_related("group").first()


def _token_user(request: HttpRequest):
    """The user of an ``Authorization: Token …`` header, resolved once for the middleware and DRF."""
    if "HTTP_AUTHORIZATION" not in request.META:
        return None
    from .authentication import TokenAuthentication

    try:
        result = TokenAuthentication().authenticate(request)
    except APIException:  # a bad or expired token, an account that must enroll MFA: DRF answers it in the view
        return None
    if result is None:
        return None
    request._token_auth = result
    return result[0]


def _not_found(request: HttpRequest, api: bool) -> HttpResponse:
    if api:
        return JsonResponse({"detail": _("Not found."), "errors": []}, status=404)
    raise Http404


class TenantMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.college = None
        request.access = None
        if request.path_info.startswith("/admin/"):
            # The operator's Django admin works across colleges; it is limited to superusers.
            with scopes_disabled():
                return self.get_response(request)
        match = COLLEGE_PATH.match(request.path_info)
        if match is None:
            return self.get_response(request)
        api = bool(match["api"])
        user = request.user
        if not user.is_authenticated and api:
            user = _token_user(request) or AnonymousUser()
        college, membership = tenancy_facts(request, match["slug"], user)
        if college is None:
            return _not_found(request, api)
        if user.is_authenticated and membership is None and not user.is_operator:
            return _not_found(request, api)
        request.college = college
        request.access = CollegeAccess(college, user, membership)

        if connection.vendor == "postgresql":
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config(%s, %s, true)", [RLS_SETTING, str(college.pk)])
                with scope(college=college.pk):
                    return self.get_response(request)
        with scope(college=college.pk):
            return self.get_response(request)


def user_memberships(user, primed: list[Membership] | None = None) -> list[Membership]:
    """Every college the user belongs to, for the college switcher (``primed``: already read by the middleware)."""
    if not user.is_authenticated:
        return []
    if primed is not None:
        return primed
    key = _memberships_key(user.pk)
    memberships = cache.get(key)
    if memberships is None:
        with scopes_disabled():
            memberships = list(
                Membership.objects.filter(user=user).select_related("college").order_by("college__name_kk")
            )
        cache.set(key, memberships, TENANCY_CACHE_SECONDS)
    return memberships


def _unread_key(slug: str, user_id: int) -> str:
    return f"notifications:unread:{slug}:{user_id}"


def unread_count(access: CollegeAccess, primed: int | None = None) -> int:
    """Unread notices of the user in this college, cached until a notice is sent or read (``primed``: already read
    by the middleware)."""
    if primed is not None:
        return primed
    key = _unread_key(access.college.slug, access.user.pk)
    count = cache.get(key)
    if count is None:
        count = Notification.objects.filter(college=access.college, user=access.user, read_at__isnull=True).count()
        cache.set(key, count, 300)
    return count


def unread_forget(college: College, user_ids: list[int]) -> None:
    cache.delete_many([_unread_key(college.slug, pk) for pk in user_ids])


@lru_cache(maxsize=4096)
def college_nav(slug: str) -> dict[str, str]:
    """The navigation addresses of a college, reversed once per process (they never change)."""
    names = ["dashboard", "students", "student_new", "import", "me", "documents", "members", "audit", "campaigns",
             "notifications"]
    urls = {name: reverse(f"college:{name}", kwargs={"college": slug}) for name in names}
    for entity in ("programs", "groups", "disciplines"):
        urls[entity] = reverse("college:registry", kwargs={"college": slug, "entity": entity})
    urls["student_prefix"] = urls["students"]  # + "<id>/" gives a student's page
    return urls


@lru_cache(maxsize=1)
def site_nav() -> dict[str, str]:
    """The addresses every page's layout links to outside a college, reversed once per process."""
    names = {"home": "home", "set_language": "set_language", "mfa": "mfa_index",
             "change_password": "account_change_password", "logout": "account_logout", "tokens": "account_tokens"}
    return {key: reverse(name) for key, name in names.items()}


def college_context(request: HttpRequest) -> dict:
    college = getattr(request, "college", None)
    access = getattr(request, "access", None)
    return {
        "college": college,
        "nav": college_nav(college.slug) if college is not None else {},
        "app_menu": menu_for(college.slug, access.role) if college is not None and access is not None else (),
        "access": getattr(request, "access", None),
        "my_memberships": SimpleLazyObject(lambda: user_memberships(request.user,
                                                                      getattr(request, "_memberships", None))),
        "unread_notifications": SimpleLazyObject(
            lambda: unread_count(access, getattr(request, "_unread", None)) if access and access.role else 0),
        "LANGUAGES": settings.LANGUAGES,
        "site": site_nav(),
    }
