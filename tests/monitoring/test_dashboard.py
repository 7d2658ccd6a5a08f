import pytest

from tests.factories import user_make


@pytest.mark.django_db
def test_ministry_sees_every_college_and_a_region_only_its_own(page, cast_a, cast_b, ministry):
    cast_b.college.region = "shymkent"
    cast_b.college.save()
    html = page(ministry).get("/monitoring/").content.decode()
    assert cast_a.college.name_en in html and cast_b.college.name_en in html
    regional = user_make("astana-department", authority="region", authority_region="astana")
    html = page(regional).get("/monitoring/").content.decode()
    assert cast_a.college.name_en in html and cast_b.college.name_en not in html
    assert cast_a.student.full_name not in html  # aggregates only, no personal records


@pytest.mark.django_db
def test_college_staff_have_no_monitoring_area(page, cast_a):
    assert page(cast_a.admin).get("/monitoring/").status_code == 403


@pytest.mark.django_db
def test_authorities_land_on_monitoring(page, ministry):
    assert page(ministry).get("/")["Location"] == "/monitoring/"
