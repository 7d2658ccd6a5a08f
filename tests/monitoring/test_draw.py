"""The sample draw (MON-10, OQ-25) is publicly verifiable: the pool is frozen and published with its hash, the seed is
published before the draw, the same inputs always give the same list whatever their order, every version is kept,
and anyone can recompute the selection from the published CSV alone (RFC 3797's idea)."""

import csv
import hashlib
import io
import random
from collections import defaultdict
from datetime import date
from fractions import Fraction

import pytest
import time_machine
from django.db import connection, transaction
from django.db.utils import InternalError
from django_scopes import scopes_disabled

from monitoring import rules
from monitoring.models import DrawVersion, RoundCollege
from monitoring.services import rounds as services

from .builders import NOTICE_DAY, college_with_students, round_draft, selected_round

pytestmark = pytest.mark.django_db
REGIONS = ["abai", "akmola", "almaty_city", "astana", "shymkent", "turkistan"]


def colleges_across_regions(count: int, prefix: str = "c") -> list:
    made = []
    for n in range(count):
        made.append(college_with_students(
            f"{prefix}{n:03d}", region=REGIONS[n % len(REGIONS)], territory=("city", "rural")[n % 2],
            kind=("college", "higher_college")[n // 7 % 2], language=("kk", "ru")[n // 3 % 2],
            second_year=1 + n % 3, third_year=1, admin=False))
    return made


def frozen_and_seeded(ministry, seed: str = "published-seed-2026"):
    round = round_draft(ministry)
    with time_machine.travel(NOTICE_DAY, tick=False):
        services.pool_freeze(round=round, by=ministry)
        services.seed_publish(round=round, by=ministry, seed=seed)
    round.refresh_from_db()
    return round


# --- An independent recomputation, from the published CSV alone ----------------------------------------------------


def recompute_from_csv(content: bytes) -> dict:
    """The draw recomputed from the CSV's seed, share, stratum, code and took_part columns only: written here from the
    published description, not with the portal's code. → {"selected": set, "quota": {stratum: n},
    "rank": {code: n}}"""
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    seed, share = rows[0]["seed"], Fraction(rows[0]["share"])
    assert {r["seed"] for r in rows} == {seed}

    def h(name: str) -> str:
        return hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()

    strata = defaultdict(list)
    for row in rows:
        strata[row["stratum"]].append((row["code"], bool(row["took_part"].strip())))
    total_pool = sum(len(v) for v in strata.values())
    total = int(share * total_pool + Fraction(1, 2))  # half up
    floor = {key: int(share * len(members)) for key, members in strata.items()}
    left = total - sum(floor.values())
    remainder = {key: share * len(members) - floor[key] for key, members in strata.items()}
    extra = sorted(strata, key=lambda key: (-remainder[key], h(key)))[:left]
    quota = {key: floor[key] + (key in extra) for key in strata}
    selected, rank = set(), {}
    for key, members in strata.items():
        ordered = sorted(members, key=lambda m: (m[1], h(m[0])))
        for position, (code, _took) in enumerate(ordered, start=1):
            rank[code] = position
            if position <= quota[key]:
                selected.add(code)
    return {"selected": selected, "quota": quota, "rank": rank, "total": total}


def test_the_selection_is_recomputed_from_the_published_csv_alone(api, page, ministry):
    colleges_across_regions(60)
    round = frozen_and_seeded(ministry)
    client = api(ministry)
    drawn = client.post(f"/api/v1/monitoring/rounds/{round.pk}/draw/")
    assert drawn.status_code == 201
    published = client.get(f"/api/v1/monitoring/rounds/{round.pk}/draw/", {"format": "csv"})
    assert published.status_code == 200 and published["Content-Type"].startswith("text/csv")
    mine = recompute_from_csv(published.content)
    api_selected = {code for stratum in drawn.json()["strata"] for code in stratum["selected"]}
    assert mine["selected"] == api_selected and len(api_selected) == mine["total"] == 15  # 25% of 60
    rows = list(csv.DictReader(io.StringIO(published.content.decode("utf-8"))))
    assert {r["code"] for r in rows if r["selected"] == "1"} == api_selected
    assert all(int(r["rank"]) == mine["rank"][r["code"]] and int(r["stratum_quota"]) == mine["quota"][r["stratum"]]
               for r in rows)
    assert {r["reason"] for r in rows} <= set(rules.REASONS)
    # The page shows the same, and the CSV of the page is the same file.
    page_csv = page(ministry).get(f"/monitoring/rounds/{round.pk}/draw-v1.csv")
    assert page_csv.status_code == 200 and page_csv.content == published.content


def test_the_pool_is_published_with_its_hash(api, ministry):
    colleges_across_regions(12)
    round = frozen_and_seeded(ministry)
    pool = api(ministry).get(f"/api/v1/monitoring/rounds/{round.pk}/pool/", {"format": "csv"})
    assert pool.status_code == 200 and pool["Content-Type"].startswith("text/csv")
    assert hashlib.sha256(pool.content).hexdigest() == round.pool_sha256
    rows = list(csv.DictReader(io.StringIO(pool.content.decode("utf-8"))))
    assert [r["code"] for r in rows] == sorted(r["code"] for r in rows) and len(rows) == 12
    assert all(r["stratum"] == "/".join([r["region"], r["territory"], r["kind"], r["language"], r["band"]])
               for r in rows)


def test_the_same_pool_and_seed_give_the_same_draw_in_any_order():
    pool = [rules.PoolCollege(f"k{n:03d}", f"{REGIONS[n % 6]}/{n % 2}/{n % 5}", (2025,) if n % 11 == 0 else ())
            for n in range(300)]
    first = rules.draw(pool, seed="order")
    shuffler = random.Random(3)
    for _ in range(10):
        shuffled = pool[:]
        shuffler.shuffle(shuffled)
        assert rules.draw(shuffled, seed="order") == first
    assert rules.draw(pool, seed="another").selected != first.selected


def test_a_new_draw_is_a_new_version_and_the_old_one_is_kept(ministry):
    colleges_across_regions(20)
    round = frozen_and_seeded(ministry)
    first = services.round_draw(round=round, by=ministry)
    with time_machine.travel(NOTICE_DAY, tick=False):
        services.seed_publish(round=round, by=ministry, seed="a second seed")
    second = services.round_draw(round=round, by=ministry)
    third = services.round_draw(round=round, by=ministry)
    assert [first.number, second.number, third.number] == [1, 2, 3]
    kept = {v.number: v for v in DrawVersion.objects.filter(round=round)}
    assert kept[1].seed == "published-seed-2026" and kept[2].seed == kept[3].seed == "a second seed"
    assert kept[1].selected == first.selected and kept[2].selected == kept[3].selected  # same seed, same list
    with pytest.raises(ValueError):
        kept[1].save()
    with pytest.raises(ValueError):
        kept[1].delete()


@pytest.mark.postgres
def test_postgres_refuses_to_change_or_delete_a_draw_version(ministry):
    colleges_across_regions(8)
    round = frozen_and_seeded(ministry)
    services.round_draw(round=round, by=ministry)
    for statement in ("UPDATE monitoring_drawversion SET seed = 'x'", "DELETE FROM monitoring_drawversion"):
        with pytest.raises(InternalError, match="MON-10"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert DrawVersion.objects.get(round=round).seed == "published-seed-2026"


@pytest.mark.parametrize("step", ["seed_before_pool", "draw_before_seed", "pool_after_seed", "draw_after_notice"])
def test_mon10_the_order_of_pool_seed_and_draw_is_kept(ministry, step):
    colleges_across_regions(8)
    round = round_draft(ministry)
    with time_machine.travel(NOTICE_DAY, tick=False):
        if step == "seed_before_pool":
            call = lambda: services.seed_publish(round=round, by=ministry, seed="early")  # noqa: E731
        elif step == "draw_before_seed":
            services.pool_freeze(round=round, by=ministry)
            call = lambda: services.round_draw(round=round, by=ministry)  # noqa: E731
        elif step == "pool_after_seed":
            services.pool_freeze(round=round, by=ministry)
            services.seed_publish(round=round, by=ministry, seed="s")
            call = lambda: services.pool_freeze(round=round, by=ministry)  # noqa: E731
        else:
            services.pool_freeze(round=round, by=ministry)
            services.seed_publish(round=round, by=ministry, seed="s")
            services.round_draw(round=round, by=ministry)
            services.round_notify(round=round, by=ministry)
            call = lambda: services.round_draw(round=round, by=ministry)  # noqa: E731
        with pytest.raises(services.RulesBroken) as refused:
            call()
    assert refused.value.violations[0].rule == "MON-10"


def test_colleges_that_took_part_are_marked_in_the_pool_unless_their_testing_was_cancelled(ministry):
    earlier = colleges_across_regions(4, prefix="old")
    colleges_across_regions(4, prefix="new")
    previous = selected_round(ministry, earlier[:2], year=2025, testing_on=date(2025, 11, 17))
    with scopes_disabled():
        RoundCollege.objects.filter(round=previous, college=earlier[1]).update(
            cancelled_at=previous.created_at, cancel_basis="emergencies_ministry", cancel_reason="flood")
    round = frozen_and_seeded(ministry)
    took_part = {row["code"]: row["took_part"] for row in round.pool}
    assert took_part[earlier[0].slug] == [2025]
    assert took_part[earlier[1].slug] == []  # released by the emergency: it did not take part
    assert all(took_part[c.slug] == [] for c in earlier[2:])


def test_only_colleges_with_students_of_the_cohorts_are_eligible(ministry):
    college_with_students("only-first-years", second_year=0, third_year=0, admin=False)
    college_with_students("second-years", second_year=3, third_year=0, admin=False)
    college_with_students("third-years", second_year=0, third_year=3, admin=False)
    round = round_draft(ministry, cohorts=("professional",))
    with time_machine.travel(NOTICE_DAY, tick=False):
        round = services.pool_freeze(round=round, by=ministry)
    assert [row["code"] for row in round.pool] == ["third-years"]
