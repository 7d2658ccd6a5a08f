"""Read-only aggregates for authorities: counts per region and college, never personal records."""

from __future__ import annotations

from django.db.models import Count
from django_scopes import scopes_disabled

from attestation.models import College, Student


def colleges_overview(*, region: str | None) -> list[dict]:
    """Colleges (limited to one region for a regional department) with their student counts."""
    with scopes_disabled():
        colleges = College.objects.all()
        if region:
            colleges = colleges.filter(region=region)
        counts = dict(
            Student.objects.filter(college__in=colleges).values_list("college_id").annotate(n=Count("id"))
        )
        return [{"college": c, "students": counts.get(c.pk, 0)} for c in colleges.order_by("region", "name_kk")]
