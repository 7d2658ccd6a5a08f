"""Thin Celery tasks of the appeals app: they take ids, open the college's scope and call services."""

from __future__ import annotations

from celery import shared_task
from django_scopes import scope, scopes_disabled

from attestation.models import College

from . import services
from .models import Appeal


@shared_task(acks_late=True)
def appeals_remind_due() -> int:
    """Beat (hourly): remind the appeal commissions the working day before a decision is due (APP-04). Idempotent:
    each appeal is reminded once (``reminded_on``)."""
    with scopes_disabled():
        college_ids = list(Appeal.objects.filter(status=Appeal.Status.UNDER_REVIEW, reminded_on__isnull=True)
                           .values_list("college_id", flat=True).distinct())
        colleges = list(College.objects.filter(pk__in=college_ids))
    total = 0
    for college in colleges:
        with scope(college=college.pk):
            total += services.appeals_remind_due(college=college)
    return total
