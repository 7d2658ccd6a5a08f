"""Objects of college B for the tenant isolation test, for the commissions app's routes and pages."""

from __future__ import annotations

from datetime import date

from django.core.files.base import ContentFile

from ..isolation import api_object, page_kwargs
from .builders import commission_of, exam_of, protocol_of


def diploma_work_of(cast):
    from commissions.models import DiplomaWork
    from tests.grading.builders import campaign_of

    work = DiplomaWork.objects.filter(college=cast.college).first()
    if work is None:
        work = DiplomaWork.objects.create(college=cast.college, campaign=campaign_of(cast), student=cast.student,
                                          topic="Isolation")
    return work


def result_of(cast):
    protocol = protocol_of(cast)
    return protocol.results.order_by("id").first()


def readmission_of(cast):
    from commissions.models import ReAdmission

    existing = ReAdmission.objects.filter(college=cast.college).first()
    if existing is not None:
        return existing
    result = result_of(cast)
    readmission = ReAdmission(college=cast.college, student=result.student, result=result, reason="health",
                              application="Ill")
    readmission.document.save("note.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
    readmission.save()
    return readmission


def decision_of(cast):
    from commissions.models import ForceMajeureDecision

    existing = ForceMajeureDecision.objects.filter(college=cast.college).first()
    return existing or ForceMajeureDecision.objects.create(
        college=cast.college, commission=commission_of(cast), trigger="quarantine",
        authority_decision_ref="Order 1", authority_decision_date=date(2027, 5, 1), decision_ref="P-1",
        decided_on=date(2027, 5, 2), derives_results=True)


def member_of(cast):
    return commission_of(cast).members.order_by("id").first()


api_object("commission")(lambda b: commission_of(b).pk)
api_object("commission-member")(lambda b: member_of(b).pk)
api_object("schedule")(lambda b: exam_of(b).schedule_id)
api_object("exam")(lambda b: exam_of(b).pk)
api_object("slot")(lambda b: exam_of(b).slots.order_by("id").first().pk)
api_object("diploma-work")(lambda b: diploma_work_of(b).pk)
api_object("readmission")(lambda b: readmission_of(b).pk)
api_object("force-majeure")(lambda b: decision_of(b).pk)

for name in ("commission", "commission_approve"):
    page_kwargs(f"commissions:{name}")(lambda b: {"pk": commission_of(b).pk})
for name in ("protocol", "protocol_open", "protocol_sign", "protocol_close", "protocol_pdf"):
    page_kwargs(f"commissions:{name}")(lambda b: {"pk": exam_of(b).pk})
for name in ("protocol_row", "protocol_draw"):
    page_kwargs(f"commissions:{name}")(lambda b: {"pk": result_of(b).pk})
page_kwargs("commissions:protocol_attendance")(lambda b: {"pk": protocol_of(b).attendance.order_by("id").first().pk})
page_kwargs("commissions:exam_new")(lambda b: {"pk": exam_of(b).commission.campaign_id})
page_kwargs("commissions:readmission_apply")(lambda b: {"pk": result_of(b).pk})
page_kwargs("commissions:schedule_publish")(lambda b: {"pk": exam_of(b).schedule_id})
for name in ("readmission", "readmission_document", "readmission_decide", "readmission_schedule"):
    page_kwargs(f"commissions:{name}")(lambda b: {"pk": readmission_of(b).pk})
for name in ("protocol_tech_failure", "protocol_tech_failure_reschedule"):
    page_kwargs(f"commissions:{name}")(lambda b: {"pk": result_of(b).pk})
page_kwargs("commissions:exam_procedure")(lambda b: {"pk": exam_of(b).pk})
page_kwargs("commissions:procedure_confirm")(lambda b: {"pk": exam_of(b).slots.order_by("id").first().pk})
page_kwargs("commissions:protocol_amend")(lambda b: {"pk": exam_of(b).pk})
