"""The college's rule settings (refused or warned: COM-01, SCH-05, DEF-06, the online profile, the academic year)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from attestation.audit import audit_log
from attestation.models import College, User

from .. import rules
from ..models import AttestationPolicy
from .common import _field_error

POLICY_FIELDS = ("late_commission_order", "late_schedule", "late_diploma_work", "warn_secretary_in_ratio",
                 "online_profile", "academic_year_end_month", "academic_year_end_day")


@transaction.atomic
def policy_save(*, college: College, by: User, **fields: Any) -> AttestationPolicy:
    policy = AttestationPolicy.objects.filter(college=college).first() or AttestationPolicy(college=college)
    changed = {}
    for name in POLICY_FIELDS:
        if name in fields and getattr(policy, name) != fields[name]:
            changed[name] = [getattr(policy, name), fields[name]]
            setattr(policy, name, fields[name])
    policy.full_clean(validate_unique=False, validate_constraints=False)
    if rules.academic_year_end("2000-2001", month=policy.academic_year_end_month,
                               day=policy.academic_year_end_day) is None:
        raise _field_error("academic_year_end_day", _("Not a valid day."))
    policy.save()
    audit_log(action="attestation_policy.updated", college=college, actor=by, obj=policy, data=changed)
    return policy
