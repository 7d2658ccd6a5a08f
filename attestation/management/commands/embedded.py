"""The embedded default: SQLite, a Celery worker beside the web server on a broker that needs no
server (kombu's filesystem transport), demo data, logins printed. ``make run`` calls this."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from attestation.demo import demo_seed


class Command(BaseCommand):
    help = "Run the portal with its worker on http://127.0.0.1:8000 with demo data."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, addrport, no_worker, **options):
        call_command("migrate", interactive=False, verbosity=0)
        logins = demo_seed()
        worker = None
        if not no_worker:
            command = [sys.executable, "-m", "celery", "-A", "attestation", "worker", "--beat", "--loglevel", "INFO",
                       "--concurrency", "2", "--schedule", str(settings.VAR_DIR / "celerybeat-schedule")]
            worker = subprocess.Popen(command, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.stdout.write(self.style.SUCCESS(f"\nAttestation portal: http://{addrport}/   (broker: "
                                             f"{settings.CELERY_BROKER_URL.split('://')[0]}, database: "
                                             f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"))
        self.stdout.write("Demo logins (role, login, password, where):")
        for login in logins:
            self.stdout.write(f"  {login.role:<14} {login.username:<10} {login.password}   {login.where}")
        self.stdout.write("")
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
