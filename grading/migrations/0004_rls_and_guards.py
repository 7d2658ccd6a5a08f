"""Row-level security for the grading tables, and (PostgreSQL) the second guard of ADM-02 / QUA-01: an issued
admission order and a taken diploma decision are never changed, whatever route the change takes (the document
link, filled once the PDF is requested, is the only column that may still be set)."""

from django.db import migrations

from attestation.rls import tenant_rls

FROZEN = {
    "grading_admissionorder": ["college_id", "campaign_id", "group_id", "kind", "supplements_id", "number",
                               "order_date", "issued_by_id"],
    "grading_diplomadecision": ["college_id", "campaign_id", "student_id", "kind", "qualification",
                                "qualification_level", "honours", "gpa", "fa_results", "decided_on"],
}


def _trigger_sql(table: str, columns: list[str]) -> str:
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
    return f"""
CREATE OR REPLACE FUNCTION {table}_frozen() RETURNS trigger AS $$
BEGIN
  IF {changed} THEN RAISE EXCEPTION '{table}: an issued record is never edited'; END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER {table}_frozen BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_frozen();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, columns in FROZEN.items():
        schema_editor.execute(_trigger_sql(table, columns))


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in FROZEN:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}; "
                              f"DROP FUNCTION IF EXISTS {table}_frozen();")


class Migration(migrations.Migration):
    dependencies = [("grading", "0003_grading_issue")]
    operations = [
        tenant_rls("grading_individualattestation", "grading_honoursconfirmation", "grading_decisionbatch",
                   "grading_diplomadecision"),
        migrations.RunPython(forwards, backwards),
    ]
