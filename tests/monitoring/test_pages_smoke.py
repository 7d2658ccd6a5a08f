import pytest

from .world import world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(ministry, cast_a, cast_b):
    return world_build(ministry, cast_a, cast_b)


def test_every_page_renders(page, world):
    w = world
    r = w.round.pk
    ministry = page(w.ministry)
    for url in ["/monitoring/", "/monitoring/rounds/new/", f"/monitoring/rounds/{r}/", f"/monitoring/rounds/{r}/pool/",
                f"/monitoring/rounds/{r}/draw/", f"/monitoring/rounds/{r}/colleges/",
                f"/monitoring/rounds/{r}/colleges/{w.a.college.pk}/", f"/monitoring/rounds/{r}/representatives/",
                f"/monitoring/rounds/{r}/results/", f"/monitoring/rounds/{r}/acts/{w.a.act.pk}/",
                f"/monitoring/rounds/{r}/emergency/", f"/monitoring/rounds/{r}/cancel/"]:
        response = ministry.get(url)
        assert response.status_code == 200, (url, response.status_code)
    rep = page(w.a.representative)
    for url in ["/monitoring/representative/", f"/monitoring/rounds/{r}/colleges/{w.a.college.pk}/acts/new/",
                f"/monitoring/rounds/{r}/colleges/{w.a.college.pk}/acts/new/?kind=outsider",
                f"/monitoring/rounds/{r}/colleges/{w.a.college.pk}/"]:
        response = rep.get(url)
        assert response.status_code == 200, (url, response.status_code)
    admin = page(w.a.admin)
    for url in [f"/colleges/{w.a.college.slug}/monitoring/", f"/colleges/{w.a.college.slug}/monitoring/rounds/{r}/"]:
        response = admin.get(url)
        assert response.status_code == 200, (url, response.status_code)
