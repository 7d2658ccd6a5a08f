"""Pages of the commissions app under /colleges/<college>/ (namespace "commissions")."""

from django.urls import path

from . import views

app_name = "commissions"

urlpatterns = [
    path("attestation/commissions/", views.commissions, name="commissions"),
    path("attestation/commissions/<int:pk>/", views.commission, name="commission"),
    path("attestation/commissions/<int:pk>/approve/", views.commission_approve, name="commission_approve"),
    path("attestation/schedule/", views.schedules, name="schedules"),
    path("attestation/schedule/<int:pk>/publish/", views.schedule_publish, name="schedule_publish"),
    path("attestation/sessions/<int:pk>/protocol/", views.protocol, name="protocol"),
    path("attestation/sessions/<int:pk>/protocol/open/", views.protocol_open, name="protocol_open"),
    path("attestation/sessions/<int:pk>/protocol/sign/", views.protocol_sign, name="protocol_sign"),
    path("attestation/sessions/<int:pk>/protocol/close/", views.protocol_close, name="protocol_close"),
    path("attestation/sessions/<int:pk>/protocol/pdf/", views.protocol_pdf, name="protocol_pdf"),
    path("attestation/protocol-rows/<int:pk>/", views.protocol_row, name="protocol_row"),
    path("attestation/protocol-rows/<int:pk>/draw/", views.protocol_draw, name="protocol_draw"),
    path("attestation/protocol-attendance/<int:pk>/", views.protocol_attendance, name="protocol_attendance"),
    path("attestation/schedule/campaigns/<int:pk>/sessions/new/", views.exam_new, name="exam_new"),
    path("attestation/force-majeure/", views.decisions, name="decisions"),
    path("attestation/my/", views.my_attestation, name="my_attestation"),
    path("attestation/my/results/<int:pk>/readmission/", views.readmission_apply, name="readmission_apply"),
    path("attestation/diploma-works/", views.diploma_works, name="diploma_works"),
    path("attestation/readmissions/", views.readmissions, name="readmissions"),
    path("attestation/readmissions/<int:pk>/", views.readmission, name="readmission"),
    path("attestation/readmissions/<int:pk>/document/", views.readmission_document, name="readmission_document"),
    path("attestation/readmissions/<int:pk>/decide/", views.readmission_decide, name="readmission_decide"),
    path("attestation/readmissions/<int:pk>/schedule/", views.readmission_schedule, name="readmission_schedule"),
    path("attestation/protocol-rows/<int:pk>/tech-failure/", views.protocol_tech_failure,
         name="protocol_tech_failure"),
    path("attestation/protocol-rows/<int:pk>/tech-failure/reschedule/", views.protocol_tech_failure_reschedule,
         name="protocol_tech_failure_reschedule"),
    path("attestation/sessions/<int:pk>/procedure/", views.exam_procedure, name="exam_procedure"),
    path("attestation/my/slots/<int:pk>/confirm-procedure/", views.procedure_confirm, name="procedure_confirm"),
    path("attestation/sessions/<int:pk>/protocol/amend/", views.protocol_amend, name="protocol_amend"),
]
