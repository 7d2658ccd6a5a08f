import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_VERSION"}
    env.update({"ATTESTATION_PRODUCTION": "1", "SECRET_KEY": secrets.token_urlsafe(64),
                "ALLOWED_HOSTS": "attestation.edu.kz", "ATTESTATION_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "SECRET_KEY")}
    env.update({"ATTESTATION_PRODUCTION": "1", "ATTESTATION_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_the_filesystem_broker_keeps_every_folder_under_var(tmp_path):
    """The embedded broker (no Redis) writes its queue, processed and control folders under ATTESTATION_VAR_DIR,
    never into the folder the process was started from."""
    started_in, var_dir = tmp_path / "elsewhere", tmp_path / "var"
    started_in.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update({"ATTESTATION_VAR_DIR": str(var_dir), "PYTHONPATH": str(ROOT),
                "DJANGO_SETTINGS_MODULE": "attestation.settings", "CELERY_TASK_ALWAYS_EAGER": "0"})
    script = ("import django; django.setup(); from attestation.celery import app; "
              "app.send_task('attestation.tasks.documents_relay')")
    result = subprocess.run([sys.executable, "-c", script], cwd=started_in, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(started_in.iterdir()) == []
    assert {p.name for p in (var_dir / "broker").iterdir()} == {"queue", "processed", "control"}
    assert list((var_dir / "broker" / "control").glob("*.exchange")) and list((var_dir / "broker" / "queue").iterdir())
