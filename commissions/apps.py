from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommissionsConfig(AppConfig):
    name = "commissions"
    verbose_name = _("Commissions and protocols")

    def ready(self) -> None:
        from . import documents  # noqa: F401  (registers the commissions' document kinds)

        # Menu items are registered only for pages that exist (commissions/page_urls.py);
        # each page adds its item here when it is built.
