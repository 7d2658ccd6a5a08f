from importlib import import_module

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from . import api, tokens
from .authorities import AuthorityViewSet

colleges = SimpleRouter(use_regex_path=False)
colleges.register("colleges", api.CollegeViewSet, basename="college")
colleges.register("authorities", AuthorityViewSet, basename="authority")

college = SimpleRouter(use_regex_path=False)
college.register("members", api.MemberViewSet, basename="member")
college.register("programs", api.ProgramViewSet, basename="program")
college.register("groups", api.GroupViewSet, basename="group")
college.register("disciplines", api.DisciplineViewSet, basename="discipline")
college.register("students", api.StudentViewSet, basename="student")
college.register("transcript", api.TranscriptViewSet, basename="transcript")
college.register("documents", api.DocumentViewSet, basename="document")
college.register("audit", api.AuditViewSet, basename="audit")
college.register("campaigns", api.CampaignViewSet, basename="campaign")
college.register("notifications", api.NotificationViewSet, basename="notification")

# Every app's per-college routes: (namespace, router). The tenant isolation test walks them all.
COLLEGE_ROUTERS = [("attestation", college)]
for app in ("grading", "commissions", "appeals"):
    COLLEGE_ROUTERS.append((app, import_module(f"{app}.api_urls").router))

urlpatterns = [
    path("auth/token/", tokens.TokenView.as_view(), name="api-token"),
    path("auth/tokens/", tokens.TokenListView.as_view(), name="api-tokens"),
    path("auth/tokens/<str:token>/", tokens.TokenDetailView.as_view(), name="api-token-detail"),
    path("verify/<str:token>/", api.VerifyView.as_view(), name="api-verify"),
    path("calendar/working-days/", api.WorkingDaysView.as_view(), name="api-working-days"),
    path("calendar/overrides/", api.CalendarOverrideView.as_view(), name="api-calendar-overrides"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *[path("colleges/<slug:college>/", include(router.urls)) for _app, router in COLLEGE_ROUTERS],
    *[path("", include(f"{app}.api_urls")) for app in ("grading", "commissions", "appeals")],
    path("monitoring/", include("monitoring.api_urls")),
    path("", include(colleges.urls)),
]
