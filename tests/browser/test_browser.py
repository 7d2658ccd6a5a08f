"""The whole sign-in → language → import → error report → transcript PDF path in headless Chromium."""

import io
import os
from pathlib import Path

import pytest
from django_scopes import scopes_disabled
from pypdf import PdfReader

from attestation.models import Student

from ..factories import PASSWORD, college_cast, valid_iin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def browser_page():
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still sync.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-US", accept_downloads=True, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(20000)
        yield page
        context.close()
        browser.close()
        close_connections_of_this_context()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def close_connections_of_this_context() -> None:
    """The ORM calls a test makes while Playwright's event loop runs get database connections of their own (Django
    keeps connections per async context): closed here, or the test database could not be dropped at the end."""
    from django.db import connections

    connections.close_all()


def serious_accessibility_violations(page) -> list[str]:
    # Evaluated over the DevTools protocol, not added as an inline <script> the Content-Security-Policy would refuse.
    page.evaluate(AXE.read_text() + "\n;0")
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_administrator_signs_in_switches_language_imports_and_downloads_a_transcript(
        live_server, browser_page, tmp_path):
    cast = college_cast("browser-college", medical=True)
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    assert serious_accessibility_violations(page) == []
    page.fill("#id_login", cast.admin.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/colleges/{cast.college.slug}/")
    assert page.locator("h1").inner_text() == cast.college.name_en
    assert serious_accessibility_violations(page) == []

    # Switch to Russian, then to Kazakh, with the language menu.
    page.click("#language-switcher")
    page.click("button[name=language][value=ru]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.get_by_role("link", name="Студенты").first.is_visible()
    page.click("#language-switcher")
    page.click("button[name=language][value=kk]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "kk"

    # Import a file with mistakes: the report lists them and nothing is stored.
    bad = tmp_path / "students.csv"
    bad.write_text(f"ИИН;ФИО;Группа\n080424518412;Қате ЖСН;{cast.group.name}\n{valid_iin()};Дұрыс;ЖОҚ-99\n",
                   encoding="utf-8-sig")
    page.goto(f"{live_server.url}/colleges/{cast.college.slug}/import/")
    page.select_option("#id_kind", "students")
    page.set_input_files("#id_file", str(bad))
    page.click("#import-submit")
    report = page.locator("table.error-report")
    report.wait_for()
    rows = report.locator("tbody tr")
    assert rows.count() == 2
    assert "080424518412" in rows.nth(0).inner_text() and "ЖОҚ-99" in rows.nth(1).inner_text()
    assert serious_accessibility_violations(page) == []
    with scopes_disabled():
        assert Student.objects.filter(college=cast.college).count() == 2

    # A correct file goes in.
    good = tmp_path / "good.csv"
    good.write_text(f"ИИН;ФИО;Группа\n{valid_iin()};Төлеубаева Жадыра Асқарқызы;{cast.group.name}\n",
                    encoding="utf-8-sig")
    page.set_input_files("#id_file", str(good))
    page.select_option("#id_kind", "students")
    page.click("#import-submit")
    page.locator(".alert-success").wait_for()
    with scopes_disabled():
        assert Student.objects.filter(college=cast.college).count() == 3

    # The transcript as PDF: requested, produced, downloaded, read back.
    page.goto(f"{live_server.url}/colleges/{cast.college.slug}/students/{cast.student.pk}/")
    page.select_option("#id_language", "kk")
    page.click("#request-transcript")
    link = page.locator("a.download-pdf").first
    link.wait_for()
    with page.expect_download() as download_info:
        link.click()
    content = Path(download_info.value.path()).read_bytes()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert cast.student.full_name in text and "Қазақ тілі" in text


def test_a_student_on_a_phone_sees_their_record(live_server, browser_page):
    cast = college_cast("phone-college")
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", cast.student_user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**/colleges/{cast.college.slug}/")
    page.goto(f"{live_server.url}/colleges/{cast.college.slug}/me/")
    assert cast.student.full_name in page.locator("h1").inner_text()
    assert page.locator("table").nth(0).is_visible() or page.locator("table").count() >= 1
    assert serious_accessibility_violations(page) == []
    # Another student's page does not exist for them.
    response = page.goto(f"{live_server.url}/colleges/{cast.college.slug}/students/{cast.other_student.pk}/")
    assert response.status == 404
