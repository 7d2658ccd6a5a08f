"""Pages of the commissions app under /colleges/<college>/ (namespace "commissions")."""

from django.urls import path

from .views import composition, diploma_works, force_majeure, protocols, readmission, schedule, student

app_name = "commissions"

urlpatterns = [
    path("attestation/commissions/", composition.commissions, name="commissions"),
    path("attestation/commissions/<int:pk>/", composition.commission, name="commission"),
    path("attestation/commissions/<int:pk>/approve/", composition.commission_approve, name="commission_approve"),
    path("attestation/schedule/", schedule.schedules, name="schedules"),
    path("attestation/schedule/<int:pk>/publish/", schedule.schedule_publish, name="schedule_publish"),
    path("attestation/sessions/<int:pk>/protocol/", protocols.protocol, name="protocol"),
    path("attestation/sessions/<int:pk>/protocol/open/", protocols.protocol_open, name="protocol_open"),
    path("attestation/sessions/<int:pk>/protocol/sign/", protocols.protocol_sign, name="protocol_sign"),
    path("attestation/sessions/<int:pk>/protocol/close/", protocols.protocol_close, name="protocol_close"),
    path("attestation/sessions/<int:pk>/protocol/pdf/", protocols.protocol_pdf, name="protocol_pdf"),
    path("attestation/protocol-rows/<int:pk>/", protocols.protocol_row, name="protocol_row"),
    path("attestation/protocol-rows/<int:pk>/draw/", protocols.protocol_draw, name="protocol_draw"),
    path("attestation/protocol-attendance/<int:pk>/", protocols.protocol_attendance, name="protocol_attendance"),
    path("attestation/schedule/campaigns/<int:pk>/sessions/new/", schedule.exam_new, name="exam_new"),
    path("attestation/force-majeure/", force_majeure.decisions, name="decisions"),
    path("attestation/my/", student.my_attestation, name="my_attestation"),
    path("attestation/my/results/<int:pk>/readmission/", student.readmission_apply, name="readmission_apply"),
    path("attestation/diploma-works/", diploma_works.diploma_works, name="diploma_works"),
    path("attestation/readmissions/", readmission.readmissions, name="readmissions"),
    path("attestation/readmissions/<int:pk>/", readmission.readmission, name="readmission"),
    path("attestation/readmissions/<int:pk>/document/", readmission.readmission_document, name="readmission_document"),
    path("attestation/readmissions/<int:pk>/decide/", readmission.readmission_decide, name="readmission_decide"),
    path("attestation/readmissions/<int:pk>/schedule/", readmission.readmission_schedule, name="readmission_schedule"),
    path("attestation/protocol-rows/<int:pk>/tech-failure/", protocols.protocol_tech_failure,
         name="protocol_tech_failure"),
    path("attestation/protocol-rows/<int:pk>/tech-failure/reschedule/", protocols.protocol_tech_failure_reschedule,
         name="protocol_tech_failure_reschedule"),
    path("attestation/sessions/<int:pk>/procedure/", schedule.exam_procedure, name="exam_procedure"),
    path("attestation/my/slots/<int:pk>/confirm-procedure/", student.procedure_confirm, name="procedure_confirm"),
    path("attestation/sessions/<int:pk>/protocol/amend/", protocols.protocol_amend, name="protocol_amend"),
]
