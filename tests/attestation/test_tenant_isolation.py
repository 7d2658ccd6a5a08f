"""Alice (administrator of college A) must get 404 for anything of college B, on every endpoint and
page, whatever the method; a student must get 404 for another student's record and documents.

The tables are built from the URL configuration itself, so a new endpoint or page is covered the day
it is added (and fails here if no object of college B is known for it).
"""

import re
from importlib import import_module

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scopes_disabled

from attestation.api_urls import COLLEGE_ROUTERS
from attestation.urls import COLLEGE_PAGE_APPS

from ..isolation import API_OBJECTS, PAGE_KWARGS, load_all

load_all()


def _api_routes():
    """(basename, route, methods) of every per-college API route of every app."""
    routes = []
    for _app, router in COLLEGE_ROUTERS:
        for pattern in router.urls:
            methods = sorted(m.upper() for m in pattern.callback.actions)
            routes.append((pattern.callback.initkwargs["basename"], str(pattern.pattern), methods))
    return routes


API_ROUTES = _api_routes()


def _fill(route: str, pk: int | None) -> str:
    return re.sub(r"<int:pk>", str(pk), route.replace("^", "").replace("$", ""))


def _object_pk(basename: str, cast) -> int:
    assert basename in API_OBJECTS, f"register an object of college B for {basename} in tests/<app>/isolation.py"
    with scopes_disabled():
        return API_OBJECTS[basename](cast)


@pytest.mark.django_db
@pytest.mark.parametrize(("basename", "route", "methods"), API_ROUTES, ids=[r[1] for r in API_ROUTES])
def test_api_route_of_another_college_answers_404(api, cast_a, cast_b, basename, route, methods):
    pk = _object_pk(basename, cast_b)
    client = api(cast_a.admin)
    for method in methods:
        # College B in the path: Alice is not a member.
        url = f"/api/v1/colleges/{cast_b.college.slug}/{_fill(route, pk)}"
        response = getattr(client, method.lower())(url, {}, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json() == {"detail": "Not found.", "errors": []}
        # College A in the path, an object of college B: it does not exist for her.
        if "<int:pk>" in route:
            url = f"/api/v1/colleges/{cast_a.college.slug}/{_fill(route, pk)}"
            response = getattr(client, method.lower())(url, {}, format="json")
            assert response.status_code == 404, (method, url, response.status_code)


LIST_ROUTES = [(basename, route) for basename, route, methods in API_ROUTES
               if "GET" in methods and "<" not in route and route.count("/") == 1]


@pytest.mark.django_db
@pytest.mark.parametrize(("basename", "route"), LIST_ROUTES, ids=[r[1] for r in LIST_ROUTES])
def test_api_lists_never_contain_another_college(api, cast_a, cast_b, basename, route):
    foreign = _object_pk(basename, cast_b)
    _object_pk(basename, cast_a)  # college A has one of its own, so the list is not trivially empty
    response = api(cast_a.admin).get(f"/api/v1/colleges/{cast_a.college.slug}/{route}", {"page_size": 500})
    assert response.status_code == 200
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    ids = {row["id"] for row in rows}
    assert foreign not in ids


@pytest.mark.django_db
def test_writes_cannot_point_at_another_college(api, cast_a, cast_b):
    client = api(cast_a.admin)
    base = f"/api/v1/colleges/{cast_a.college.slug}"
    group = client.post(f"{base}/groups/", {"name": "X-1", "program": cast_b.program.pk, "year_of_study": 1})
    assert group.status_code == 400 and group.json()["errors"][0]["field"] == "program"
    entry = client.post(f"{base}/transcript/", {"student": cast_b.student.pk, "discipline": cast_a.disciplines[0].pk,
                                                "percent": 80, "held_on": "2026-01-10"})
    assert entry.status_code == 400 and entry.json()["errors"][0]["field"] == "student"
    document = client.post(f"{base}/documents/", {"kind": "transcript", "subject": cast_b.student.pk})
    assert document.status_code == 404
    campaign = client.post(f"{base}/campaigns/", {"academic_year": "2026-2027", "starts_on": "2027-05-25",
                                                  "ends_on": "2027-06-20", "groups": [cast_b.group.pk]})
    assert campaign.status_code == 400 and campaign.json()["errors"][0]["field"].startswith("groups")


def _page_routes():
    """(namespace:name, names of its URL kwargs) of every page under /colleges/<college>/."""
    routes = []
    for module in ["attestation.page_urls"] + [f"{a}.page_urls" for a in COLLEGE_PAGE_APPS]:
        namespace = import_module(module).app_name
        for pattern in import_module(module).urlpatterns:
            kwargs = sorted(set(re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))))
            routes.append((f"{namespace}:{pattern.name}", kwargs))
    return routes


PAGE_ROUTES = _page_routes()


def _page_url(name: str, kwargs: list[str], slug: str, cast) -> str:
    extra = {}
    if kwargs:
        assert name in PAGE_KWARGS, f"register URL kwargs of college B for page {name} in tests/<app>/isolation.py"
        with scopes_disabled():
            extra = PAGE_KWARGS[name](cast)
    return reverse(name, kwargs={"college": slug, **extra})


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "kwargs"), PAGE_ROUTES, ids=[r[0] for r in PAGE_ROUTES])
def test_page_of_another_college_answers_404(page, cast_a, cast_b, name, kwargs):
    client = page(cast_a.admin)
    for method in ("get", "post"):
        response = getattr(client, method)(_page_url(name, kwargs, cast_b.college.slug, cast_b))
        assert response.status_code == 404, (method, name)
        if "pk" in kwargs:
            response = getattr(client, method)(_page_url(name, kwargs, cast_a.college.slug, cast_b))
            assert response.status_code in (404, 405), (method, name, response.status_code)


def test_every_page_and_api_route_is_in_the_tables():
    """The tables above are built from the apps' routers and page modules; this guards that every
    route under a college is one of them (nothing mounted some other way escapes the test)."""
    resolver = get_resolver()
    names = set()

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                names.add(prefix + str(p.pattern))

    walk(resolver.url_patterns)
    college_routes = {n for n in names if n.startswith(("colleges/<slug:college>/", "api/v1/colleges/<slug:college>/"))}
    covered = {f"api/v1/colleges/<slug:college>/{r}" for _b, r, _m in API_ROUTES}
    covered.add("api/v1/colleges/<slug:college>/")  # the college itself: test_college_detail_…
    pages = set()
    for module in ["attestation.page_urls"] + [f"{a}.page_urls" for a in COLLEGE_PAGE_APPS]:
        pages |= {f"colleges/<slug:college>/{p.pattern}" for p in import_module(module).urlpatterns}
    assert college_routes == covered | pages


@pytest.mark.django_db
def test_college_detail_of_another_college_answers_404(api, cast_a, cast_b):
    client = api(cast_a.admin)
    assert client.get(f"/api/v1/colleges/{cast_a.college.slug}/").status_code == 200
    for method in ("get", "patch"):
        response = getattr(client, method)(f"/api/v1/colleges/{cast_b.college.slug}/", {}, format="json")
        assert response.status_code == 404
    slugs = [c["slug"] for c in client.get("/api/v1/colleges/").json()["results"]]
    assert slugs == [cast_a.college.slug]


@pytest.mark.django_db
def test_a_student_sees_only_their_own_record_and_documents(api, page, cast_a):
    client = api(cast_a.student_user)
    base = f"/api/v1/colleges/{cast_a.college.slug}"
    other = cast_a.other_student
    assert client.get(f"{base}/students/{other.pk}/").status_code == 404
    assert [s["id"] for s in client.get(f"{base}/students/").json()["results"]] == [cast_a.student.pk]
    entries = client.get(f"{base}/transcript/", {"student": other.pk}).json()["results"]
    assert entries == []
    own = client.get(f"{base}/transcript/").json()["results"]
    assert {e["student"] for e in own} == {cast_a.student.pk}
    other_entry = next(e for e in cast_a.entries if e.student_id == other.pk)
    assert client.get(f"{base}/transcript/{other_entry.pk}/").status_code == 404
    assert client.post(f"{base}/documents/", {"kind": "transcript", "subject": other.pk}).status_code == 404

    # A document about the other student, requested by the administrator: invisible to our student.
    admin = api(cast_a.admin)
    theirs = admin.post(f"{base}/documents/", {"kind": "transcript", "subject": other.pk}).json()
    assert client.get(f"{base}/documents/{theirs['id']}/").status_code == 404
    assert client.get(f"{base}/documents/{theirs['id']}/file/").status_code == 404
    assert theirs["id"] not in {d["id"] for d in client.get(f"{base}/documents/").json()["results"]}

    pages = page(cast_a.student_user)
    assert pages.get(f"/colleges/{cast_a.college.slug}/students/{other.pk}/").status_code == 404
    assert pages.get(f"/colleges/{cast_a.college.slug}/documents/{theirs['id']}/file/").status_code == 404
    assert pages.get(f"/colleges/{cast_a.college.slug}/students/{cast_a.student.pk}/").status_code == 200


@pytest.mark.django_db
def test_a_student_has_no_rights_on_registry_lists(api, cast_a):
    client = api(cast_a.student_user)
    for path in ("programs", "groups", "disciplines", "members", "audit"):
        assert client.get(f"/api/v1/colleges/{cast_a.college.slug}/{path}/").status_code == 403
    assert client.post(f"/api/v1/colleges/{cast_a.college.slug}/students/", {}).status_code == 403
