from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionsConfig(AppConfig):
    name = "commissions"
    verbose_name = _("Commissions and protocols")

    def ready(self) -> None:
        from attestation.demo import DemoPart, demo_part_register
        from attestation.menus import MenuItem, register

        from . import documents  # noqa: F401  (registers the commissions' document kinds)
        from .demo import demo_finished_campaign_seed, demo_finished_landing, demo_session_landing, demo_session_seed

        demo_part_register(DemoPart(seed=demo_session_seed, landing=demo_session_landing))
        demo_part_register(DemoPart(seed=demo_finished_campaign_seed, landing=demo_finished_landing))

        # Only pages that exist (commissions/page_urls.py) are in the menu.
        staff = frozenset({"admin", "staff"})
        register(MenuItem(_("Commissions"), "commissions:commissions", staff, 20))
        register(MenuItem(_("Schedule and protocols"), "commissions:schedules", staff, 21))
        register(MenuItem(_("Diploma works"), "commissions:diploma_works", staff, 22))
        register(MenuItem(_("Re-admission"), "commissions:readmissions", staff, 24))  # chairs decide
        register(MenuItem(_("Force majeure decisions"), "commissions:decisions", frozenset({"admin"}), 25))
        register(MenuItem(_("My attestation"), "commissions:my_attestation", frozenset({"student"}), 20))
