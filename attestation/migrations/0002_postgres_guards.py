"""PostgreSQL only: row-level security as a second tenant guard, and an append-only audit log.

The policy lets a row through when no college is set for the transaction (migrations, workers,
the operator's admin), and otherwise only rows of that college: the tenant middleware sets
``attestation.college_id`` with ``set_config(…, true)`` for the transaction of every college URL.
Superusers bypass RLS, so production connects as an ordinary role (see README).
"""

from django.db import migrations

TENANT_TABLES = [
    "attestation_membership", "attestation_program", "attestation_group", "attestation_student",
    "attestation_discipline", "attestation_transcriptentry", "attestation_document",
    "attestation_idempotentrequest", "attestation_auditentry",
]
SETTING = "NULLIF(current_setting('attestation.college_id', true), '')::bigint"


def policy_sql(table: str) -> str:
    nullable = " OR college_id IS NULL" if table == "attestation_auditentry" else ""
    condition = f"({SETTING} IS NULL OR college_id = {SETTING}{nullable})"
    return (
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; ALTER TABLE {table} FORCE ROW LEVEL SECURITY; "
        f"CREATE POLICY college_isolation ON {table} USING {condition} WITH CHECK {condition};"
    )


APPEND_ONLY = """
CREATE OR REPLACE FUNCTION attestation_audit_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON attestation_auditentry
  FOR EACH ROW EXECUTE FUNCTION attestation_audit_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TENANT_TABLES:
        schema_editor.execute(policy_sql(table))
    schema_editor.execute(APPEND_ONLY)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP TRIGGER IF EXISTS audit_append_only ON attestation_auditentry;"
                          "DROP FUNCTION IF EXISTS attestation_audit_append_only();")
    for table in TENANT_TABLES:
        schema_editor.execute(f"DROP POLICY IF EXISTS college_isolation ON {table};"
                              f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;"
                              f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;")


class Migration(migrations.Migration):
    dependencies = [("attestation", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
