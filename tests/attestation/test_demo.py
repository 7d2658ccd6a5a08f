import re
from io import StringIO

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from attestation.models import College, Discipline, Group, Program, Student, TranscriptEntry, User
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
        assert Group.objects.filter(college=college).count() == 5
        students = Student.objects.filter(college=college)
        assert students.count() >= 80
        assert all(iin_check(s.iin) is None for s in students)
        assert students.filter(user__username="student").exists()
        for group in Group.objects.filter(college=college, year_of_study=4):
            curriculum = Discipline.objects.filter(program=group.program, is_final_attestation=False).count()
            graded = (TranscriptEntry.objects.filter(student__group=group, discipline__is_final_attestation=False)
                      .values("student", "discipline").distinct().count())
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
        protocol = Protocol.objects.select_related("exam__commission").get(exam__college__slug="almaty-mtc",
                                                                           exam__commission__order_number="112-Б")
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
    html = page(User.objects.get(username="secretary")).get(url).content.decode()
    assert html.count('<tr id="row-') == rows.count() and "Сейітов Бақыт Ерланұлы" in html


@pytest.mark.django_db
def test_the_demo_reaches_diploma_decisions_and_honours_for_its_finished_campaign(
        page, django_capture_on_commit_callbacks):
    """Group ПО-23-2 held its defences and final exam before today, protocols signed and closed: the administrator
    confirms the proposed honours and issues the group's decisions at once; the batch box's counts agree."""
    from commissions.models import Protocol
    from grading import selectors as grading_selectors
    from grading.models import DecisionBatch, DiplomaDecision

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # the worker renders what the seeding asked for
        call_command("seed_demo", stdout=out)
    chair_line = next(line for line in out.getvalue().splitlines() if " chair " in line)
    chair_link = re.search(r"/colleges/\S+", chair_line).group(0)
    assert chair_link.startswith("/colleges/almaty-mtc/attestation/sessions/")  # the chair's login and page
    with scopes_disabled():
        college = College.objects.get(slug="almaty-mtc")
        group = Group.objects.get(college=college, name="ПО-23-2")
        protocols = list(Protocol.objects.filter(exam__slots__student__group=group).distinct()
                         .select_related("exam__commission__campaign"))
        assert sorted(p.exam.form for p in protocols) == ["defence", "oral"]
        for protocol in protocols:
            assert protocol.is_closed and protocol.announced_on == protocol.exam.held_on < college.today()
            assert protocol.signatures.filter(protocol_version=protocol.version).count() == 5  # all voting members
        campaign = protocols[0].exam.commission.campaign
        assert campaign.ends_on < college.today()  # the campaign is over; only its decisions are left
        evaluations = grading_selectors.evaluate(college=college, students=group.students.all())
        proposed = [e for e in evaluations if e.honours_status == "proposed"]
        assert proposed and sum(1 for e in evaluations if e.outcome == "diploma") > 10
        # RET-04: the unsatisfactory exam result brought its certificate of completion when its protocol closed.
        assert sum(1 for e in evaluations if e.outcome == "certificate") == 1
        assert DiplomaDecision.objects.filter(college=college, kind="certificate", student__group=group).count() == 1
        admin = User.objects.get(username="admin")
    with scopes_disabled():
        chair = User.objects.get(username="chair")
    assert page(chair, "en").get(chair_link).status_code == 200
    client = page(admin, "en")
    base = "/colleges/almaty-mtc/attestation"
    confirmed = client.post(f"{base}/honours/{proposed[0].student_id}/confirm/",
                            {"protocol_reference": "98-Б-2", "awarded": "1"})
    assert confirmed.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"{base}/decisions/", {"group": group.pk}).status_code == 302
    with scopes_disabled():
        batch = DecisionBatch.objects.get(college=college, group=group)
        decisions = DiplomaDecision.objects.current().filter(college=college, campaign=campaign)
        assert decisions.filter(kind="diploma").count() == len(evaluations) - 3  # two not admitted, one failed
        assert decisions.filter(kind="certificate").count() == 1
        assert decisions.get(student_id=proposed[0].student_id).honours
        unrendered = decisions.exclude(document__status="ready").values_list("kind", "document__last_error")
        assert list(unrendered) == []  # every PDF rendered
    box = client.get(f"{base}/decisions/batches/{batch.pk}/").content.decode()
    decided, total = len(evaluations) - 2, len(evaluations)
    assert f"{decided} of {total} students decided" in box and "Students without a decision: 2" in box
    assert box.count("[ADM-02]") == 2  # the two with academic debt were never admitted


@pytest.mark.django_db
def test_results_incomplete_names_the_missing_component(page):
    """Today's group ПО-23-1 has not defended yet: the decisions page says which result is missing."""
    call_command("seed_demo", stdout=StringIO())
    with scopes_disabled():
        group = Group.objects.get(college__slug="almaty-mtc", name="ПО-23-1")
        admin = User.objects.get(username="admin")
    html = page(admin, "kk").get(f"/colleges/almaty-mtc/attestation/decisions/?group={group.pk}").content.decode()
    assert "FA-DP «Дипломдық жобаны қорғау»" in html and "FA-EX «Қорытынды емтихан: бағдарламалау»" in html
