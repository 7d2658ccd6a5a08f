"""Layers point one way (DESIGN.md): the foundation (``attestation``) imports no domain app, and the services start
tasks by name, so no service imports a task module."""

import ast
from pathlib import Path

import pytest

from attestation.celery import app as celery_app
from attestation.documents import pipeline
from grading import services as grading_services

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_APPS = {"grading", "commissions", "appeals", "monitoring"}


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at any depth (function-level imports included), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def _sources(app: str) -> list[Path]:
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def test_the_foundation_imports_no_domain_app():
    wrong = [f"{path.relative_to(ROOT)}:{line} {module}" for path in _sources("attestation")
             for line, module in _imports(path) if module.split(".")[0] in DOMAIN_APPS]
    assert wrong == []


@pytest.mark.parametrize("app", ["attestation", "grading", "commissions", "appeals", "monitoring"])
def test_no_service_imports_a_task_module(app):
    services = [p for p in _sources(app) if p.stem == "services" or "services" in p.parent.parts
                or p.name == "pipeline.py"]
    wrong = [f"{path.relative_to(ROOT)}:{line} {module}" for path in services
             for line, module in _imports(path) if module.split(".")[-1] == "tasks"]
    relative = [f"{path.relative_to(ROOT)}:{node.lineno}" for path in services
                for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, ast.ImportFrom) and node.level and (
                    (node.module or "").split(".")[-1] == "tasks" or any(a.name == "tasks" for a in node.names))]
    assert wrong == [] and relative == []


@pytest.mark.parametrize("name", [pipeline.RENDER_DOCUMENT, pipeline.RENDER_DOCUMENTS,
                                  grading_services.RUN_DECISION_BATCH])
def test_every_task_started_by_name_is_registered(name):
    # Registered by the apps' AppConfig.ready: a task run inline (CELERY_TASK_ALWAYS_EAGER) is looked up by name.
    assert name in celery_app.tasks
