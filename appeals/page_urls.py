"""Pages of the appeals app under /colleges/<college>/ (namespace "appeals")."""

from django.urls import path

from . import views

app_name = "appeals"

urlpatterns = [
    path("appeals/", views.appeals_list, name="list"),
    path("appeals/results/<int:pk>/", views.appeal_file, name="file"),
    path("appeals/<int:pk>/", views.appeal_detail, name="detail"),
    path("appeals/attachments/<int:pk>/", views.attachment, name="attachment"),
]
