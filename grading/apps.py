from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GradingConfig(AppConfig):
    name = "grading"
    verbose_name = _("Grading, admission and honours")

    def ready(self) -> None:
        from attestation.grade_entry import GradeEntryChecks, grade_entry_checks_register
        from attestation.menus import MenuItem, register

        from . import (
            documents,  # noqa: F401  (registers the admission order, decision and certificate kinds)
            tasks,  # noqa: F401  (registers the batch task, which the services start by name)
        )
        from .services import grade_entry_check, grade_entry_context

        # RET-03 and EAR-01 … EAR-03 on every grade the registry takes (attestation.grade_entry).
        grade_entry_checks_register(GradeEntryChecks(check=grade_entry_check, context=grade_entry_context))

        staff = frozenset({"admin", "staff"})
        register(MenuItem(_("Admission to final attestation"), "grading:admissions", staff, order=20))
        register(MenuItem(_("Individual attestation"), "grading:individual", frozenset({"admin"}), order=25))
        register(MenuItem(_("Final attestation results"), "grading:results", staff, order=30))
        register(MenuItem(_("Honours diplomas"), "grading:honours", staff, order=40))
        register(MenuItem(_("Diploma decisions and certificates"), "grading:decisions", staff, order=50))
        register(MenuItem(_("My final attestation"), "grading:me", frozenset({"student"}), order=10))
