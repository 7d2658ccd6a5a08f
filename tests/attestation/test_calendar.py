from datetime import date

import pytest

from attestation.calendar import WorkingCalendar, working_calendar
from attestation.services import calendar_override_set


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 3, 20), True),  # Friday before Nauryz
        (date(2026, 3, 23), False),  # Nauryz
        (date(2026, 3, 25), False),  # Nauryz, moved day off (observed)
        (date(2026, 3, 26), True),
        (date(2025, 1, 3), False),  # day off transferred from Sunday 5 January 2025
        (date(2025, 1, 5), True),  # that Sunday was a working day
        (date(2026, 11, 21), False),  # an ordinary Saturday
    ],
)
def test_kazakhstan_working_days_include_transfers(day, working):
    assert WorkingCalendar().is_working_day(day) is working


def test_next_working_day_skips_the_nauryz_holidays():
    calendar = WorkingCalendar()
    assert calendar.next_working_day(date(2026, 3, 20)) == date(2026, 3, 26)
    assert calendar.add_working_days(date(2026, 3, 20), 3) == date(2026, 3, 30)
    assert calendar.working_days_between(date(2026, 3, 16), date(2026, 3, 27)) == 7


def test_overrides_win_over_the_holidays_package():
    calendar = WorkingCalendar({date(2026, 3, 26): False, date(2026, 3, 28): True})
    assert not calendar.is_working_day(date(2026, 3, 26))
    assert calendar.is_working_day(date(2026, 3, 28))  # a Saturday declared working
    assert calendar.next_working_day(date(2026, 3, 20)) == date(2026, 3, 27)
    assert calendar.next_working_day(date(2026, 3, 27)) == date(2026, 3, 28)


def test_holiday_names_follow_the_language():
    calendar = WorkingCalendar()
    assert "Nowruz" in calendar.day_name(date(2026, 3, 23), "en")
    assert "Наурыз" in calendar.day_name(date(2026, 3, 23), "kk")


def test_end_of_day_is_local_to_the_college():
    end = WorkingCalendar.end_of_day(date(2026, 6, 15), "Asia/Almaty")
    assert (end.hour, end.minute, end.second) == (23, 59, 59)
    assert end.utcoffset().total_seconds() == 5 * 3600


@pytest.mark.django_db
def test_operator_override_is_used_by_the_calendar_service(operator):
    calendar_override_set(by=operator, day=date(2026, 3, 26), is_working_day=False, note="Decree No. 1")
    calendar = working_calendar()
    assert calendar.next_working_day(date(2026, 3, 20)) == date(2026, 3, 27)
    assert calendar.day_name(date(2026, 3, 26), "en") == "Decree No. 1"


@pytest.mark.django_db
def test_working_days_endpoint(api, cast_a):
    response = api(cast_a.admin).get("/api/v1/calendar/working-days/", {"from": "2026-03-20", "to": "2026-03-27"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 8 and body["working_days"] == 3
    by_date = {d["date"]: d for d in body["results"]}
    assert by_date["2026-03-23"]["is_working_day"] is False and "Nowruz" in by_date["2026-03-23"]["name"]
    assert by_date["2026-03-26"]["is_working_day"] is True


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [({"from": "2026-03-20"}, "to"), ({"from": "x", "to": "2026-03-27"}, "from"),
     ({"from": "2026-03-27", "to": "2026-03-20"}, "to"), ({"from": "2020-01-01", "to": "2026-01-01"}, "to")],
)
def test_working_days_endpoint_refuses_bad_ranges(api, cast_a, params, field):
    response = api(cast_a.admin).get("/api/v1/calendar/working-days/", params)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field


@pytest.mark.django_db
def test_only_the_operator_adds_overrides(api, cast_a, operator):
    body = {"date": "2026-03-26", "is_working_day": False, "note": "Decree"}
    assert api(cast_a.admin).post("/api/v1/calendar/overrides/", body).status_code == 403
    assert api(operator).post("/api/v1/calendar/overrides/", body).status_code == 201
    days = api(cast_a.admin).get("/api/v1/calendar/working-days/", {"from": "2026-03-26", "to": "2026-03-26"}).json()
    assert days["results"][0] == {"date": "2026-03-26", "is_working_day": False, "name": "Decree"}
