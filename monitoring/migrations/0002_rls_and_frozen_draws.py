"""Row-level security for the monitoring tables that carry a college, and (PostgreSQL) the second guard of MON-10:
a draw version is never updated or deleted, whatever route the change takes."""

from django.db import migrations

from attestation.rls import tenant_rls

FROZEN_DRAWS = """
CREATE OR REPLACE FUNCTION monitoring_drawversion_frozen() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'monitoring_drawversion: a draw version is never changed or deleted (MON-10)';
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER monitoring_drawversion_frozen BEFORE UPDATE OR DELETE ON monitoring_drawversion
  FOR EACH ROW EXECUTE FUNCTION monitoring_drawversion_frozen();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FROZEN_DRAWS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS monitoring_drawversion_frozen ON monitoring_drawversion; "
                              "DROP FUNCTION IF EXISTS monitoring_drawversion_frozen();")


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0001_rounds_draws_participants_acts_results")]
    operations = [
        tenant_rls("monitoring_roundcollege", "monitoring_participant", "monitoring_act", "monitoring_result",
                   "monitoring_resultsummary", "monitoring_representative"),
        migrations.RunPython(forwards, backwards),
    ]
