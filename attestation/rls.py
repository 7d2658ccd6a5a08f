"""Row-level security for tenant tables on PostgreSQL, as a migration operation every app can use:

    operations = [tenant_rls("commissions_commission", "commissions_member")]

The policy lets a row through when no college is set for the transaction (migrations, workers, the
operator's admin) and otherwise only rows of that college; the tenant middleware sets
``attestation.college_id`` with ``set_config(…, true)`` for the transaction of every college URL.
"""

from django.db import migrations

SETTING = "NULLIF(current_setting('attestation.college_id', true), '')::bigint"


def _condition(nullable: bool) -> str:
    return f"({SETTING} IS NULL OR college_id = {SETTING}{' OR college_id IS NULL' if nullable else ''})"


def tenant_rls(*tables: str, nullable: tuple[str, ...] = ()) -> migrations.RunPython:
    def forwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            condition = _condition(table in nullable)
            schema_editor.execute(
                f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; ALTER TABLE {table} FORCE ROW LEVEL SECURITY; "
                f"CREATE POLICY college_isolation ON {table} USING {condition} WITH CHECK {condition};")

    def backwards(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(f"DROP POLICY IF EXISTS college_isolation ON {table}; "
                                  f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY; "
                                  f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;")

    return migrations.RunPython(forwards, backwards)
