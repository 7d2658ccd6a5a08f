"""The representative on a phone-sized Chromium: signs in, opens their college, fills Annex 1 and signs twice with the
finger (the canvas of static/js/signature.js, no inline script), and the act is stored with both drawn signatures."""

import os

import pytest
import time_machine
from django_scopes import scopes_disabled

from monitoring.models import Act
from monitoring.services import acts as act_services

from ..browser.test_browser import CHROMIUM_ARGS, close_connections_of_this_context, serious_accessibility_violations
from ..factories import PASSWORD
from .builders import (
    TESTING_ON,
    college_with_students,
    local,
    participants_of,
    representative,
    round_college,
    selected_round,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True,
                                      device_scale_factor=2)
        page = context.new_page()
        page.set_default_timeout(20000)
        yield page
        context.close()
        browser.close()
        close_connections_of_this_context()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def scribble(page, selector: str) -> None:
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] - 20)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * 22, box["y"] + 20 + (step % 3) * 30)
    page.mouse.up()


def test_the_representative_signs_an_act_on_the_phone(live_server, phone, ministry):
    college = college_with_students("phone-college", second_year=2, third_year=2)
    round = selected_round(ministry, [college], status="testing")
    rep = representative("phone-representative")
    act_services.representative_assign(round=round, by=ministry, user=rep, round_college=round_college(round, college))
    testee = participants_of(round, college)[0]
    page = phone
    with time_machine.travel(local(TESTING_ON, 10, 30), tick=True):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_login", rep.username)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/monitoring/representative/")
        assert college.name_en in page.content()
        assert serious_accessibility_violations(page) == []
        page.click("text=Annex 1")
        page.wait_for_url("**/acts/new/?kind=forbidden_items")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        page.select_option("#id_participant", str(testee.pk))
        page.fill("#id_occurred_time", "10:25")
        page.fill("#id_room", "204")
        page.fill("#id_seat", "5")
        page.fill("#id_variant", "11")
        page.fill("#id_item_0", "Смартфон")
        page.fill("#id_make_0", "Xiaomi Redmi 12")
        page.fill("#id_count_0", "1")
        page.fill("#id_testee_signed_name", testee.full_name)
        scribble(page, "#testee-pad")
        scribble(page, "#representative-pad")
        assert serious_accessibility_violations(page) == []
        page.click("button[type=submit].btn-danger")
        page.wait_for_url("**/acts/*/")
    with scopes_disabled():
        act = Act.objects.get(participant=testee)
        assert act.variant == "11" and act.items == [{"item": "Смартфон", "make": "Xiaomi Redmi 12", "count": 1}]
        assert act.testee_signature and act.representative_signature and not act.signed_scan
        assert act.testee_signature.read()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Xiaomi Redmi 12" in page.content()
