"""Query helpers shared by the apps' selectors."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import Count, Field, Model, QuerySet, Window
from django.dispatch import receiver

M = TypeVar("M", bound=Model)


def unique_or_none(queryset: QuerySet[M]) -> M | None:
    """The one row of a lookup by a unique key (a primary key, one protocol per session), or None.

    Unlike ``.first()`` it asks for no ORDER BY: sorting at most one row is pointless, and compiling the model's
    default ordering against a wide select costs Django 0.2–0.3 ms per query, about a twentieth of a busy page
    (bench/pages.py, bench/commissions_protocol_page.py)."""
    return next(iter(queryset.order_by()[:1]), None)


def counted_page(queryset: QuerySet, number: str | int | None, per_page: int) -> Page:
    """One page of a ``values_list`` query, like ``Paginator.get_page``, with the total counted by the same query
    (``COUNT(*) OVER ()``) instead of a second one: a query less on the busiest list pages (bench/pages.py).
    A page past the end gives the last page, as ``get_page`` does; a page that is not a number, or below 1, the
    first."""
    try:
        number = max(int(number), 1)
    except (TypeError, ValueError):
        number = 1
    rows = _rows_counted(queryset, number, per_page)
    if not rows and number > 1:  # past the end: one count, then the last page
        number = max(math.ceil(queryset.count() / per_page), 1)
        rows = _rows_counted(queryset, number, per_page)
    paginator = Paginator([], per_page)
    paginator.__dict__["count"] = rows[0][-1] if rows else 0  # what the cached property would have counted
    return Page([row[:-1] for row in rows], number if rows else 1, paginator)


def _rows_counted(queryset: QuerySet, number: int, per_page: int) -> list[tuple]:
    start = (number - 1) * per_page
    return list(queryset.annotate(_total=Window(Count("*")))[start:start + per_page])


# --- Hand-written reads of the hottest pages -------------------------------------------------------------------------
# The secretary's protocol page reads a session in three statements of its own. Django compiled its four ORM queries
# in 2.8 ms of CPU; the database ran them in under 0.4 ms (bench/commissions_protocol_page.py). The statements still
# name the college on every table they read, as every ORM read does through django-scopes, and row-level security
# applies to them as to any other query. Their columns are named by model fields, never retyped, and their values
# converted as the ORM converts them (SQLite gives booleans as integers and datetimes without a zone).


def fields_of(model: type[Model], names: Sequence[str]) -> tuple[Field, ...]:
    return tuple(model._meta.get_field(name) for name in names)


def columns(alias: str, fields: Sequence[Field]) -> str:
    """``alias.column, …`` of the fields, for a hand-written SELECT."""
    return ", ".join(f"{alias}.{connection.ops.quote_name(field.column)}" for field in fields)


def table(model: type[Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def typed_rows(sql: str, params: Sequence, fields: tuple[Field, ...]) -> list[tuple]:
    """The rows of a hand-written SELECT whose columns are ``fields``, each value converted as the ORM would."""
    with connection.cursor() as cursor:
        _execute(cursor, sql, params)
        rows = cursor.fetchall()
    converters = _converters(connection.vendor, fields)
    if not converters:  # PostgreSQL, for the fields the pages read
        return rows
    converted = []
    for row in rows:
        row = list(row)
        for position, functions, column in converters:
            value = row[position]
            for function in functions:
                value = function(value, column, connection)
            row[position] = value
        converted.append(tuple(row))
    return converted


@lru_cache(maxsize=64)
def _converters(vendor: str, fields: tuple[Field, ...]) -> tuple:
    found = []
    for position, field in enumerate(fields):
        column = field.get_col(field.model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if functions:
            found.append((position, tuple(functions), column))
    return tuple(found)


def model_from_row(model: type[M], fields: tuple[Field, ...], values: Sequence) -> M:
    """An instance of ``model`` as the ORM would have loaded it, from the values of ``fields`` (of a ``typed_rows``
    row). The fields not read are deferred: touching one reads it from the database, it is never silently empty."""
    names, order = _load_order(model, fields)
    return model.from_db(connection.alias, names, [values[i] for i in order])


@lru_cache(maxsize=256)
def _load_order(model: type[Model], fields: tuple[Field, ...]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """``Model.from_db`` takes the values in the model's field order: the fields' attribute names in that order,
    and where each one is among ``fields``."""
    position = {field.attname: i for i, field in enumerate(fields)}
    names = tuple(f.attname for f in model._meta.concrete_fields if f.attname in position)
    return names, tuple(position[name] for name in names)


@dataclass(frozen=True)
class Statement:
    """A hand-written SELECT and the models its columns come from, in order: each row splits back into instances."""

    sql: str
    parts: tuple[tuple[type[Model], tuple[Field, ...]], ...]

    @property
    def fields(self) -> tuple[Field, ...]:
        return tuple(field for _, fields in self.parts for field in fields)

    def rows(self, params: Sequence) -> list[tuple]:
        return typed_rows(self.sql, params, self.fields)

    def split(self, values: tuple):
        """The row's instances, one per model of the statement (None where a LEFT JOIN found nothing)."""
        start = 0
        for model, fields in self.parts:
            part = values[start:start + len(fields)]
            start += len(fields)
            yield model_from_row(model, fields, part) if part[0] is not None else None


def update_each(model: type[Model], objects: Sequence[Model], names: Sequence[str]) -> None:
    """Write these fields of each object, values prepared as the ORM prepares them for saving: on PostgreSQL one
    ``UPDATE … FROM (VALUES …)`` for all the objects, elsewhere one short ``UPDATE … WHERE id = …`` per object sent
    together (``executemany``). For the batches' hot paths: ``bulk_update`` builds one CASE expression per field
    over all the objects, and compiling it cost Django more CPU than the database spent; one statement per row cost
    a round trip per row, with the worker's core idle meanwhile (bench/grading_decisions.py). Like
    ``bulk_update`` it sends no signals and calls no ``save()``; the database's own guards still apply."""
    if not objects:
        return
    fields = fields_of(model, names)
    pk = model._meta.pk
    quote = connection.ops.quote_name
    rows = [[*(field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields), obj.pk]
            for obj in objects]  # the values in the fields' order, then the primary key
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # VALUES guesses no column types: each value is cast to its column's type.
            casts = ", ".join(f"%s::{field.db_type(connection)}" for field in (*fields, pk))
            aliases = ", ".join(f"c{i}" for i in range(len(fields) + 1))
            assignments = ", ".join(f"{quote(field.column)} = v.c{i}" for i, field in enumerate(fields))
            values = ", ".join([f"({casts})"] * len(rows))
            cursor.execute(
                f"UPDATE {table(model)} AS t SET {assignments} FROM (VALUES {values}) AS v({aliases}) "  # noqa: S608
                f"WHERE t.{quote(pk.column)} = v.c{len(fields)}", [value for row in rows for value in row])
            return
        assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
        cursor.executemany(f"UPDATE {table(model)} SET {assignments} WHERE {quote(pk.column)} = %s", rows)  # noqa: S608


# --- Prepared statements ---------------------------------------------------------------------------------------------
# PostgreSQL plans every statement it is sent. For these joins the plan costs it several times the execution (the
# protocol row's five-table read: 0.39 ms planning, 0.05 ms executing; bench/request_cpu.py), on the busiest
# requests of the portal. A hand-written statement is therefore PREPAREd once per connection and EXECUTEd after:
# PostgreSQL keeps its plan. Prepared statements outlive a rolled-back transaction and die with the connection
# (a new connection starts with none: ``_forget_prepared``). Behind a pooler that hands out connections per
# transaction (PgBouncer's transaction mode) they must be off: ATTESTATION_PREPARED_STATEMENTS=0.


def _execute(cursor, sql: str, params: Sequence) -> None:
    if connection.vendor != "postgresql" or not settings.ATTESTATION_PREPARED_STATEMENTS:
        cursor.execute(sql, params)
        return
    name, numbered = _prepared_form(sql)
    prepared = cursor.db.__dict__.setdefault("attestation_prepared", set())  # this thread's connection's
    if name not in prepared:
        cursor.execute(f"PREPARE {name} AS {numbered}")
        prepared.add(name)
    cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}", params)


@lru_cache(maxsize=256)
def _prepared_form(sql: str) -> tuple[str, str]:
    """The statement's name (from its text: the same statement has the same name in every process) and its text
    with PostgreSQL's numbered parameters ($1, $2, …) for psycopg2's %s."""
    if "%%" in sql:
        raise ValueError("a prepared statement cannot hold a literal %")
    parts = sql.split("%s")
    numbered = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))
    return f"attestation_{hashlib.sha256(sql.encode()).hexdigest()[:20]}", numbered


@receiver(connection_created)
def _forget_prepared(sender, connection, **kwargs) -> None:
    connection.__dict__.pop("attestation_prepared", None)
