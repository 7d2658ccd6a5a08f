"""Document kind ``transcript``: a student's record of graded curriculum components."""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import College, Student, TranscriptEntry, localized, region_name
from ..scale import gpa
from .kinds import DocumentKind, register


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def transcript_payload(*, college: College, subject_id: int, language: str) -> dict:
    student = (Student.objects.filter(college=college, pk=subject_id)
               .select_related("group__program").first())
    if student is None:
        raise Http404
    program = student.group.program
    entries = (TranscriptEntry.objects.filter(college=college, student=student)
               .select_related("discipline").order_by("discipline__semester", "discipline__code", "attempt"))
    rows = []
    latest: OrderedDict[int, TranscriptEntry] = OrderedDict()
    for entry in entries:
        discipline = entry.discipline
        rows.append({
            "semester": discipline.semester,
            "code": discipline.code,
            "name": localized(discipline, "name", language),
            "kind": discipline.get_kind_display(),
            "credits": _decimal(discipline.credits),
            "hours": discipline.hours,
            "attempt": entry.attempt,
            "percent": entry.percent,
            "percent_raw": _decimal(entry.percent_raw),  # as the college entered it (89.5; the band is from 90)
            "letter": entry.letter,
            "points": _decimal(entry.points),
            "traditional": entry.get_traditional_display(),
            "is_final_attestation": entry.is_final_attestation,
            "held_on": entry.held_on.isoformat(),
        })
        latest[discipline.pk] = entry  # ordered by attempt: the last one counts
    graded = [(e.points, e.discipline.credits) for e in latest.values()]
    average = gpa(graded)
    credits = sum((e.discipline.credits or Decimal(0) for e in latest.values()), Decimal(0))
    return {
        "college": {"name": college.name_in(language), "region": region_name(college.region, language)},
        "student": {
            "id": student.pk,
            "full_name": student.full_name,
            "iin": student.iin,
            "group": student.group.name,
            "program_code": program.code,
            "program_name": localized(program, "name", language),
            "qualification": localized(program, "qualification", language),
            "study_form": student.group.get_study_form_display(),
            "grading_system": program.get_grading_system_display(),
        },
        "rows": rows,
        "gpa": None if average is None else str(average.quantize(Decimal("0.01"))),
        "credits_total": str(credits),
        "components": len(latest),
        "issued_on": timezone.localdate().isoformat(),
    }


def transcript_title(payload: dict, language: str) -> str:
    return _("Transcript of %(name)s") % {"name": payload["student"]["full_name"]}


def transcript_student(*, college: College, subject_id: int) -> int:
    return subject_id


TRANSCRIPT = register(DocumentKind(
    code="transcript",
    label=gettext_lazy("transcript"),
    template="documents/transcript.html",
    build_payload=transcript_payload,
    title=transcript_title,
    student_of=transcript_student,
    on_demand=True,
))
