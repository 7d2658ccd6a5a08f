"""Building blocks shared by every college API: pagination, role permissions, the tenant-bound viewset
and Idempotency-Key replay."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from rest_framework import mixins, permissions, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from .models import IdempotentRequest
from .tenancy import CollegeAccess

READ = "read"
WRITE = "write"


def access_of(request) -> CollegeAccess:
    access = getattr(request._request if hasattr(request, "_request") else request, "access", None)
    if access is None:
        raise NotFound()
    # Token-authenticated requests: the middleware resolved the same user DRF did.
    return access


class CollegeRolePermission(permissions.BasePermission):
    """Roles per kind of action, from the view's ``roles = {"read": {...}, "write": {...}}``."""

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        access = access_of(request)
        if access.user.pk != request.user.pk:
            return False
        kind = READ if request.method in permissions.SAFE_METHODS else WRITE
        allowed = view.roles.get(getattr(view, "action", None) or "", view.roles.get(kind, set()))
        return access.role in allowed


class CollegeViewSetMixin:
    """Everything a college endpoint needs: the college from the URL, role checks, and no object of
    another college ever reachable (querysets start from request.college)."""

    permission_classes = [CollegeRolePermission]
    lookup_value_converter = "int"
    roles: dict[str, set[str]] = {READ: {"admin", "staff"}, WRITE: {"admin"}}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no college
            return self.schema_model().objects.none()
        return self.college_queryset()

    def college_queryset(self):
        raise NotImplementedError

    def schema_model(self):
        return self.get_serializer_class().Meta.model

    @property
    def access(self) -> CollegeAccess:
        return access_of(self.request)

    @property
    def college(self):
        return self.access.college

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self.request, "_request", None) is not None and getattr(self.request._request, "access", None):
            context["college"] = self.request._request.access.college
        return context


class IdempotentCreateMixin:
    """POST with an ``Idempotency-Key`` header: the first answer is stored and replayed for the same
    key, so a client retrying after a timeout never creates twice."""

    def create(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key", "").strip()[:255]
        if not key:
            return super().create(request, *args, **kwargs)
        access = access_of(request)
        previous = IdempotentRequest.objects.filter(college=access.college, user=request.user, key=key).first()
        if previous is not None:
            return Response(previous.body, status=previous.status_code, headers={"Idempotent-Replay": "true"})
        response = super().create(request, *args, **kwargs)
        if 200 <= response.status_code < 300:
            try:
                with transaction.atomic():
                    IdempotentRequest.objects.create(
                        college=access.college, user=request.user, key=key, method=request.method,
                        path=request.path[:500], status_code=response.status_code, body=response.data)
            except IntegrityError:
                pass  # a concurrent retry stored it first
        return response


class CollegeModelViewSet(CollegeViewSetMixin, IdempotentCreateMixin, viewsets.ModelViewSet):
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]


class CollegeReadOnlyViewSet(CollegeViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class CollegeListCreateDestroyViewSet(CollegeViewSetMixin, IdempotentCreateMixin, mixins.ListModelMixin,
                                      mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                                      mixins.DestroyModelMixin, viewsets.GenericViewSet):
    pass
