"""A student files an appeal from a phone (headless Chromium, 390 px wide): the result, the deadline and the due date,
the reason and a PDF; then the administrator's queue. No serious accessibility violations (axe-core)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from appeals.models import Appeal
from tests.browser.test_browser import browser_page, serious_accessibility_violations  # noqa: F401 (fixture)
from tests.factories import PASSWORD, college_cast

from .builders import PDF, result_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, user, slug):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/colleges/{slug}/")


def test_a_student_files_an_appeal_from_a_phone(live_server, browser_page, tmp_path):  # noqa: F811
    cast = college_cast("appeal-phone")
    today = timezone.localtime(timezone.now(), ZoneInfo(cast.college.timezone)).date()
    entry = result_of(cast, held_on=today)  # the window is open until the end of the next working day
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server, cast.student_user, cast.college.slug)
    page.goto(f"{live_server.url}/colleges/{cast.college.slug}/appeals/")
    assert serious_accessibility_violations(page) == []
    page.click(f"a[href$='/appeals/results/{entry.pk}/']")
    page.locator("#filing-deadline").wait_for()
    assert "23:59" in page.locator("#filing-deadline").inner_text()
    assert page.locator("#decision-due").inner_text().strip()
    assert serious_accessibility_violations(page) == []
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(PDF)
    page.fill("#id_reason", "Екінші сұраққа берген жауабым толық бағаланбады.")
    page.set_input_files("#id_attachments", str(scan))
    page.click("#file-appeal")
    page.locator("#decision-due").wait_for()
    assert "Екінші сұраққа" in page.content()
    assert serious_accessibility_violations(page) == []
    with scopes_disabled():
        appeal = Appeal.objects.get(transcript_entry=entry)
        assert appeal.attachments.count() == 1

    admin = page.context.browser.new_context(locale="en-US").new_page()
    sign_in(admin, live_server, cast.admin, cast.college.slug)
    admin.goto(f"{live_server.url}/colleges/{cast.college.slug}/appeals/")
    assert admin.locator("#appeal-queue tbody tr").count() == 1
    assert serious_accessibility_violations(admin) == []
