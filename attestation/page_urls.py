from django.urls import path

from . import views

app_name = "college"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("registry/<str:entity>/", views.registry_list, name="registry"),
    path("registry/<str:entity>/new/", views.registry_edit, name="registry_new"),
    path("registry/<str:entity>/<int:pk>/edit/", views.registry_edit, name="registry_edit"),
    path("registry/<str:entity>/<int:pk>/delete/", views.registry_delete, name="registry_delete"),
    path("students/", views.students, name="students"),
    path("students/new/", views.student_edit, name="student_new"),
    path("students/<int:pk>/", views.student_detail, name="student"),
    path("students/<int:pk>/edit/", views.student_edit, name="student_edit"),
    path("students/<int:pk>/delete/", views.student_delete, name="student_delete"),
    path("students/<int:pk>/transcript.pdf", views.transcript_pdf_request, name="transcript_pdf"),
    path("me/", views.my_record, name="me"),
    path("import/", views.import_page, name="import"),
    path("import/template/<str:kind>.<str:fmt>", views.import_template_download, name="import_template"),
    path("documents/", views.documents, name="documents"),
    path("documents/<int:pk>/row/", views.document_row, name="document_row"),
    path("documents/<int:pk>/status/", views.document_status, name="document_status"),
    path("documents/<int:pk>/file/", views.document_file, name="document_file"),
    path("documents/<int:pk>/retry/", views.document_retry_view, name="document_retry"),
    path("members/", views.members, name="members"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/new/", views.campaign_edit, name="campaign_new"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/delete/", views.campaign_delete, name="campaign_delete"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("audit/", views.audit, name="audit"),
]
