"""The secretary's page reads a session in a constant number of queries (commissions.selectors.protocol_page): what
it reads must be what the ORM reads elsewhere, and another college's session must stay out of reach."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from attestation.models import User
from commissions import selectors, services
from commissions.models import Exam, ProtocolResult

from .builders import ON_THE_DAY, exam_of, protocol_of

pytestmark = pytest.mark.django_db


def _orm_rows(protocol) -> list[tuple]:
    with scopes_disabled():
        return list(ProtocolResult.objects.filter(protocol=protocol).order_by("slot__starts_at", "slot_id")
                    .values_list("pk", "student__full_name", "status", "percent", "letter", "version"))


def test_the_page_reads_what_the_orm_reads(cast_a):
    protocol = protocol_of(cast_a)
    with scope(college=cast_a.college):
        chair = User.objects.get(username=f"{cast_a.college.slug}-chair")
        services.protocol_sign(college=cast_a.college, by=chair, protocol=protocol)
        exam = Exam.objects.select_related("commission", "discipline").get(pk=protocol.exam_id)
        with CaptureQueriesContext(connection) as queries:
            page = selectors.protocol_page(college=cast_a.college, exam_pk=exam.pk)
            # Everything the page shows of them, with no query more.
            shown = (str(page.exam), str(page.exam.commission), page.exam.get_form_display(), page.exam.held_on,
                     page.exam.is_distance, page.protocol.number, page.protocol.get_status_display(),
                     [(a.member.full_name, a.member.get_role_display(), a.member.votes, a.present)
                      for a in page.attendance], page.protocol.signed_scan.name)
        assert len(queries) == 4  # the protocol with its session, the members' attendance, the signatures, the rows
        assert shown[:5] == (str(exam), str(exam.commission), exam.get_form_display(), exam.held_on, False)
        assert page.protocol.pk == protocol.pk and page.protocol.version == protocol.version
        members = list(protocol.attendance.select_related("member").order_by("member__role", "member_id"))
        assert [a.pk for a in page.attendance] == [a.pk for a in members]
        assert [(s.member_id, s.protocol_version) for s in page.signatures] == [
            (s.member_id, s.protocol_version) for s in protocol.signatures.all()]
        assert len(page.signatures) == 1
        # Values as the ORM gives them on either database (SQLite returns integers and naive datetimes).
        assert page.exam.starts_at == exam.starts_at and timezone.is_aware(page.exam.starts_at)
        assert all(isinstance(a.present, bool) for a in page.attendance)
        assert all(isinstance(r.id_checked, bool) for r in page.rows)
    assert [(r.pk, r.student.full_name, r.status, r.percent, r.letter, r.version) for r in page.rows] == \
        _orm_rows(protocol)


def test_a_session_not_opened_has_no_protocol(cast_a):
    exam = exam_of(cast_a)
    with scope(college=cast_a.college), CaptureQueriesContext(connection) as queries:
        page = selectors.protocol_page(college=cast_a.college, exam_pk=exam.pk)
    assert page.protocol is None and page.attendance == [] and page.rows == []
    assert page.exam.pk == exam.pk and len(queries) == 2  # no protocol, then the session


def test_another_colleges_session_is_not_found(cast_a, cast_b):
    protocol = protocol_of(cast_a)
    with scope(college=cast_b.college), pytest.raises(Http404):
        selectors.protocol_page(college=cast_b.college, exam_pk=protocol.exam_id)


def test_attendance_lines_show_signatures_and_save_as_typed(page, cast_a):
    protocol = protocol_of(cast_a)
    with scope(college=cast_a.college):
        chair = User.objects.get(username=f"{cast_a.college.slug}-chair")
        services.protocol_sign(college=cast_a.college, by=chair, protocol=protocol)
        line = protocol.attendance.select_related("member").get(member__user=chair)
    base = f"/colleges/{cast_a.college.slug}/attestation/"
    secretary = page(cast_a.staff)
    html = secretary.get(f"{base}sessions/{protocol.exam_id}/protocol/").content.decode()
    chair_line = html[html.index(f'id="attendance-{line.pk}"'):]
    chair_line = chair_line[:chair_line.index("</li>")]
    assert f'hx-post="{base}protocol-attendance/{line.pk}/"' in chair_line
    assert line.member.full_name in chair_line and "text-bg-success" in chair_line  # signed
    assert f'action="{base}sessions/{protocol.exam_id}/protocol/sign/"' in html
    assert f'action="{base}sessions/{protocol.exam_id}/protocol/close/"' in html
    with time_machine.travel(ON_THE_DAY, tick=False):
        saved = secretary.post(f"{base}protocol-attendance/{line.pk}/", {"present": "on", "version": line.version},
                               HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    assert saved.content.decode().startswith(f'<li id="attendance-{line.pk}"') and " checked" in saved.content.decode()
    stale = secretary.post(f"{base}protocol-attendance/{line.pk}/", {"version": line.version}, HTTP_HX_REQUEST="true")
    assert stale.status_code == 409 and 'role="alert"' in stale.content.decode()


def test_a_signature_of_an_earlier_version_is_not_shown_as_signed(page, cast_a):
    protocol = protocol_of(cast_a)
    with scope(college=cast_a.college):
        chair = User.objects.get(username=f"{cast_a.college.slug}-chair")
        services.protocol_sign(college=cast_a.college, by=chair, protocol=protocol)
        line = protocol.attendance.get(member__user=chair)
        row = ProtocolResult.objects.filter(protocol=protocol).first()
    base = f"/colleges/{cast_a.college.slug}/attestation/"
    secretary = page(cast_a.staff)
    saved = secretary.post(f"{base}protocol-rows/{row.pk}/", {"percent": "81"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    html = secretary.get(f"{base}sessions/{protocol.exam_id}/protocol/").content.decode()
    chair_line = html[html.index(f'id="attendance-{line.pk}"'):]
    assert "text-bg-success" not in chair_line[:chair_line.index("</li>")]  # the protocol changed after signing
