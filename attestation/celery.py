import gc
import logging
import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_process_init

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


@worker_process_init.connect
def settle_render_process(**kwargs) -> None:
    """A render process loads the fonts and stylesheets once, then freezes what it holds (``gc.freeze``): Django,
    the templates and the fonts are never garbage, yet every full collection, which WeasyPrint's many allocations
    set off every few documents, walked all of them again (transcripts +22% per process, three-page protocols
    +31%: bench/pipeline.py, bench/commissions_protocol_pdf.py). Frozen objects are also no longer written to by the
    collector, so they stay shared with the parent."""
    from django.apps import apps

    if apps.ready:
        from attestation.documents.render import renderer_warm

        try:
            renderer_warm()
        except Exception:  # only a head start: a render that fails fails in its task, with retries and a state
            logging.getLogger(__name__).exception("the render process could not warm up")
    gc.freeze()


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(sender=None, **kwargs) -> None:
    """What Django does around every request: drop a connection that is broken or older than CONN_MAX_AGE, keep a
    good one (settings.CELERY_DB_REUSE_MAX stops the fixup from closing it after every task). Not for a task run
    inline (eager), which shares the caller's connection and transaction."""
    from django.db import close_old_connections

    if sender is not None and not getattr(sender.request, "is_eager", False):
        close_old_connections()
