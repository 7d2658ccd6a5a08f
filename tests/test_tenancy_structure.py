"""Every tenant-owned model follows DESIGN.md: a non-null college, a scoped default manager, every
unique constraint including the college, and (PostgreSQL) a row-level security policy."""

import pytest
from django.apps import apps
from django.db import connection, models

from attestation.models import AuditEntry, College

PROJECT_APPS = {"attestation", "grading", "commissions", "appeals", "monitoring"}
# The audit log also records sign-ins, which belong to no college.
NULLABLE_COLLEGE = {AuditEntry}


def tenant_models():
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS:
            continue
        field = next((f for f in model._meta.fields if f.name == "college"), None)
        if field is not None and isinstance(field, models.ForeignKey) and field.related_model is College:
            yield model


TENANT_MODELS = list(tenant_models())


def test_there_are_tenant_models():
    assert len(TENANT_MODELS) >= 10


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m._meta.label)
def test_tenant_model_is_scoped_and_its_keys_include_the_college(model):
    field = model._meta.get_field("college")
    assert field.null is (model in NULLABLE_COLLEGE)
    assert hasattr(model._default_manager, "with_scope"), "the default manager must be a django-scopes ScopedManager"
    assert not model._meta.unique_together, "use UniqueConstraint including college"
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            assert "college" in constraint.fields, constraint.name
    for f in model._meta.fields:
        assert not (f.unique and not f.primary_key), f"{f.name} is unique across colleges"


@pytest.mark.postgres
@pytest.mark.django_db
def test_every_tenant_table_has_row_level_security():
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND relrowsecurity AND relforcerowsecurity")
        protected = {row[0] for row in cursor.fetchall()}
    missing = [m._meta.db_table for m in TENANT_MODELS if m._meta.db_table not in protected]
    assert missing == []
