"""The hand-written reads are prepared once per PostgreSQL connection (attestation.queries): PostgreSQL keeps their
plans. A prepared statement must survive a rolled-back transaction, be prepared again on a new connection, and the
setting must turn it off (for a pooler that shares connections between transactions)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from attestation.models import College
from attestation.queries import Statement, _prepared_form, columns, fields_of, table


def test_the_prepared_form_numbers_the_parameters_and_names_the_statement_by_its_text():
    name, numbered = _prepared_form("SELECT a FROM t WHERE x = %s AND y IN (%s, %s)")
    assert numbered == "SELECT a FROM t WHERE x = $1 AND y IN ($2, $3)"
    assert name.startswith("attestation_")
    assert name == _prepared_form("SELECT a FROM t WHERE x = %s AND y IN (%s, %s)")[0]
    assert name != _prepared_form("SELECT a FROM t WHERE x = %s")[0]
    with pytest.raises(ValueError):
        _prepared_form("SELECT a FROM t WHERE x LIKE 'a%%' AND y = %s")


def _statement() -> Statement:
    fields = fields_of(College, ("id", "slug", "language"))
    return Statement(f"SELECT {columns('c', fields)} FROM {table(College)} c WHERE c.id = %s", ((College, fields),))


def _verbs(queries) -> list[str]:
    return [q["sql"].split()[0].upper() for q in queries]


def _prepared_here(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name = %s", [name])
        return cursor.fetchone()[0] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_statement_is_prepared_once_per_connection(cast_a):
    statement = _statement()
    name = _prepared_form(statement.sql)[0]
    connection.close()  # a connection of its own: nothing prepared yet
    with CaptureQueriesContext(connection) as queries:
        first = statement.rows([cast_a.college.pk])
        again = statement.rows([cast_a.college.pk])
    assert first == again == [(cast_a.college.pk, cast_a.college.slug, cast_a.college.language)]
    assert _verbs(queries) == ["PREPARE", "EXECUTE", "EXECUTE"] and _prepared_here(name)
    # A rolled-back transaction keeps it (PostgreSQL's prepared statements are not transactional).
    with pytest.raises(RuntimeError), transaction.atomic():
        statement.rows([cast_a.college.pk])
        raise RuntimeError
    with CaptureQueriesContext(connection) as queries:
        assert statement.rows([cast_a.college.pk]) == first
    assert _verbs(queries) == ["EXECUTE"]
    # A new connection has none: it is prepared again rather than executed in vain.
    connection.close()
    with CaptureQueriesContext(connection) as queries:
        assert statement.rows([cast_a.college.pk]) == first
    assert _verbs(queries) == ["PREPARE", "EXECUTE"]
    assert statement.rows([0]) == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_setting_turns_prepared_statements_off(cast_a, settings):
    settings.ATTESTATION_PREPARED_STATEMENTS = False
    statement = _statement()
    connection.close()
    with CaptureQueriesContext(connection) as queries:
        assert statement.rows([cast_a.college.pk])[0][1] == cast_a.college.slug
    assert _verbs(queries) == ["SELECT"] and not _prepared_here(_prepared_form(statement.sql)[0])
