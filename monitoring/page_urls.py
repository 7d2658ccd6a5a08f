"""The college administrator's monitoring pages under /colleges/<college>/ (namespace "college_monitoring")."""

from django.urls import path

from .views import college, college_analytics

app_name = "college_monitoring"

ROUND = "monitoring/rounds/<int:pk>/"

urlpatterns = [
    path("monitoring/", college.rounds, name="rounds"),
    path(ROUND, college.round_page, name="round"),
    path(f"{ROUND}excuse/", college.excuse, name="excuse"),
    path(f"{ROUND}participants/<int:participant>/withdraw/", college.withdraw, name="withdraw"),
    path(f"{ROUND}participants/<int:participant>/file/", college.excusal_file, name="excusal_file"),
    path(f"{ROUND}seating/", college.seating, name="seating"),
    path(f"{ROUND}seating.xlsx", college.seating_xlsx, name="seating_xlsx"),
    path(f"{ROUND}seating.pdf", college.seating_pdf, name="seating_pdf"),
    path(f"{ROUND}refresh/", college.refresh, name="refresh"),
    path(f"{ROUND}documents/<int:document>/", college.document_file, name="document"),
    path(f"{ROUND}analytics/", college_analytics.analytics, name="analytics"),
    path(f"{ROUND}survey/", college_analytics.survey_page, name="survey"),
    path(f"{ROUND}survey/<int:batch>/links/", college_analytics.survey_links, name="survey_links"),
]
