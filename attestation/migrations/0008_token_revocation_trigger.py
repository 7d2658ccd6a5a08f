"""PostgreSQL only: a new password or a deactivation of a user revokes their API tokens, whatever wrote it (a form,
the admin, a queryset update, SQL by hand). attestation.signals does the same for saves on any database."""

from django.db import migrations

REVOKE = """
CREATE OR REPLACE FUNCTION attestation_user_revoke_tokens() RETURNS trigger AS $$
BEGIN
  IF NEW.password IS DISTINCT FROM OLD.password OR (OLD.is_active AND NOT NEW.is_active) THEN
    DELETE FROM knox_authtoken WHERE user_id = NEW.id;
  END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER user_revoke_tokens AFTER UPDATE OF password, is_active ON attestation_user
  FOR EACH ROW EXECUTE FUNCTION attestation_user_revoke_tokens();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVOKE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS user_revoke_tokens ON attestation_user;"
                              "DROP FUNCTION IF EXISTS attestation_user_revoke_tokens();")


class Migration(migrations.Migration):
    dependencies = [("attestation", "0007_document_fewer_indexes"), ("knox", "0009_extend_authtoken_field")]
    operations = [migrations.RunPython(forwards, backwards)]
