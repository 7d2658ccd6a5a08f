"""PostgreSQL's second guards: row-level security per college and the append-only audit log."""

import pytest
from django.db import DatabaseError, connection, transaction
from django_scopes import scopes_disabled

from attestation.audit import audit_log
from attestation.models import AuditEntry

pytestmark = [pytest.mark.postgres]

PROBE_ROLE = "attestation_rls_probe"


def _college_ids_seen(college_id: int | None) -> set[int]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {PROBE_ROLE}")  # an ordinary role: superusers bypass RLS
        if college_id is not None:
            cursor.execute("SELECT set_config('attestation.college_id', %s, true)", [str(college_id)])
        cursor.execute("SELECT DISTINCT college_id FROM attestation_student")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)  # each probe must be its own transaction: set_config(…, true) is
def test_row_level_security_limits_a_transaction_to_its_college(cast_a, cast_b):  # transaction-local
    with connection.cursor() as cursor:
        cursor.execute(f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PROBE_ROLE}') "
                       f"THEN CREATE ROLE {PROBE_ROLE} NOLOGIN; END IF; END $$;")
        cursor.execute(f"GRANT SELECT ON attestation_student TO {PROBE_ROLE}")
    a, b = cast_a.college.pk, cast_b.college.pk
    assert _college_ids_seen(a) == {a}
    assert _college_ids_seen(b) == {b}
    assert _college_ids_seen(None) == {a, b}  # workers and migrations: no college set


@pytest.mark.django_db
def test_every_college_request_sets_the_college_for_its_transaction(api, cast_a):
    statements = []

    def capture(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        assert api(cast_a.admin).get(f"/api/v1/colleges/{cast_a.college.slug}/students/").status_code == 200
    assert ("SELECT set_config(%s, %s, true)", ["attestation.college_id", str(cast_a.college.pk)]) in statements


@pytest.mark.django_db
def test_the_audit_log_cannot_be_changed_even_with_sql(cast_a):
    entry = audit_log(action="test.entry", college=cast_a.college, actor=cast_a.admin)
    with pytest.raises(DatabaseError), transaction.atomic(), scopes_disabled():
        AuditEntry.objects.filter(pk=entry.pk).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM attestation_auditentry WHERE id = %s", [entry.pk])
