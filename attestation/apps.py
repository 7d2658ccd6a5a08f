from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttestationConfig(AppConfig):
    name = "attestation"
    verbose_name = _("Attestation: colleges and registry")

    def ready(self) -> None:
        from . import queries, signals  # noqa: F401  (prepared statements forgotten with their connection; sign-in audit)
        from .documents import transcript  # noqa: F401  (registers the transcript document kind)
