"""Analytics of a round (MON-24, MON-25, MON-26): the statistics against a hand computation, groups by every
dimension from the summary rows with annulled results left out, the national mean handed to a region or a college as
a single figure, the exports read back, the report PDFs read back in Kazakh and Russian, the public page's
suppression of small groups, MON-25's due date and what is missing, and a constant number of queries."""

import csv
import io
import math

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled
from openpyxl import load_workbook
from pypdf import PdfReader

from attestation.documents.pipeline import document_render
from attestation.models import Document, User
from monitoring import analytics, rules, selectors
from monitoring.report import _national_label as national_label
from monitoring.services import acts as act_services
from monitoring.services import results as result_services
from monitoring.services.analysis import analyses_request
from monitoring.statistics import Sums, t_quantile_975

from .builders import (
    AFTER_TESTING,
    TESTING_ON,
    college_with_students,
    local,
    participants_of,
    regional,
    representative,
    results_csv,
    round_college,
    selected_round,
)
from .test_api_flow import signature_png

pytestmark = pytest.mark.django_db

LONG_KK = ("Қарағанды облысы білім басқармасының «Жезқазған политехникалық және көпсалалы техникалық колледжі» "
           "шаруашылық жүргізу құқығындағы мемлекеттік коммуналдық кәсіпорны")
LONG_RU = ("Государственное коммунальное казённое предприятие «Павлодарский высший политехнический колледж "
           "имени академика Шафика Чокина» управления образования Павлодарской области")


# --- The statistics, by hand --------------------------------------------------------------------------------------


@pytest.mark.parametrize("df, expected", [(1, 12.706205), (2, 4.302653), (4, 2.776445), (5, 2.570582),
                                          (10, 2.228139), (30, 2.042272), (120, 1.979930), (200, 1.971896),
                                          (201, 1.971837), (1000, 1.962339), (100000, 1.959988)])
def test_t_quantile_matches_the_tables(df, expected):
    assert t_quantile_975(df) == pytest.approx(expected, abs=2e-6)


def test_the_confidence_interval_is_the_hand_computation():
    sums = Sums()
    for x in (50, 60, 70, 80, 90):
        sums.add(n=1, annulled=0, total=x, squares=x * x, distribution=[])
    # x̄ = 70; s² = Σ(x − x̄)² / (n − 1) = (400 + 100 + 0 + 100 + 400) / 4 = 250; t(0.975; 4) = 2.776445
    half = 2.776445 * math.sqrt(250) / math.sqrt(5)
    assert sums.mean == 70 and sums.sd == pytest.approx(math.sqrt(250))
    assert sums.ci == pytest.approx((70 - half, 70 + half), abs=1e-5)
    one = Sums()
    one.add(n=1, annulled=0, total=42.0, squares=42.0 ** 2, distribution=[])
    assert one.ci is None and one.sd is None  # no interval from one result


@pytest.mark.parametrize("counts, hidden", [
    ([4, 10, 12], [True, True, False]),  # 4 is hidden; alone it could be recovered from the total: 10 goes too
    ([5, 10, 12], [False, False, False]),  # 5 is shown
    ([4, 3, 10], [True, True, False]),  # two hidden groups holding 7 people together
    ([2, 2, 12, 20], [True, True, True, False]),  # two hidden holding 4: the smallest shown is hidden too
    ([0, 7], [False, False]),  # an empty group hides nothing
    ([1, 4, 9], [True, True, False]),
])
def test_groups_under_five_are_hidden_with_their_complement(counts, hidden):
    assert rules.suppressed_groups(counts) == hidden
    assert rules.MIN_GROUP == 5


# --- A round with results in two regions --------------------------------------------------------------------------

# Percentages of the maximum (40) per college, in the order of the participants' codes.
SCORES = {"alpha": [20, 24, 28, 32, 36], "beta": [10, 14, 18], "gamma": [30, 34, 38, 40, 26, 22]}


@pytest.fixture
def analysed(ministry):
    """Colleges alpha (Astana, kk) and beta (Astana, ru, rural) and gamma (Shymkent, kk), 3rd-year cohort; every
    participant has a result in Mathematics; alpha's first participant is removed by an act (annulled)."""
    colleges = {"alpha": college_with_students("alpha", second_year=0, third_year=5),
                "beta": college_with_students("beta", language="ru", territory="rural", second_year=0, third_year=3),
                "gamma": college_with_students("gamma", region="shymkent", second_year=0, third_year=6)}
    with scopes_disabled():
        colleges["gamma"].name_kk, colleges["gamma"].name_ru = LONG_KK, LONG_RU
        colleges["gamma"].save()
    round = selected_round(ministry, list(colleges.values()), cohorts=("professional",), status="testing")
    rep = representative("rep-analytics")
    alpha_rc = round_college(round, colleges["alpha"])
    act_services.representative_assign(round=round, by=ministry, user=rep, round_college=alpha_rc)
    first = participants_of(round, colleges["alpha"])[0]
    rows = []
    for slug, scores in SCORES.items():
        for participant, score in zip(participants_of(round, colleges[slug]), scores, strict=True):
            rows.append((participant.code, "Математика", "1", score, 40))
    with time_machine.travel(local(TESTING_ON, 10, 0), tick=False):
        report = result_services.results_import(round=round, by=ministry,
                                                upload=SimpleUploadedFile("r.csv", results_csv(rows)))
    # The act annuls a result imported already: the first import moved the round to «results», where acts of the
    # testing day are still taken (until the results are due to the colleges).
    round.refresh_from_db()
    assert round.status == "results"
    with time_machine.travel(local(TESTING_ON, 11, 0), tick=False):
        act_services.act_record(round=round, by=rep, data=act_services.ActInput(
            kind="outsider", participant=first, occurred_at=local(TESTING_ON, 10, 50), stage="entry",
            outsider_name="Бөгде Адам", testee_signed_name=first.full_name, representative_signed_name=rep.full_name,
            testee_signature=signature_png(), representative_signature=signature_png()))
    assert report.ok, report.errors
    round.refresh_from_db()
    return round, colleges


def percents(*slugs, skip_first_alpha=True):
    values = []
    for slug in slugs:
        scores = SCORES[slug][1:] if slug == "alpha" and skip_first_alpha else SCORES[slug]
        values += [100 * s / 40 for s in scores]
    return values


def hand(values):
    n = len(values)
    mean = sum(values) / n
    s = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_quantile_975(n - 1) * s / math.sqrt(n)
    return n, mean, (mean - half, mean + half)


def test_groups_by_region_with_the_annulled_result_left_out(analysed, ministry):
    round, colleges = analysed
    found = analytics.analysis(selectors.viewer_for(ministry), round, group_by="region")
    by_key = {g.key: g for g in found.groups}
    for key, slugs in (("astana", ("alpha", "beta")), ("shymkent", ("gamma",))):
        n, mean, ci = hand(percents(*slugs))
        assert by_key[key].n == n and by_key[key].mean == pytest.approx(mean)
        assert (by_key[key].ci_low, by_key[key].ci_high) == pytest.approx(ci)
    assert by_key["astana"].sums.annulled == 1  # MON-16/MON-17: kept, counted apart, out of every figure
    n, mean, _ci = hand(percents("alpha", "beta", "gamma"))
    assert found.total.n == n == 13 and found.national.mean == pytest.approx(mean)
    for group in found.groups:  # above / below when the interval leaves the national mean out
        expected = ("above" if group.ci_low > mean else "below" if group.ci_high < mean else "within")
        assert group.position == expected
    # Astana's mean (57.9) is under the national one (67.7), but its interval (35.7 – 80.0, n = 7) holds it.
    assert by_key["astana"].position == "within" and by_key["astana"].ci_low < mean < by_key["astana"].ci_high
    # Beta alone (35, 45, 25: 10.2 – 59.8) leaves it out: below. Every college is compared the same way.
    by_college = {g.key: g for g in analytics.analysis(selectors.viewer_for(ministry), round,
                                                       group_by="college").groups}
    assert {key: g.position for key, g in by_college.items()} == {"alpha": "within", "beta": "below",
                                                                  "gamma": "within"}
    # Every dimension groups the same rows.
    for group_by in analytics.GROUP_BY:
        groups = analytics.analysis(selectors.viewer_for(ministry), round, group_by=group_by).groups
        assert sum(g.n for g in groups) == 13, group_by
    by_language = {g.key: g.n for g in analytics.analysis(selectors.viewer_for(ministry), round,
                                                          group_by="language").groups}
    assert by_language == {"kk": 10, "ru": 3}


def test_a_region_sees_its_colleges_and_the_national_mean_as_one_figure(analysed, api):
    round, colleges = analysed
    shymkent = regional("shymkent")
    body = api(shymkent).get(f"/api/v1/monitoring/rounds/{round.pk}/results/?group_by=college").json()
    assert [g["key"] for g in body["groups"]] == ["gamma"]
    _n, national, _ci = hand(percents("alpha", "beta", "gamma"))
    assert body["national"] == {"count": 13, "mean": round_(national)}
    assert set(body["national"]) == {"count", "mean"}  # no other college's distribution or spread
    n, mean, ci = hand(percents("gamma"))
    assert body["total"]["count"] == n and body["total"]["mean"] == round_(mean)
    assert body["total"]["ci95"] == [round_(ci[0]), round_(ci[1])]
    # Another region's college: 404 (the list filter), and nothing of it in any grouping.
    assert api(shymkent).get(f"/api/v1/monitoring/rounds/{round.pk}/results/?college=alpha").status_code == 404
    html = api(shymkent).get(f"/api/v1/monitoring/rounds/{round.pk}/results/?group_by=region").json()
    assert [g["key"] for g in html["groups"]] == ["shymkent"]


def round_(value):
    return round(value, 2)


def test_a_college_sees_its_own_analytics_beside_the_national_mean(analysed, page):
    round, colleges = analysed
    admin = colleges["beta"].memberships.model.objects.with_scopes_disabled().get(
        college=colleges["beta"], role="admin").user
    response = page(admin).get(f"/colleges/beta/monitoring/rounds/{round.pk}/analytics/")
    assert response.status_code == 200
    html = response.content.decode()
    analysis = response.context["analysis"]
    assert {g.key for g in analysis.groups} == {"Математика"} and analysis.total.colleges == {colleges["beta"].pk}
    _n, national, _ci = hand(percents("alpha", "beta", "gamma"))
    assert analysis.national.mean == pytest.approx(national)
    assert 'id="analytics-data" type="application/json"' in html and "<canvas" in html and 'id="table-means"' in html
    # Another college's analytics: 404.
    assert page(admin).get(f"/colleges/alpha/monitoring/rounds/{round.pk}/analytics/").status_code in (403, 404)


def test_the_exports_read_back_with_numbers_as_numbers(analysed, ministry, page):
    round, _colleges = analysed
    client = page(ministry)
    response = client.get(f"/monitoring/rounds/{round.pk}/analytics/?group_by=region&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    astana = next(r for r in rows if r[1] == "astana")
    n, mean, ci = hand(percents("alpha", "beta"))
    assert astana[3] == n and isinstance(astana[6], float) and astana[6] == pytest.approx(round_(mean))
    assert astana[8] == pytest.approx(round_(ci[0])) and astana[9] == pytest.approx(round_(ci[1]))
    assert rows[-1][0] == "total" and rows[-1][3] == 13
    response = client.get(f"/monitoring/rounds/{round.pk}/analytics/?group_by=college&format=csv")
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    gamma = next(r for r in table if r["key"] == "gamma")
    n, mean, _ci = hand(percents("gamma"))
    assert int(gamma["results"]) == n and float(gamma["mean_percent"]) == pytest.approx(round_(mean))
    assert gamma["label"] == "gamma college"  # the reader's language (English here)
    # The API's files and the results list.
    api_csv = client.get(f"/api/v1/monitoring/rounds/{round.pk}/results/?format=csv")
    lines = list(csv.reader(io.StringIO(b"".join(api_csv.streaming_content).decode("utf-8-sig"))))
    assert lines[0][:3] == ["college", "code", "cohort"] and len(lines) == 1 + 14  # the annulled one too, marked
    assert sum(1 for line in lines[1:] if line[-1] == "1") == 1
    workbook = load_workbook(io.BytesIO(client.get(
        f"/api/v1/monitoring/rounds/{round.pk}/results/?group_by=subject&format=xlsx").content))
    assert list(workbook.active.iter_rows(min_row=3, values_only=True))[0][3] == 13


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.parametrize("language, words", [("kk", ["Талдау", "Математика", "Астана"]),
                                             ("ru", ["Анализ", "Математика", "Астана"])])
def test_the_national_report_reads_back_in_kazakh_and_russian(analysed, ministry, page, language, words):
    round, _colleges = analysed
    response = page(ministry).get(f"/monitoring/rounds/{round.pk}/analytics/report.pdf?language={language}")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for word in words:
        assert word in text, (word, text[:500])


def test_the_report_is_rendered_once_for_the_same_figures_and_again_when_they_change(analysed, ministry, page,
                                                                                      monkeypatch):
    from attestation.documents import render

    renders = []
    real = render.pdf_from_html
    monkeypatch.setattr(render, "pdf_from_html", lambda *a, **k: renders.append(1) or real(*a, **k))
    round, colleges = analysed
    client = page(ministry)
    url = f"/monitoring/rounds/{round.pk}/analytics/report.pdf?language=kk"
    first, again = client.get(url).content, client.get(url).content
    assert first == again and len(renders) == 1
    client.get(url.replace("=kk", "=ru"))
    assert len(renders) == 2  # another language is another report
    # A second act annuls another result: the figures change, and so does the report.
    with scopes_disabled():
        rep = User.objects.get(username="rep-analytics")
    second = participants_of(round, colleges["alpha"])[1]
    with time_machine.travel(local(TESTING_ON, 11, 30), tick=False):
        act_services.act_record(round=round, by=rep, data=act_services.ActInput(
            kind="outsider", participant=second, occurred_at=local(TESTING_ON, 10, 55), stage="entry",
            outsider_name="Басқа Адам", testee_signed_name=second.full_name, representative_signed_name=rep.full_name,
            testee_signature=signature_png(), representative_signature=signature_png()))
    changed = client.get(url).content
    assert len(renders) == 3 and pdf_text(changed) != pdf_text(first)


def test_each_college_gets_its_analysis_through_the_pipeline(analysed, ministry):
    round, colleges = analysed
    created = analyses_request(round=round, by=ministry,
                               selected=selectors.round_colleges(selectors.viewer_for(ministry), round))
    assert created == 6  # three colleges, Kazakh and Russian
    with scopes_disabled():
        documents = {d.language: d for d in Document.objects.filter(college=colleges["gamma"],
                                                                    kind="monitoring_analysis")}
        for document in documents.values():
            document_render(document_id=document.pk)
        texts = {lang: pdf_text(Document.objects.get(pk=d.pk).file.read()) for lang, d in documents.items()}
    flat = {lang: " ".join(text.split()) for lang, text in texts.items()}
    # The college's name heads the report (in capitals, as every document's header).
    assert "жезқазған политехникалық" in flat["kk"].casefold()
    assert "павлодарский высший политехнический" in flat["ru"].casefold()
    # A college's report: its own figures beside the national mean, not the national report («Республикалық
    # орташа», the national mean, is printed; the scope «Қазақстан Республикасы» and the other colleges are not).
    assert "Республикалық орташа" in flat["kk"] and "Среднее по республике" in flat["ru"]
    for language, text in flat.items():
        assert national_label(language) not in text
        assert "alpha" not in text and "beta" not in text and "Астана" not in text
    # Asking again with the same figures makes nothing new.
    assert analyses_request(round=round, by=ministry,
                            selected=selectors.round_colleges(selectors.viewer_for(ministry), round)) == 0


def test_the_dashboard_shows_the_analysis_due_date_and_what_is_missing(analysed, ministry, page):
    round, colleges = analysed
    with time_machine.travel(AFTER_TESTING, tick=False):
        html = page(ministry).get(f"/monitoring/rounds/{round.pk}/analytics/").content.decode()
    assert "16.02.2027" in html  # MON-25: three months after 16.11.2026
    assert "Analysis sent to the colleges" in html and "0 / 3" in html
    assert "3 / 3" in html  # every college has its results (MON-23)


def test_a_college_waiting_for_results_is_flagged(ministry, page):
    college = college_with_students("waiting", second_year=0, third_year=2)
    round = selected_round(ministry, [college], cohorts=("professional",), status="testing")
    with time_machine.travel(AFTER_TESTING.replace(day=25), tick=False):
        html = page(ministry).get(f"/monitoring/rounds/{round.pk}/analytics/").content.decode()
    assert "results overdue (MON-23)" in html and college.name_en in html or college.name_kk in html


def test_the_public_page_hides_groups_under_five(analysed, api, page):
    round, _colleges = analysed
    body = api(None).get(f"/api/v1/monitoring/public/{round.year}/").json()
    tables = {t["group_by"]: {g["key"]: g for g in t["groups"]} for t in body["tables"]}
    # Territory: rural is beta alone, 3 results: hidden; city would then give it away: hidden too.
    assert tables["territory"]["rural"] == {"key": "rural", "label": "rural", "suppressed": True}
    assert tables["territory"]["city"]["suppressed"] is True
    # Language: ru (beta, 3) hidden, so kk (10) is hidden with it.
    assert tables["language"]["ru"]["suppressed"] and tables["language"]["kk"]["suppressed"]
    # Region: Astana 7, Shymkent 6: both shown, with their figures and nothing of colleges or acts.
    assert tables["region"]["astana"]["count"] == 7 and tables["region"]["shymkent"]["count"] == 6
    assert "colleges" not in tables["region"]["astana"] and "annulled" not in tables["region"]["astana"]
    html = page(None).get(f"/monitoring/public/{round.year}/").content.decode()
    assert "not shown" in html and "alpha" not in html


def test_the_public_page_shows_a_group_of_five_and_not_of_four(ministry, api):
    colleges = [college_with_students("five", second_year=0, third_year=5),
                college_with_students("four", region="shymkent", second_year=0, third_year=4),
                college_with_students("ten", region="abai", second_year=0, third_year=10)]
    round = selected_round(ministry, colleges, cohorts=("professional",), status="testing")
    rows = [(p.code, "Физика", "1", 20, 40) for c in colleges for p in participants_of(round, c)]
    with time_machine.travel(AFTER_TESTING, tick=False):
        assert result_services.results_import(round=round, by=ministry,
                                              upload=SimpleUploadedFile("r.csv", results_csv(rows))).ok
    body = api(None).get(f"/api/v1/monitoring/public/{round.year}/").json()
    regions = {g["key"]: g for g in body["tables"][0]["groups"]}
    assert regions["shymkent"]["suppressed"] is True  # 4 people
    assert regions["astana"]["suppressed"] is True  # 5, hidden only so that the 4 cannot be worked out
    assert regions["abai"]["suppressed"] is False and regions["abai"]["count"] == 10
    assert body["total"]["count"] == 19


def test_a_view_is_a_constant_number_of_queries_whatever_the_number_of_colleges(ministry, page):
    def build(prefix: str, count: int):
        colleges = [college_with_students(f"{prefix}{n}", region=("astana", "abai", "shymkent")[n % 3],
                                          second_year=0, third_year=3, admin=False) for n in range(count)]
        year = 2030 + count
        from datetime import date

        round = selected_round(ministry, colleges, cohorts=("professional",), status="testing", year=year,
                               testing_on=date(year, 11, 16))
        rows = [(p.code, subject, "1", 10 + i % 30, 40) for c in colleges for i, p in
                enumerate(participants_of(round, c)) for subject in ("Физика", "Химия")]
        with time_machine.travel(AFTER_TESTING.replace(year=year), tick=False):
            assert result_services.results_import(round=round, by=ministry,
                                                  upload=SimpleUploadedFile("r.csv", results_csv(rows))).ok
        return round

    counts = []
    client = page(ministry)
    for size in (2, 9):
        round = build(f"q{size}-", size)
        per_url = []
        for url in (f"/monitoring/rounds/{round.pk}/analytics/?group_by=college",
                    f"/monitoring/rounds/{round.pk}/analytics/?group_by=region&format=xlsx",
                    f"/api/v1/monitoring/rounds/{round.pk}/results/?group_by=college",
                    f"/monitoring/public/{round.year}/",
                    f"/monitoring/rounds/{round.pk}/analytics/report.pdf?language=kk"):
            # Each URL counted right after a first request of it: the layout's short-lived caches (the user's
            # colleges, 30 s) are warm for every URL alike, whatever the time the requests before took.
            client.get(url)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            per_url.append(len(queries))
        counts.append(per_url)
    assert counts[0] == counts[1], counts
