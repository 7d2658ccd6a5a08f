"""REST API of the grading app. `router` holds the per-college routes (mounted under
/api/v1/colleges/<college>/); `urlpatterns` any routes outside a college (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("admissions", api.AdmissionViewSet, basename="admission")
router.register("admission-orders", api.AdmissionOrderViewSet, basename="admission-order")
router.register("honours", api.HonoursViewSet, basename="honours")
router.register("decisions", api.DecisionViewSet, basename="decision")
router.register("decision-batches", api.DecisionBatchViewSet, basename="decision-batch")
router.register("results", api.ResultViewSet, basename="result")
router.register("individual-attestations", api.IndividualAttestationViewSet, basename="individual-attestation")

urlpatterns: list = []
