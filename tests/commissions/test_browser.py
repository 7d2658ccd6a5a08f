"""The secretary's whole day in headless Chromium: open the session, mark attendance, enter 25 results as they
are typed (htmx), a concurrent edit from a second browser shown as a conflict, the chair signs, the secretary
closes with the scan of the paper copy, downloads the protocol PDF and reads it back."""

from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django_scopes import scopes_disabled
from playwright.sync_api import expect
from pypdf import PdfReader

from attestation.models import Student, TranscriptEntry
from attestation.services import transcript_grade
from commissions.models import Protocol, ProtocolResult
from tests.browser.test_browser import (
    CHROMIUM_ARGS,
    close_connections_of_this_context,
    serious_accessibility_violations,
)
from tests.factories import PASSWORD, college_cast, valid_iin
from tests.grading.builders import PDF

from .builders import ON_THE_DAY, exam_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def chromium():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        close_connections_of_this_context()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def sign_in(browser, live_server, user, width=1280):
    context = browser.new_context(locale="en-US", accept_downloads=True, viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def class_of_25():
    cast = college_cast("day-college", medical=True)
    with scopes_disabled():
        students = [cast.student, cast.other_student]
        for i in range(23):
            student = Student.objects.create(college=cast.college, group=cast.group, iin=valid_iin(),
                                             full_name=f"Студент {i + 3:02d} Тестұлы")
            for discipline, percent in zip(cast.disciplines, (80, 75, 90), strict=True):
                TranscriptEntry.objects.create(college=cast.college, student=student, discipline=discipline,
                                               held_on=ON_THE_DAY.date() - timedelta(days=300),
                                               **transcript_grade(percent))
            students.append(student)
    exam = exam_of(cast, students=students, minutes=14)
    return cast, exam, students


def type_and_wait(page, selector: str, value: str):
    with page.expect_response(lambda r: "/protocol-rows/" in r.url or "/protocol-attendance/" in r.url):
        page.fill(selector, value)
        page.press(selector, "Tab")


def test_the_secretarys_day(live_server, chromium):
    cast, exam, students = class_of_25()
    with scopes_disabled():
        from attestation.models import User

        chair = User.objects.get(username=f"{cast.college.slug}-chair")
    protocol_url = f"{live_server.url}/colleges/{cast.college.slug}/attestation/sessions/{exam.pk}/protocol/"
    with time_machine.travel(ON_THE_DAY, tick=True):
        secretary = sign_in(chromium, live_server, cast.staff, width=1024)  # a laptop in the exam room
        secretary.goto(protocol_url)
        secretary.click("#open-session")
        secretary.locator("#results tbody tr").first.wait_for()
        assert secretary.locator("#results tbody tr").count() == 25
        assert serious_accessibility_violations(secretary) == []

        # Attendance: every member present.
        boxes = secretary.locator("#attendance input[type=checkbox]")
        for i in range(boxes.count()):
            box = secretary.locator("#attendance input[type=checkbox]").nth(i)
            with secretary.expect_response(lambda r: "/protocol-attendance/" in r.url):
                box.check()

        # 25 results typed; each row saves itself; the letter shows as the percent is typed.
        with scopes_disabled():
            rows = list(ProtocolResult.objects.filter(protocol__exam=exam).order_by("slot__starts_at", "id"))
        for n, row in enumerate(rows):
            percent = str(50 + n * 2)
            type_and_wait(secretary, f"#percent-{row.pk}", percent)
        expect(secretary.locator(f"#row-{rows[-1].pk} .letter")).to_have_text("A")
        expect(secretary.locator(f"#row-{rows[0].pk} .letter")).to_have_text("D")
        with scopes_disabled():
            assert ProtocolResult.objects.filter(protocol__exam=exam, percent__isnull=False).count() == 25

        # A second browser (the administrator) opened the page before the secretary's correction of row 1.
        admin = sign_in(chromium, live_server, cast.admin)
        admin.goto(protocol_url)
        type_and_wait(secretary, f"#percent-{rows[0].pk}", "88")
        type_and_wait(admin, f"#percent-{rows[0].pk}", "61")
        conflict = admin.locator(f"#row-{rows[0].pk} .conflict")
        conflict.wait_for()
        assert "your entry was not saved" in conflict.inner_text()
        expect(admin.locator(f"#percent-{rows[0].pk}")).to_have_value("88")
        with scopes_disabled():
            assert ProtocolResult.objects.get(pk=rows[0].pk).percent == 88

        # The chair signs in the portal (on a phone).
        phone = sign_in(chromium, live_server, chair, width=390)
        phone.goto(protocol_url)
        phone.click("#sign")
        phone.locator(".alert-success").wait_for()

        # The others signed the printed copy: the secretary attaches its scan and closes.
        secretary.goto(protocol_url)
        secretary.set_input_files("#signed_scan", files=[{"name": "signed.pdf", "mimeType": "application/pdf",
                                                          "buffer": PDF}])
        secretary.click("#close-protocol")
        secretary.locator("#protocol-pdf").wait_for()
        assert "closed" in secretary.locator("#protocol-status").inner_text().lower()
        with secretary.expect_download() as download_info:
            secretary.click("#protocol-pdf")
        content = Path(download_info.value.path()).read_bytes()
    reader = PdfReader(io.BytesIO(content))
    text = "".join(p.extract_text() for p in reader.pages)
    assert students[5].full_name in text and "88" in text
    with scopes_disabled():
        assert Protocol.objects.get(exam=exam).status == "closed"
