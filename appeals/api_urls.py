"""REST API of the appeals app. `router` holds the per-college routes (mounted under
/api/v1/colleges/<college>/); `urlpatterns` any routes outside a college (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("appeals", api.AppealViewSet, basename="appeal")
router.register("appeal-attachments", api.AppealAttachmentViewSet, basename="appeal-attachment")

urlpatterns: list = []
