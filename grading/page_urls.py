"""Pages of the grading app under /colleges/<college>/ (namespace "grading")."""

from django.urls import path

from . import views

app_name = "grading"

urlpatterns = [
    path("attestation/admissions/", views.admissions, name="admissions"),
    path("attestation/individual/", views.individual, name="individual"),
    path("attestation/individual/<int:pk>/file/", views.individual_file, name="individual_file"),
    path("attestation/individual/<int:pk>/delete/", views.individual_delete, name="individual_delete"),
    path("attestation/results/", views.results, name="results"),
    path("attestation/honours/", views.honours, name="honours"),
    path("attestation/honours/<int:pk>/confirm/", views.honours_confirm, name="honours_confirm"),
    path("attestation/decisions/", views.decisions, name="decisions"),
    path("attestation/decisions/batches/<int:pk>/", views.decision_batch, name="decision_batch"),
    path("attestation/decisions/students/<int:pk>/", views.decision_student, name="decision_student"),
    path("attestation/students/<int:pk>/", views.student, name="student"),
    path("attestation/me/", views.me, name="me"),
]
