"""The embedded default: SQLite, a Celery worker beside the web server on a broker that needs no
server (kombu's filesystem transport), demo data, logins printed. ``make run`` calls this.

Stopping it stops everything it started: Ctrl-C, SIGTERM (``make`` passes its own on) and SIGHUP (the terminal
closed) end the web server, then the worker, its pool and beat, which run in a process group of their own; if this
process is killed outright, the worker is told by the kernel (Linux) and stops too."""

import contextlib
import ctypes
import ctypes.util
import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from attestation.demo import demo_seed

# How long the worker may take to finish the tasks in hand after it is asked to stop.
WORKER_STOP_SECONDS = 10


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # the development server stops on it as on Ctrl-C


def _stop_with_parent() -> None:  # pragma: no cover - runs in the child, before exec
    """In the worker (Linux): SIGTERM when the process that started it dies, however it dies."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def worker_start() -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "attestation", "worker", "--beat", "--loglevel", "INFO",
               "--concurrency", "2", "--schedule", str(settings.VAR_DIR / "celerybeat-schedule")]
    # A session of its own: Ctrl-C at the terminal reaches this process only, which stops the worker in order.
    return subprocess.Popen(command, env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True,
                            preexec_fn=_stop_with_parent if sys.platform == "linux" else None)


def worker_stop(worker: subprocess.Popen) -> None:
    """A warm shutdown (the tasks in hand finish, beat stops), then whatever is left of its process group killed."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.wait(timeout=WORKER_STOP_SECONDS)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(worker.pid, signal.SIGKILL)  # pool processes or beat that outlived the worker's own shutdown
    worker.wait()


class Command(BaseCommand):
    help = "Run the portal with its worker on http://127.0.0.1:8000 with demo data."

    def add_arguments(self, parser):
        parser.add_argument("--addrport", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true")

    def handle(self, *args, addrport, no_worker, **options):
        call_command("migrate", interactive=False, verbosity=0)
        logins = demo_seed()
        for stop in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(stop, _interrupt)
        worker = None if no_worker else worker_start()
        try:
            self.stdout.write(self.style.SUCCESS(f"\nAttestation portal: http://{addrport}/   (broker: "
                                                 f"{settings.CELERY_BROKER_URL.split('://')[0]}, database: "
                                                 f"{settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"))
            self.stdout.write("Demo logins (role, login, password, where):")
            width = max(len(login.username) for login in logins)
            for login in logins:
                self.stdout.write(f"  {login.role:<17} {login.username:<{width}} {login.password}   {login.where}")
            self.stdout.write("")
            call_command("runserver", addrport, use_reloader=False)
        except KeyboardInterrupt:
            pass
        finally:
            if worker is not None:
                for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                    signal.signal(stop, signal.SIG_IGN)  # a second Ctrl-C must not leave the worker half stopped
                self.stdout.write("Stopping the worker …")
                worker_stop(worker)
