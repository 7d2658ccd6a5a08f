"""The Content-Security-Policy (issue 17, item 12): on every answer, no inline script or style in any page template,
and the main pages work in Chromium under it with no violation reported."""

import hashlib
import re
from pathlib import Path

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from attestation.models import Document

from ..browser.test_browser import CHROMIUM_ARGS, close_connections_of_this_context
from ..factories import PASSWORD, college_cast, user_make

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";") if part.strip()}


@pytest.mark.django_db
def test_every_kind_of_answer_carries_the_policy(page, api, cast_a, operator):
    answers = [page().get("/accounts/login/"), page(cast_a.admin).get(f"/colleges/{cast_a.college.slug}/"),
               page().get(f"/v/{cast_a.document.verification_token}/"), page().get("/api/v1/docs/"),
               api(cast_a.admin).get(f"/api/v1/colleges/{cast_a.college.slug}/students/"),
               page(operator).get("/admin/"), page().get("/no-such-page/")]
    for response in answers:
        directives = policy(response)
        assert directives["script-src"] == "script-src 'self'", response
        assert directives["style-src"] == "style-src 'self'"
        assert directives["object-src"] == "object-src 'none'"
        assert directives["frame-ancestors"] == "frame-ancestors 'none'"
        assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_no_page_template_holds_inline_script_or_style():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    style = re.compile(r"\sstyle\s*=|<style", re.I)
    found = []
    for path in TEMPLATES.rglob("*.html"):
        if "documents" in path.relative_to(TEMPLATES).parts:  # print templates of PDFs, never served as pages
            continue
        text = path.read_text()
        for name, pattern in (("inline script", inline_script), ("event handler", handler), ("style", style)):
            if pattern.search(text):
                found.append(f"{path.relative_to(TEMPLATES)}: {name}")
    assert found == []


@pytest.fixture
def chromium():
    import os

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        close_connections_of_this_context()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


class Watched:
    """A page whose CSP violations (the event and the console's report) are collected."""

    def __init__(self, browser, live_server):
        self.context = browser.new_context(locale="en-US")
        self.page = self.context.new_page()
        self.page.set_default_timeout(20000)
        self.base = live_server.url
        self.violations: list[str] = []
        self.page.on("console", lambda message: self.violations.append(message.text)
                     if "Content Security Policy" in message.text else None)
        self.page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                                  "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' "
                                  "+ e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));")

    def visit(self, path: str):
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        assert response.status == 200, (path, response.status)
        return self.page

    def sign_in(self, user):
        self.visit("/accounts/login/")
        self.page.fill("#id_login", user.username)
        self.page.fill("#id_password", PASSWORD)
        self.page.click("main button[type=submit]")
        self.page.wait_for_load_state("networkidle")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_main_pages_work_under_the_policy(chromium, live_server, tmp_path):
    cast = college_cast("csp-college", medical=True)
    with scopes_disabled():
        document = Document.objects.get(pk=cast.document.pk)
        pdf = b"%PDF-1.4 a document"
        document.sha256, document.status = hashlib.sha256(pdf).hexdigest(), "ready"
        document.rendered_at = timezone.now()
        document.save()
    with scopes_disabled():
        operator = user_make("csp-operator", is_superuser=True, is_staff=True)
    slug = cast.college.slug

    visitor = Watched(chromium, live_server)
    page = visitor.visit(f"/v/{document.verification_token}/")  # the public verification page and its script
    same, other = tmp_path / "same.pdf", tmp_path / "other.pdf"
    same.write_bytes(pdf)
    other.write_bytes(b"%PDF-1.4 something else")
    page.set_input_files("#check-file", str(same))
    page.locator("#check-result.text-success").wait_for()
    page.set_input_files("#check-file", str(other))
    page.locator("#check-result.text-danger").wait_for()
    visitor.visit("/api/v1/docs/")
    visitor.page.locator(".swagger-ui .info").wait_for()  # Swagger UI drew the schema

    admin = Watched(chromium, live_server)
    admin.sign_in(cast.admin)
    for path in ("", "students/", f"students/{cast.student.pk}/", "import/", "documents/", "members/", "audit/",
                 "campaigns/", "registry/groups/", "attestation/decisions/", "attestation/honours/",
                 "attestation/admissions/", "attestation/commissions/"):
        admin.visit(f"/colleges/{slug}/{path}")
    page = admin.visit(f"/colleges/{slug}/attestation/decisions/")
    with page.expect_navigation():
        page.select_option("#id_group", str(cast.student.group_id))  # data-autosubmit sends the picker's form
    assert f"group={cast.student.group_id}" in page.url
    page.click("#nav .dropdown-toggle >> nth=0")  # Bootstrap's script works
    for path in ("/accounts/tokens/", "/accounts/2fa/", "/accounts/2fa/totp/activate/", "/accounts/password/change/"):
        admin.visit(path)

    student = Watched(chromium, live_server)
    student.sign_in(cast.student_user)
    for path in (f"/colleges/{slug}/me/", f"/colleges/{slug}/appeals/", f"/colleges/{slug}/attestation/me/"):
        student.visit(path)

    staff = Watched(chromium, live_server)
    staff.sign_in(operator)
    staff.visit("/admin/")
    staff.visit("/admin/attestation/college/")

    assert visitor.violations + admin.violations + student.violations + staff.violations == []
