"""Who sees what in the monitoring: a permission table of every page and API route of the authorities' area, as in
tests/*/isolation.py. A regional department asking for another region's college, act, result or document gets 404,
as does a representative outside their colleges and a college administrator outside their college; people without a
role in the monitoring get 403. Lists never carry another region's (college's) rows."""


import pytest
from django.urls import URLPattern, URLResolver

from monitoring import api_urls, urls

from .test_api_flow import signature_png
from .world import world_build

pytestmark = pytest.mark.django_db
VIEWERS = ("ministry", "region_a", "region_b", "rep_a", "rep_b", "admin_a", "admin_b", "student", "anonymous")
# Expected answers, one per viewer in the order above.
ANALYSTS_ONLY = (200, 200, 200, 403, 403, 403, 403, 403, 302)
MINISTRY_ONLY = (200, 403, 403, 403, 403, 403, 403, 403, 302)
OF_COLLEGE_A = (200, 200, 404, 200, 404, 403, 403, 403, 302)  # a page about college A (Astana)
OF_COLLEGE_A_ANALYSTS = (200, 200, 404, 403, 403, 403, 403, 403, 302)


@pytest.fixture
def world(ministry, cast_a, cast_b):
    return world_build(ministry, cast_a, cast_b)


def viewers(world, cast_a):
    return {"ministry": world.ministry, "region_a": world.a.region, "region_b": world.b.region,
            "rep_a": world.a.representative, "rep_b": world.b.representative, "admin_a": world.a.admin,
            "admin_b": world.b.admin, "student": cast_a.student_user, "anonymous": None}


def page_table(w):
    r, a = w.round.pk, w.a
    return [
        ("dashboard", "get", "/monitoring/", (200, 200, 200, 302, 302, 403, 403, 403, 302)),
        ("representative", "get", "/monitoring/representative/", (403, 403, 403, 200, 200, 403, 403, 403, 302)),
        ("round_new", "get", "/monitoring/rounds/new/", MINISTRY_ONLY),
        ("round", "get", f"/monitoring/rounds/{r}/", ANALYSTS_ONLY),
        ("round_edit", "get", f"/monitoring/rounds/{r}/edit/", MINISTRY_ONLY),
        ("round_action", "post", f"/monitoring/rounds/{r}/do/freeze/", (302, *MINISTRY_ONLY[1:])),
        ("round_cancel", "get", f"/monitoring/rounds/{r}/cancel/", MINISTRY_ONLY),
        ("emergency", "get", f"/monitoring/rounds/{r}/emergency/", MINISTRY_ONLY),
        ("pool", "get", f"/monitoring/rounds/{r}/pool/", ANALYSTS_ONLY),
        ("pool_csv", "get", f"/monitoring/rounds/{r}/pool.csv", ANALYSTS_ONLY),
        ("draw", "get", f"/monitoring/rounds/{r}/draw/", ANALYSTS_ONLY),
        ("draw_csv", "get", f"/monitoring/rounds/{r}/draw-v1.csv", ANALYSTS_ONLY),
        ("colleges", "get", f"/monitoring/rounds/{r}/colleges/", ANALYSTS_ONLY),
        ("college", "get", f"/monitoring/rounds/{r}/colleges/{a.college.pk}/", OF_COLLEGE_A),
        ("seating_xlsx", "get", f"/monitoring/rounds/{r}/colleges/{a.college.pk}/seating.xlsx", OF_COLLEGE_A),
        ("act_new", "get", f"/monitoring/rounds/{r}/colleges/{a.college.pk}/acts/new/",
         (403, 403, 403, 200, 404, 403, 403, 403, 302)),
        ("act", "get", f"/monitoring/rounds/{r}/acts/{a.act.pk}/", OF_COLLEGE_A),
        ("representatives", "get", f"/monitoring/rounds/{r}/representatives/", ANALYSTS_ONLY),
        ("representative_remove", "post",
         f"/monitoring/rounds/{r}/representatives/{a.rc.representatives.model.objects.with_scopes_disabled().get(user=a.representative).pk}/remove/",  # noqa: E501
         (302, *MINISTRY_ONLY[1:])),
        ("results", "get", f"/monitoring/rounds/{r}/results/", ANALYSTS_ONLY),
        ("results_template", "get", f"/monitoring/rounds/{r}/results/template.xlsx", MINISTRY_ONLY),
        ("document", "get", f"/monitoring/rounds/{r}/documents/{a.act_document.pk}/", OF_COLLEGE_A),
        ("excusal_file", "get", f"/monitoring/rounds/{r}/participants/{a.excused.pk}/file/", OF_COLLEGE_A_ANALYSTS),
        ("analytics", "get", f"/monitoring/rounds/{r}/analytics/", ANALYSTS_ONLY),
        ("analytics", "get", f"/monitoring/rounds/{r}/analytics/?group_by=college&format=xlsx", ANALYSTS_ONLY),
        ("analytics", "get", f"/monitoring/rounds/{r}/analytics/?group_by=subject&format=csv", ANALYSTS_ONLY),
        ("report", "get", f"/monitoring/rounds/{r}/analytics/report.pdf?language=ru", ANALYSTS_ONLY),
        ("analysis_issue", "post", f"/monitoring/rounds/{r}/analytics/issue/", (302, *MINISTRY_ONLY[1:])),
        ("survey", "get", f"/monitoring/rounds/{r}/survey/", ANALYSTS_ONLY),
        ("survey_links", "get", f"/monitoring/rounds/{r}/survey/{a.batch.pk}/links/", MINISTRY_ONLY),
        ("survey_links", "get", f"/monitoring/rounds/{r}/survey/{a.batch.pk}/links/?format=xlsx", MINISTRY_ONLY),
        ("survey_page", "get", f"/monitoring/survey/{_token(a)}/", (200,) * 9),  # no account needed
        ("public", "get", f"/monitoring/public/{w.round.year}/", (200,) * 9),
    ]


def _token(side) -> str:
    return side.batch.invitations.model.objects.with_scopes_disabled().filter(batch=side.batch).first().token


def test_every_page_of_the_authorities_area_answers_each_viewer_as_the_table_says(page, world, cast_a):
    people = viewers(world, cast_a)
    wrong = []
    for name, method, url, expected in page_table(world):
        for viewer, status in zip(VIEWERS, expected, strict=True):
            response = getattr(page(people[viewer]), method)(url)
            if response.status_code != status:
                wrong.append((name, viewer, status, response.status_code))
    assert wrong == []


API = "/api/v1/monitoring/rounds/{}"
API_ANYONE = (200, 200, 200, 200, 200, 200, 200, 403)
API_ANALYSTS = (200, 200, 200, 403, 403, 403, 403, 403)
API_OF_COLLEGE_A = (200, 200, 404, 200, 404, 200, 404, 403)


def api_table(w):
    """(route of monitoring/api_urls.py, method, address, expected answers)."""
    base, a = API.format(w.round.pk), w.a
    rounds, round_pk = "rounds/<int:pk>/", "rounds/<int:round_pk>/"
    return [
        ("rounds/", "get", "/api/v1/monitoring/rounds/", API_ANYONE),
        (rounds, "get", f"{base}/", API_ANYONE),
        (f"{rounds}pool/", "get", f"{base}/pool/", API_ANALYSTS),
        (f"{rounds}draw/", "get", f"{base}/draw/", API_ANALYSTS),
        (f"{rounds}seed/", "post", f"{base}/seed/", (422, 403, 403, 403, 403, 403, 403, 403)),  # not in draft
        (f"{rounds}transition/", "post", f"{base}/transition/", (422, 403, 403, 403, 403, 403, 403, 403)),
        (f"{rounds}emergency/", "post", f"{base}/emergency/", (400, 403, 403, 403, 403, 403, 403, 403)),
        (f"{round_pk}colleges/", "get", f"{base}/colleges/", API_ANYONE),
        (f"{round_pk}colleges/<slug:code>/", "get", f"{base}/colleges/{a.college.slug}/", API_OF_COLLEGE_A),
        (f"{round_pk}participants/", "get", f"{base}/participants/?college={a.college.slug}", API_OF_COLLEGE_A),
        (f"{round_pk}participants/<int:pk>/", "get", f"{base}/participants/{a.tested.pk}/", API_OF_COLLEGE_A),
        (f"{round_pk}participants/<int:pk>/file/", "get", f"{base}/participants/{a.excused.pk}/file/",
         API_OF_COLLEGE_A),
        (f"{round_pk}acts/", "get", f"{base}/acts/?college={a.college.slug}", API_OF_COLLEGE_A),
        (f"{round_pk}acts/<int:pk>/", "get", f"{base}/acts/{a.act.pk}/", API_OF_COLLEGE_A),
        (f"{round_pk}results/", "get", f"{base}/results/?college={a.college.slug}", API_OF_COLLEGE_A),
        (f"{round_pk}results/", "get", f"{base}/results/?group_by=college", API_ANYONE),
        (f"{round_pk}results/", "get", f"{base}/results/?group_by=region&format=xlsx", API_ANYONE),
        (f"{round_pk}results/", "get", f"{base}/results/?format=csv", API_ANYONE),
        ("surveys/<str:token>/", "get", f"/api/v1/monitoring/surveys/{_token(a)}/", (200,) * 8),
        ("public/<int:year>/", "get", f"/api/v1/monitoring/public/{w.round.year}/", (200,) * 8),
        (f"{round_pk}representatives/", "get", f"{base}/representatives/", API_ANYONE),
        (f"{round_pk}documents/<int:pk>/file/", "get", f"{base}/documents/{a.act_document.pk}/file/",
         API_OF_COLLEGE_A),
        (f"{round_pk}seating/", "post", f"{base}/seating/", (403, 403, 403, 403, 403, 422, 404, 403)),
        (f"{round_pk}participants/", "post", f"{base}/participants/", (403, 403, 403, 403, 403, 422, 404, 403)),
        (f"{round_pk}acts/", "post", f"{base}/acts/", (403, 403, 403, 422, 422, 403, 403, 403)),
        (f"{round_pk}representatives/", "post", f"{base}/representatives/",  # the round has results: MON-13
         (422, 403, 403, 403, 403, 403, 403, 403)),
        (f"{round_pk}representatives/<int:pk>/", "delete", f"{base}/representatives/{{assignment}}/",
         (422, 403, 404, 403, 404, 403, 404, 403)),
        (f"{round_pk}results/", "post", f"{base}/results/",  # JSON to a multipart upload: 415
         (415, 403, 403, 403, 403, 403, 403, 403)),
    ]


def api_body(w, route, method):
    """A body about college A that only the state of things refuses (after the day, not in draft, …)."""
    if method != "post":
        return {}
    return {"rounds/<int:pk>/transition/": {"status": "testing"},
            "rounds/<int:round_pk>/seating/": {"college": w.a.college.slug, "rooms": [{"room": "1", "seats": 10}]},
            "rounds/<int:round_pk>/participants/": {"participant": w.a.tested.pk, "reason": "sanatorium"},
            "rounds/<int:round_pk>/acts/": {  # complete, but the testing is over (rep_a) or not theirs (rep_b)
                "kind": "forbidden_items", "participant": w.a.tested.pk, "occurred_at": "2026-11-16T10:00:00+05:00",
                "room": "1", "seat": 1, "variant": "1", "items": [{"item": "телефон", "count": 1}],
                "testee_signed_name": "x", "representative_signed_name": "y", "testee_signature": signature_png(),
                "representative_signature": signature_png()},
            "rounds/<int:round_pk>/representatives/": {"user": w.b.representative.username,
                                                       "college": w.a.college.slug},
            }.get(route, {})


def test_every_api_route_answers_each_viewer_as_the_table_says(api, world, cast_a):
    people = viewers(world, cast_a)
    assignment = world.a.rc.representatives.model.objects.with_scopes_disabled().get(user=world.a.representative).pk
    wrong = []
    for route, method, url, expected in api_table(world):
        for viewer, status in zip(VIEWERS[:-1], expected, strict=True):
            response = getattr(api(people[viewer]), method)(url.format(assignment=assignment),
                                                            api_body(world, route, method), format="json")
            if response.status_code != status:
                wrong.append((method, route, viewer, status, response.status_code))
            elif status in (403, 404, 422):
                assert set(response.json()) == {"detail", "errors"}, (route, viewer)  # the one error shape
    assert wrong == [], "\n".join(map(str, wrong))
    assert api(None).get("/api/v1/monitoring/rounds/").status_code == 401


def test_lists_never_carry_another_regions_or_colleges_rows(api, page, world, cast_a):
    w = world
    base = API.format(w.round.pk)
    for viewer, mine, other in ((w.b.region, w.b, w.a), (w.a.admin, w.a, w.b), (w.b.representative, w.b, w.a)):
        client = api(viewer)
        colleges = [row["code"] for row in client.get(f"{base}/colleges/").json()["results"]]
        assert colleges == [mine.college.slug]
        results = client.get(f"{base}/results/").json()["results"]
        assert {row["college"] for row in results} == {mine.college.slug}
        acts = client.get(f"{base}/acts/").json()["results"]
        assert [row["id"] for row in acts] == [mine.act.pk]
        rows = client.get(f"{base}/participants/", {"page_size": 500}).json()["results"]
        participants = {row["code"] for row in rows}
        assert mine.tested.code in participants and other.tested.code not in participants
        representatives = {row["user"] for row in client.get(f"{base}/representatives/").json()["results"]}
        assert representatives == {mine.representative.username}
    html = page(w.b.region).get(f"/monitoring/rounds/{w.round.pk}/colleges/").content.decode()
    assert w.b.college.name_en in html and w.a.college.name_en not in html
    html = page(w.b.region).get(f"/monitoring/rounds/{w.round.pk}/results/").content.decode()
    assert w.b.tested.code in html and w.a.tested.code not in html
    html = page(w.b.region).get(f"/monitoring/rounds/{w.round.pk}/representatives/").content.decode()
    assert w.b.representative.full_name in html and w.a.representative.full_name not in html
    html = page(w.b.region).get("/monitoring/").content.decode()
    assert w.a.college.name_en not in html  # the overview of colleges: the region's only


def _routes(patterns, prefix=""):
    found = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found |= _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.add(prefix + str(pattern.pattern))
    return found


def test_every_monitoring_url_is_in_a_table(world):
    assert {p.name for p in urls.urlpatterns} == {name for name, *_rest in page_table(world)}
    assert _routes(api_urls.urlpatterns) == {route for route, *_rest in api_table(world)}
