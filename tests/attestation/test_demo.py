from io import StringIO

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from attestation.models import College, Discipline, Group, Program, Student, TranscriptEntry
from attestation.rules import iin_check


@pytest.mark.django_db
def test_demo_data_is_a_realistic_college():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    for login in ("operator", "admin", "secretary", "student", "ministry", "region", "demo-attestation-2026"):
        assert f" {login} " in printed
    with scopes_disabled():
        college = College.objects.get(slug="almaty-mtc")
        programs = Program.objects.filter(college=college)
        assert programs.count() == 2 and programs.filter(is_medical=True).count() == 1
        assert Group.objects.filter(college=college).count() == 4
        students = Student.objects.filter(college=college)
        assert students.count() >= 80
        assert all(iin_check(s.iin) is None for s in students)
        assert students.filter(user__username="student").exists()
        for group in Group.objects.filter(college=college, year_of_study=4):
            curriculum = Discipline.objects.filter(program=group.program, is_final_attestation=False).count()
            graded = (TranscriptEntry.objects.filter(student__group=group).values("student", "discipline")
                      .distinct().count())
            assert graded == curriculum * group.students.count()  # every component of the study period
        assert any("ә" in s.full_name or "ұ" in s.full_name for s in students)
        assert College.objects.filter(slug="shymkent-poly").exists()
    call_command("seed_demo", stdout=StringIO())  # a second run changes nothing
    with scopes_disabled():
        assert Student.objects.filter(college__slug="almaty-mtc").count() == students.count()


@pytest.mark.django_db
def test_the_demo_has_todays_session_under_way_for_the_secretary(page):
    from commissions import rules as commission_rules
    from commissions.models import Commission, Protocol, ProtocolResult
    from grading.models import Admission

    out = StringIO()
    call_command("seed_demo", stdout=out)
    with scopes_disabled():
        protocol = Protocol.objects.select_related("exam__commission").get(exam__college__slug="almaty-mtc")
        commission = protocol.exam.commission
        members = [commission_rules.MemberFacts(m.role, m.affiliation, m.votes, m.full_name)
                   for m in commission.members.all()]
        verdict = commission_rules.final_commission_check(
            members=members, order_number=commission.order_number, order_date=commission.order_date,
            campaign_starts_on=commission.campaign.starts_on, is_medical=False)
        rows = ProtocolResult.objects.filter(protocol=protocol)
        admitted = set(Admission.objects.filter(campaign=commission.campaign).values_list("student_id", flat=True))
        assert commission.status == Commission.Status.APPROVED and verdict.errors == []  # COM-01…COM-06 hold
        assert set(rows.values_list("student_id", flat=True)) == admitted  # only admitted students sit (ADM-02)
        assert rows.filter(percent__isnull=False).count() == 6 and rows.count() > 6
        assert protocol.exam.held_on == protocol.college.today() and not protocol.is_closed
    url = f"/colleges/almaty-mtc/attestation/sessions/{protocol.exam_id}/protocol/"
    assert url in out.getvalue()  # the printed secretary login leads there
    from attestation.models import User

    html = page(User.objects.get(username="secretary")).get(url).content.decode()
    assert html.count('<tr id="row-') == rows.count() and "Сейітов Бақыт Ерланұлы" in html
