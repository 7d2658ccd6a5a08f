"""REST API of the commissions app. `router` holds the per-college routes (mounted under
/api/v1/colleges/<college>/); `urlpatterns` any routes outside a college (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter(use_regex_path=False)
router.register("commissions/<int:commission_pk>/members", api.CommissionMemberViewSet, basename="commission-member")
router.register("commissions", api.CommissionViewSet, basename="commission")
router.register("schedules", api.ScheduleViewSet, basename="schedule")
router.register("exams", api.ExamViewSet, basename="exam")
router.register("slots", api.SlotViewSet, basename="slot")
router.register("diploma-works", api.DiplomaWorkViewSet, basename="diploma-work")
router.register("readmissions", api.ReAdmissionViewSet, basename="readmission")
router.register("force-majeure", api.ForceMajeureViewSet, basename="force-majeure")

urlpatterns: list = []
