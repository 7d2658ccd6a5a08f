from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttestationConfig(AppConfig):
    name = "attestation"
    verbose_name = _("Attestation: colleges and registry")

    def ready(self) -> None:
        from . import (
            signals,  # noqa: F401  (sign-in audit, caches forgotten on change)
            tasks,  # noqa: F401  (registers the tasks, which the pipeline starts by name: pipeline.enqueue)
        )
        from .documents import transcript  # noqa: F401  (registers the transcript document kind)
