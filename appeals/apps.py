from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "appeals"
    verbose_name = _("Appeals")

    def ready(self) -> None:
        from attestation.menus import MenuItem, register

        from . import documents  # noqa: F401  (registers the appeal_protocol document kind)

        register(MenuItem(_("Appeals"), "appeals:list", frozenset({"admin", "staff", "student"}), order=60))
