"""REST API of the commissions app. `router` holds the per-college routes (mounted under
/api/v1/colleges/<college>/); `urlpatterns` any routes outside a college (mounted under /api/v1/)."""

from rest_framework.routers import SimpleRouter

from .api import composition, diploma_works, force_majeure, readmission, schedule

router = SimpleRouter(use_regex_path=False)
router.register("commissions/<int:commission_pk>/members", composition.CommissionMemberViewSet,
                basename="commission-member")
router.register("commissions", composition.CommissionViewSet, basename="commission")
router.register("schedules", schedule.ScheduleViewSet, basename="schedule")
router.register("exams", schedule.ExamViewSet, basename="exam")
router.register("slots", schedule.SlotViewSet, basename="slot")
router.register("diploma-works", diploma_works.DiplomaWorkViewSet, basename="diploma-work")
router.register("readmissions", readmission.ReAdmissionViewSet, basename="readmission")
router.register("force-majeure", force_majeure.ForceMajeureViewSet, basename="force-majeure")

urlpatterns: list = []
