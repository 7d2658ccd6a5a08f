"""REST API of the monitoring, mounted under /api/v1/monitoring/ (not per college: the viewer decides what is seen)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api.colleges import (
    ActViewSet,
    DocumentFileView,
    ParticipantViewSet,
    RepresentativeViewSet,
    ResultViewSet,
    RoundCollegeViewSet,
    SeatingView,
)
from .api.public import PublicResultsView, SurveyView
from .api.rounds import RoundViewSet

router = SimpleRouter(use_regex_path=False)
router.register("rounds", RoundViewSet, basename="monitoring-round")

ROUND = "rounds/<int:round_pk>/"

urlpatterns = [
    path("", include(router.urls)),
    path(f"{ROUND}colleges/", RoundCollegeViewSet.as_view({"get": "list"}), name="monitoring-round-colleges"),
    path(f"{ROUND}colleges/<slug:code>/", RoundCollegeViewSet.as_view({"get": "retrieve"}),
         name="monitoring-round-college"),
    path(f"{ROUND}participants/", ParticipantViewSet.as_view({"get": "list", "post": "create"}),
         name="monitoring-participants"),
    path(f"{ROUND}participants/<int:pk>/", ParticipantViewSet.as_view({"get": "retrieve"}),
         name="monitoring-participant"),
    path(f"{ROUND}participants/<int:pk>/file/", ParticipantViewSet.as_view({"get": "file"}),
         name="monitoring-participant-file"),
    path(f"{ROUND}seating/", SeatingView.as_view(), name="monitoring-seating"),
    path(f"{ROUND}representatives/", RepresentativeViewSet.as_view({"get": "list", "post": "create"}),
         name="monitoring-representatives"),
    path(f"{ROUND}representatives/<int:pk>/", RepresentativeViewSet.as_view({"delete": "destroy"}),
         name="monitoring-representative"),
    path(f"{ROUND}acts/", ActViewSet.as_view({"get": "list", "post": "create"}), name="monitoring-acts"),
    path(f"{ROUND}acts/<int:pk>/", ActViewSet.as_view({"get": "retrieve"}), name="monitoring-act"),
    path(f"{ROUND}results/", ResultViewSet.as_view({"get": "list", "post": "create"}), name="monitoring-results"),
    path(f"{ROUND}documents/<int:pk>/file/", DocumentFileView.as_view(), name="monitoring-document-file"),
    path("surveys/<str:token>/", SurveyView.as_view(), name="monitoring-survey"),
    path("public/<int:year>/", PublicResultsView.as_view(), name="monitoring-public"),
]
