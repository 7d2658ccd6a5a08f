from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionsConfig(AppConfig):
    name = "commissions"
    verbose_name = _("Commissions and protocols")

    def ready(self) -> None:
        from attestation.menus import MenuItem, register

        from . import documents  # noqa: F401  (registers the commissions' document kinds)

        staff = frozenset({"admin", "staff"})
        admin = frozenset({"admin"})
        register(MenuItem(_("Commissions"), "commissions:commissions", staff, 20))
        register(MenuItem(_("Schedule"), "commissions:schedules", staff, 21))
        register(MenuItem(_("Sessions and protocols"), "commissions:sessions", staff, 22))
        register(MenuItem(_("Diploma works"), "commissions:diploma_works", staff, 23))
        register(MenuItem(_("Re-admission applications"), "commissions:readmissions", admin, 24))
        register(MenuItem(_("Force majeure decisions"), "commissions:decisions", admin, 25))
        register(MenuItem(_("Attestation rule settings"), "commissions:policy", admin, 26))
        register(MenuItem(_("My attestation"), "commissions:my_attestation", frozenset({"student"}), 20))
