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
    for login in ("operator", "admin", "secretary", "student", "demo-attestation-2026"):
        assert login in printed
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
