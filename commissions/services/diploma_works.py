"""Diploma works with their review and presentation, submitted before the defence (DEF-06)."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attestation.audit import audit_log
from attestation.models import Campaign, College, Student, User
from attestation.rules import RuleViolation
from attestation.uploads import (
    DOCUMENT_MAX_BYTES,
    PRESENTATION_TYPES,
    REVIEW_TYPES,
    WORK_MAX_BYTES,
    WORK_TYPES,
    CheckedUpload,
    upload_check,
)

from .. import rules, selectors
from ..models import DiplomaWork, ExamSlot, Protocol, ProtocolLocked, RuleMode
from .common import VersionConflict, _broken, _field_error, _policy, _same_college


def _store(instance, field_name: str, checked: CheckedUpload) -> None:
    getattr(instance, field_name).save(checked.name, ContentFile(checked.data), save=False)
    setattr(instance, f"{field_name}_sha256", checked.sha256)


@transaction.atomic
def diploma_work_save(*, college: College, by: User, campaign: Campaign, student: Student, topic: str,
                      kind: str = DiplomaWork.Kind.PROJECT, supervisor: str = "", file=None, review=None,
                      presentation=None, work: DiplomaWork | None = None, version: int | None = None,
                      replace: bool = False) -> tuple[DiplomaWork, list[RuleViolation]]:
    """Register or update a diploma work with its files (sniffed, size-checked). DEF-06: the complete work is in
    two weeks before the start (refused or warned, by the college's setting). A student's existing work is changed
    only when asked: ``work``/``version`` (the API) or ``replace`` (the page's "submit or replace" form)."""
    _same_college(college, campaign=campaign, student=student)
    if not selectors.campaign_students(college=college, campaign=campaign).filter(pk=student.pk).exists():
        raise _field_error("student", _("The student's group does not take part in this campaign."))
    if not (topic or "").strip():
        raise _field_error("topic", _("The topic is required."))
    if kind not in DiplomaWork.Kind.values:
        raise _field_error("kind", _("Choose project or work."))
    checked = {}
    for name, upload, allowed, limit in (("file", file, WORK_TYPES, WORK_MAX_BYTES),
                                         ("review", review, REVIEW_TYPES, DOCUMENT_MAX_BYTES),
                                         ("presentation", presentation, PRESENTATION_TYPES, WORK_MAX_BYTES)):
        if upload is not None:
            checked[name] = upload_check(upload, allowed=allowed, max_bytes=limit, field=name)
    if work is None:
        work = DiplomaWork.objects.select_for_update().filter(college=college, campaign=campaign,
                                                              student=student).first()
        if work is not None and version is None and not replace:
            raise _field_error("student", _("The student already has a diploma work in this campaign."))
    else:
        work = DiplomaWork.objects.select_for_update().get(pk=work.pk, college=college)
    if work is not None and version is not None and work.version != version:
        raise VersionConflict(_("The diploma work was changed by someone else meanwhile; reload it."), work)
    if work is not None and ExamSlot.objects.filter(college=college, diploma_work=work,
                                                    results__protocol__status=Protocol.Status.CLOSED).exists():
        raise ProtocolLocked(_("The work has been defended; it no longer changes."))
    created = work is None
    if created:
        work = DiplomaWork(college=college, campaign=campaign, student=student)
    complete_after = all(name in checked or bool(getattr(work, name)) for name in ("file", "review", "presentation"))
    warnings: list[RuleViolation] = []
    submitted = complete_after and (not work.is_complete or bool(checked))
    if submitted:
        # DEF-06 is checked before anything is stored: a refused work leaves no file behind.
        late = rules.diploma_submission_check(submitted_on=college.today(),
                                              campaign_starts_on=campaign.starts_on)
        if late is not None:
            if _policy(college).late_diploma_work == RuleMode.ERROR:
                raise _broken([late], _("The diploma work is not accepted."))
            warnings.append(late)
    work.topic, work.kind, work.supervisor = topic.strip(), kind, supervisor.strip()
    if not created:
        work.version += 1
    work.save()
    for name, upload in checked.items():
        _store(work, name, upload)
    if submitted:
        work.submitted_at = timezone.now()
        work.late_warning = bool(warnings)
    work.save()
    audit_log(action="diploma_work.created" if created else "diploma_work.updated", college=college, actor=by,
              obj=work, data={"student": student.pk, "topic": work.topic, "files": sorted(checked),
                              "complete": work.is_complete, "warnings": [w.rule for w in warnings]})
    return work, warnings
