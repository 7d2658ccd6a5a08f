"""What the commissions' writes share: the version conflict (409), the shapes of a refusal, the college's
rule settings and the documents they issue."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from attestation.documents.kinds import get_kind
from attestation.documents.pipeline import document_request
from attestation.models import College, Document, User
from attestation.rules import RulesBroken, RuleViolation

from .. import selectors
from ..models import AttestationPolicy


class VersionConflict(Exception):
    """Someone else changed the object since it was read (409). ``current`` is what is stored now."""

    def __init__(self, message: str, current: Any = None, items: list[dict] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.current = current
        self.items = items or []


def _field_error(field_name: str, message: str) -> ValidationError:
    return ValidationError({field_name: [message]})


def _broken(violations: list[RuleViolation], detail: str) -> RulesBroken:
    return RulesBroken(violations, detail)


def _same_college(college: College, **objects: Any) -> None:
    for name, obj in objects.items():
        if obj is not None and obj.college_id != college.pk:
            raise _field_error(name, _("Not found in this college."))


def _policy(college: College) -> AttestationPolicy:
    return selectors.policy_get(college=college)


def _student_users(students) -> list[User]:
    return [s.user for s in students if s.user_id is not None]



def _request_document(*, college: College, kind: str, subject_id: int, by: User | None,
                      language: str | None = None) -> Document:
    document, _created = document_request(college=college, kind=get_kind(kind), subject_id=subject_id,
                                          language=language or college.language, by=by)
    return document
