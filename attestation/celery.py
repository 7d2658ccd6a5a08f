import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "attestation.settings")

app = Celery("attestation")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def lower_render_priority(**kwargs) -> None:
    """Renders run at a lower CPU priority so pages stay quick while a batch renders, while the worker's
    main process (which hands out tasks) keeps its priority and hands out the next one without delay."""
    niceness = int(os.environ.get("ATTESTATION_RENDER_NICE", "10"))
    if niceness:
        os.nice(niceness)
