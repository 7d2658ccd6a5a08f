"""The append-only audit log: every state change and sign-in, with who, what, when and the college."""

from __future__ import annotations

from typing import Any

from django.db import models

from .models import AuditEntry, College, User


def audit_entry(
    *,
    action: str,
    college: College | int | None,
    actor: User | None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """One entry, not yet saved: for services that write many at once with ``bulk_create``."""
    actor_label = ""
    if actor is not None and actor.is_authenticated:
        actor_label = actor.username
    else:
        actor = None
    return AuditEntry(
        college_id=college.pk if isinstance(college, College) else college,
        actor=actor,
        actor_label=actor_label,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        data=_jsonable(data or {}),
        ip=ip,
    )


def audit_log(
    *,
    action: str,
    college: College | int | None,
    actor: User | None,
    obj: models.Model | None = None,
    data: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Append one entry. Called by services inside their transaction, so a rolled-back change leaves
    no entry behind and a committed one always has its entry."""
    entry = audit_entry(action=action, college=college, actor=actor, obj=obj, data=data, ip=ip)
    entry.save(force_insert=True)
    return entry


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the one the configured number of trusted proxies put in
    X-Forwarded-For (ATTESTATION_TRUSTED_PROXIES, none by default), as allauth's limiter sees it."""
    from allauth.core.internal.httpkit import get_client_ip
    from django.core.exceptions import ImproperlyConfigured

    try:
        return get_client_ip(getattr(request, "_request", request))
    except ImproperlyConfigured:  # fewer proxies in X-Forwarded-For than configured: not from our proxy
        return request.META.get("REMOTE_ADDR") or None
