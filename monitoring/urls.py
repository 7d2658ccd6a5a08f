"""Pages of the authorities' area, /monitoring/ (namespace "monitoring"): the ministry, the regional departments and
the ministry's representatives. The college administrator's pages are in page_urls (under /colleges/<college>/)."""

from django.urls import path

from .views import analytics, colleges, representative, rounds

app_name = "monitoring"

ROUND = "rounds/<int:pk>/"

urlpatterns = [
    path("", rounds.dashboard, name="dashboard"),
    path("rounds/new/", rounds.round_new, name="round_new"),
    path(ROUND, rounds.round_detail, name="round"),
    path(f"{ROUND}edit/", rounds.round_edit, name="round_edit"),
    path(f"{ROUND}do/<str:name>/", rounds.round_action, name="round_action"),
    path(f"{ROUND}cancel/", rounds.round_cancel, name="round_cancel"),
    path(f"{ROUND}emergency/", rounds.emergency, name="emergency"),
    path(f"{ROUND}pool/", rounds.pool, name="pool"),
    path(f"{ROUND}pool.csv", rounds.pool_csv, name="pool_csv"),
    path(f"{ROUND}draw/", rounds.draw, name="draw"),
    path(f"{ROUND}draw-v<int:version>.csv", rounds.draw_csv, name="draw_csv"),
    path(f"{ROUND}colleges/", colleges.colleges, name="colleges"),
    path(f"{ROUND}colleges/<int:college>/", colleges.college_detail, name="college"),
    path(f"{ROUND}colleges/<int:college>/seating.xlsx", colleges.seating_xlsx, name="seating_xlsx"),
    path(f"{ROUND}colleges/<int:college>/acts/new/", representative.act_new, name="act_new"),
    path(f"{ROUND}acts/<int:act>/", representative.act_detail, name="act"),
    path(f"{ROUND}representatives/", colleges.representatives, name="representatives"),
    path(f"{ROUND}representatives/<int:assignment>/remove/", colleges.representative_remove,
         name="representative_remove"),
    path(f"{ROUND}results/", colleges.results, name="results"),
    path(f"{ROUND}results/template.<str:fmt>", colleges.results_template, name="results_template"),
    path(f"{ROUND}documents/<int:document>/", colleges.document_file, name="document"),
    path(f"{ROUND}participants/<int:participant>/file/", colleges.excusal_file, name="excusal_file"),
    path("representative/", representative.home, name="representative"),
    path(f"{ROUND}analytics/", analytics.dashboard, name="analytics"),
    path(f"{ROUND}analytics/report.pdf", analytics.report_pdf, name="report"),
    path(f"{ROUND}analytics/issue/", analytics.analysis_issue, name="analysis_issue"),
    path(f"{ROUND}survey/", analytics.survey_batches, name="survey"),
    path(f"{ROUND}survey/<int:batch>/links/", analytics.survey_links, name="survey_links"),
    # Without an account: the anonymous survey (MON-21) and the public results of a year (MON-24).
    path("survey/<str:token>/", analytics.survey_page, name="survey_page"),
    path("public/<int:year>/", analytics.public, name="public"),
]
