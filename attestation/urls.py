from django.contrib import admin
from django.urls import include, path

from . import tokens, views

COLLEGE_PAGE_APPS = ("grading", "commissions", "appeals", "monitoring")

handler404 = "attestation.errors.json_404"
handler500 = "attestation.errors.json_500"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/tokens/", tokens.tokens_page, name="account_tokens"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include("attestation.api_urls")),
    path("v/<str:token>/", views.verify, name="verify"),
    path("colleges/<slug:college>/", include("attestation.page_urls")),
    # Each app's pages of a college, in the namespace its page_urls names (grading:…, college_monitoring:…).
    *[path("colleges/<slug:college>/", include(f"{app}.page_urls")) for app in COLLEGE_PAGE_APPS],
    path("monitoring/", include("monitoring.urls")),
]
