from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring of educational achievements")

    def ready(self) -> None:
        from attestation.demo import DemoPart, demo_part_register
        from attestation.menus import MenuItem, register

        from . import documents  # noqa: F401  (registers the notice, seating sheet and violation act kinds)
        from .demo import demo_monitoring_landing, demo_monitoring_seed

        register(MenuItem(_("Monitoring of educational achievements (ББЖМ)"), "college_monitoring:rounds",
                          frozenset({"admin"}), order=90))
        demo_part_register(DemoPart(seed=demo_monitoring_seed, landing=demo_monitoring_landing))
