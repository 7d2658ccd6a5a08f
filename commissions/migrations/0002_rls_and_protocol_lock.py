"""PostgreSQL only: row-level security on every table of the app, and the third lock of a closed protocol.

A closed protocol is locked by the model (save/delete refuse), by its querysets (update/delete refuse) and,
here, by triggers: no row of a closed protocol (attendance, results, signatures, ticket draws) is inserted,
updated or deleted, and the protocol itself changes only in its PDF link and archive marks (DIST-08) —
whatever the route, raw SQL included.
"""

from django.db import migrations

from attestation.rls import tenant_rls

TABLES = [
    "commissions_attestationpolicy", "commissions_commission", "commissions_commissionmember",
    "commissions_schedule", "commissions_forcemajeuredecision", "commissions_exam", "commissions_diplomawork",
    "commissions_examslot", "commissions_protocol", "commissions_protocolattendance",
    "commissions_protocolresult", "commissions_protocolsignature", "commissions_ticketdraw",
    "commissions_technicalfailureact", "commissions_protocolamendment", "commissions_readmission",
]
ROW_TABLES = ["commissions_protocolattendance", "commissions_protocolresult", "commissions_protocolsignature",
              "commissions_ticketdraw"]

LOCK_SQL = """
CREATE OR REPLACE FUNCTION commissions_protocol_row_locked() RETURNS trigger AS $$
DECLARE
  is_closed boolean;
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    SELECT status = 'closed' INTO is_closed FROM commissions_protocol WHERE id = OLD.protocol_id;
    IF is_closed THEN
      RAISE EXCEPTION 'protocol % is closed and locked; corrections are amendments', OLD.protocol_id;
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    SELECT status = 'closed' INTO is_closed FROM commissions_protocol WHERE id = NEW.protocol_id;
    IF is_closed THEN
      RAISE EXCEPTION 'protocol % is closed and locked; corrections are amendments', NEW.protocol_id;
    END IF;
    RETURN NEW;
  END IF;
  RETURN OLD;
END; $$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION commissions_protocol_locked() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status = 'closed' THEN
      RAISE EXCEPTION 'protocol % is closed and locked', OLD.id;
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status = 'closed' AND
     (to_jsonb(NEW) - 'document_id' - 'paper_archived_at' - 'archive_ref')
       IS DISTINCT FROM (to_jsonb(OLD) - 'document_id' - 'paper_archived_at' - 'archive_ref') THEN
    RAISE EXCEPTION 'protocol % is closed and locked; corrections are amendments', OLD.id;
  END IF;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;

CREATE TRIGGER protocol_locked BEFORE UPDATE OR DELETE ON commissions_protocol
  FOR EACH ROW EXECUTE FUNCTION commissions_protocol_locked();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(LOCK_SQL, params=None)  # the SQL holds literal % signs
    for table in ROW_TABLES:
        schema_editor.execute(f"CREATE TRIGGER protocol_row_locked BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                              f"FOR EACH ROW EXECUTE FUNCTION commissions_protocol_row_locked();")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in ROW_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS protocol_row_locked ON {table};")
    schema_editor.execute("DROP TRIGGER IF EXISTS protocol_locked ON commissions_protocol;"
                          "DROP FUNCTION IF EXISTS commissions_protocol_locked();"
                          "DROP FUNCTION IF EXISTS commissions_protocol_row_locked();")


class Migration(migrations.Migration):
    dependencies = [("commissions", "0001_initial")]
    operations = [tenant_rls(*TABLES), migrations.RunPython(forwards, backwards)]
