"""Saving a row as it is typed (commissions.services.protocol_row_edit, the htmx save of the secretary's page): the
row is read once under the protocol's lock, then the user's seat on the commission. What it reads must be what the
ORM reads; who may not keep the protocol changes nothing; saves of one protocol wait for each other and
never share a change number (PostgreSQL, real threads and connections)."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from attestation.models import AuditEntry, Membership, User
from attestation.tenancy import CollegeAccess
from commissions import selectors, services
from commissions.models import Protocol, ProtocolResult

from .builders import protocol_of

pytestmark = pytest.mark.django_db


def _access(cast, user) -> CollegeAccess:
    with scopes_disabled():
        return CollegeAccess(cast.college, user, Membership.objects.filter(college=cast.college, user=user).first())


def _row(protocol, student) -> ProtocolResult:
    with scopes_disabled():
        return (ProtocolResult.objects.select_related("protocol__exam", "student")
                .get(protocol=protocol, student=student))


def test_the_row_read_for_a_save_is_what_the_orm_reads(cast_a, cast_b):
    protocol = protocol_of(cast_a)
    with scope(college=cast_a.college):
        services.protocol_row_save(college=cast_a.college, by=cast_a.staff, result=_row(protocol, cast_a.student),
                                   fields={"percent": "87.5", "questions": "Сұрақ 1"}, version=None)
        orm = _row(protocol, cast_a.student)
        with transaction.atomic():
            edited = selectors.result_row_locked(college=cast_a.college, pk=orm.pk, user=cast_a.staff)
        for row in (edited.row, selectors.result_row_stored(college=cast_a.college, pk=orm.pk)):
            for field in ProtocolResult._meta.concrete_fields:
                if field.attname not in row.get_deferred_fields():
                    assert getattr(row, field.attname) == getattr(orm, field.attname), field.name
            assert isinstance(row.id_checked, bool) and isinstance(row.percent_raw, Decimal)
            assert timezone.is_aware(row.updated_at)
            assert (row.protocol.pk, row.protocol.status, row.protocol.version) == (
                protocol.pk, "open", orm.protocol.version)
            exam = orm.protocol.exam
            assert (row.protocol.exam.mode, row.protocol.exam.form, row.protocol.exam.commission_id) == (
                exam.mode, exam.form, exam.commission_id)
            assert row.student.full_name == cast_a.student.full_name
        # The seat: the secretary's, as member_of finds it; none for the administrator, who sits on no commission.
        assert edited.seat == selectors.member_of(commission=exam.commission, user=cast_a.staff)
        assert edited.seat.role == "secretary"
        with transaction.atomic():
            assert selectors.result_row_locked(college=cast_a.college, pk=orm.pk, user=cast_a.admin).seat is None
            assert selectors.result_row_locked(college=cast_a.college, pk=orm.pk).seat is None
    with scope(college=cast_b.college), pytest.raises(Http404):
        selectors.result_row_stored(college=cast_b.college, pk=orm.pk)
    with scope(college=cast_b.college), pytest.raises(Http404), transaction.atomic():
        selectors.result_row_locked(college=cast_b.college, pk=orm.pk, user=cast_b.admin)


def test_a_save_reads_the_row_once_and_writes_it_with_its_change_number_and_audit(cast_a):
    protocol = protocol_of(cast_a)
    row, access = _row(protocol, cast_a.student), _access(cast_a, cast_a.staff)
    with scope(college=cast_a.college):
        with CaptureQueriesContext(connection) as queries:
            saved = services.protocol_row_edit(access=access, pk=row.pk, fields={"percent": "87"},
                                               version=row.version)
        statements = [q["sql"].split()[0].upper() for q in queries]
        reads = [s for s in statements if s in ("SELECT", "EXECUTE")]
        writes = [s for s in statements if s in ("UPDATE", "INSERT", "DELETE")]
        assert len(reads) == 2  # the row with its protocol (locked), session and student; the user's seat
        assert writes == ["UPDATE", "UPDATE", "INSERT"]  # the protocol's change number, the row, the audit entry
        stored = ProtocolResult.objects.get(pk=row.pk)
        assert (stored.percent, stored.letter, stored.status) == (87, "B+", "present")
        assert stored.version == Protocol.objects.get(pk=protocol.pk).version == saved.version > row.version
        assert stored.updated_by_id == cast_a.staff.pk and stored.updated_at != row.updated_at
        entry = AuditEntry.objects.filter(action="protocol.result_saved", object_id=str(row.pk)).latest("id")
        assert entry.data["changes"]["percent"][0] is None and Decimal(entry.data["changes"]["percent"][1]) == 87
        # The answer shows the saved row with its session, read by the same statement.
        assert saved.student.full_name == cast_a.student.full_name and saved.protocol.exam.pk == protocol.exam_id


def test_who_does_not_keep_the_protocol_changes_nothing(cast_a, cast_b):
    protocol = protocol_of(cast_a)
    row = _row(protocol, cast_a.student)
    with scopes_disabled():
        chair = User.objects.get(username=f"{cast_a.college.slug}-chair")
        audited = AuditEntry.objects.count()
    with scope(college=cast_a.college):
        with pytest.raises(PermissionDenied):  # a voting member: signs, does not keep the protocol
            services.protocol_row_edit(access=_access(cast_a, chair), pk=row.pk, fields={"percent": "90"},
                                       version=None)
        with pytest.raises(Http404):  # a student does not even learn the row exists
            services.protocol_row_edit(access=_access(cast_a, cast_a.student_user), pk=row.pk,
                                       fields={"percent": "90"}, version=None)
    with scope(college=cast_b.college), pytest.raises(Http404):  # another college's administrator
        services.protocol_row_edit(access=_access(cast_b, cast_b.admin), pk=row.pk, fields={"percent": "90"},
                                   version=None)
    with scopes_disabled():
        stored = ProtocolResult.objects.get(pk=row.pk)
        assert (stored.percent, stored.version) == (None, row.version)
        assert Protocol.objects.get(pk=protocol.pk).version == protocol.version
        assert AuditEntry.objects.count() == audited


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_saves_of_one_protocol_wait_for_each_other(cast_a):
    protocol = protocol_of(cast_a)
    first_row, second_row = _row(protocol, cast_a.student), _row(protocol, cast_a.other_student)
    done = threading.Event()
    second: dict = {}

    def save_the_other_row():
        try:
            with scope(college=cast_a.college):
                second["row"] = services.protocol_row_edit(access=_access(cast_a, cast_a.staff), pk=second_row.pk,
                                                           fields={"percent": "70"}, version=None)
        finally:
            done.set()
            connection.close()

    thread = threading.Thread(target=save_the_other_row)
    with scope(college=cast_a.college), transaction.atomic():  # as a request on PostgreSQL: one transaction
        first = services.protocol_row_edit(access=_access(cast_a, cast_a.staff), pk=first_row.pk,
                                           fields={"percent": "90"}, version=None)
        thread.start()
        # Another row, another editor's request, but the same protocol: it waits for this transaction.
        assert not done.wait(0.5)
    thread.join(10)
    assert done.is_set() and "row" in second
    assert second["row"].version == first.version + 1  # read after the first committed: never the same number
    with scopes_disabled():
        assert Protocol.objects.get(pk=protocol.pk).version == first.version + 1
        assert ProtocolResult.objects.get(pk=second_row.pk).percent == 70


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_locking_services_take_their_own_transaction(cast_a):
    """Called outside a request (a task, the shell), each service that locks the protocol opens its own transaction:
    PostgreSQL refuses ``SELECT … FOR UPDATE`` in autocommit."""
    protocol = protocol_of(cast_a)
    row = _row(protocol, cast_a.student)
    with scopes_disabled():
        chair = User.objects.get(username=f"{cast_a.college.slug}-chair")
    assert connection.get_autocommit()
    with scope(college=cast_a.college):
        signature = services.protocol_sign(college=cast_a.college, by=chair, protocol=protocol)
        saved = services.protocol_row_save(college=cast_a.college, by=cast_a.staff, result=row,
                                           fields={"percent": "75"}, version=None)
        edited = services.protocol_row_edit(access=_access(cast_a, cast_a.staff), pk=row.pk,
                                            fields={"percent": "76"}, version=saved.version)
    assert signature.pk and saved.percent == 75 and edited.percent == 76
