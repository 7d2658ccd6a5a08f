"""Files the monitoring publishes or hands out: the pool and the draw as CSV (the public verification material of
MON-10, language-independent so that their bytes and hashes are the same for everyone), and a college's seating sheet
as XLSX (MON-14). Every download is audited by the view that serves it."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from .models import DrawVersion, Participant, ParticipantStatus, Round, RoundCollege
from .services.rounds import pool_csv

DRAW_COLUMNS = ("version", "seed", "share", "stratum", "stratum_pool", "stratum_quota", "stratum_extra",
                "stratum_tiebreak", "code", "name", "took_part", "sha256", "rank", "selected", "reason")


def round_pool_csv(round: Round) -> bytes:
    return pool_csv(round.pool)


def draw_csv(version: DrawVersion, pool: list[dict]) -> bytes:
    """One line per college of the pool: its stratum with the stratum's pool and quota, its hash, rank and why it is
    in or out. With the seed and the share on each line, the file alone is enough to recompute the draw."""
    names = {row["code"]: row["name_kk"] for row in pool}
    strata = {s["key"]: s for s in version.result["strata"]}
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DRAW_COLUMNS)
    for college in version.result["colleges"]:
        stratum = strata[college["stratum"]]
        writer.writerow([version.number, version.seed, f"{version.share:.2f}", college["stratum"], stratum["pool"],
                         stratum["quota"], int(stratum["extra"]), stratum["tiebreak"], college["code"],
                         names.get(college["code"], ""), " ".join(str(y) for y in college["took_part"]),
                         college["sha256"], college["rank"], int(college["selected"]), college["reason"]])
    return buffer.getvalue().encode("utf-8")


def seating_xlsx(rc: RoundCollege, participants: list[Participant]) -> bytes:
    """The seating sheet (MON-14) for the college's own use: room, seat, personal code, name, group."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Seating"))[:31]
    sheet.append([f"{rc.college.name} · ББЖМ {rc.round.year} · {rc.round.testing_on:%d.%m.%Y}"])
    sheet.append([str(_("Room")), str(_("Seat")), str(_("Personal code")), str(_("Full name")), str(_("Group")),
                  str(_("Cohort")), str(_("Status"))])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for p in participants:
        sheet.append([p.room, p.seat, p.code, p.full_name, p.group_name, p.get_cohort_display(),
                      "" if p.status == ParticipantStatus.PARTICIPANT else p.get_status_display()])
    for column, width in zip("ABCDEFG", (10, 8, 16, 42, 14, 36, 30), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


# --- Analytics (MON-24 … MON-26) -------------------------------------------------------------------------------

ANALYSIS_COLUMNS = ("group_by", "key", "label", "results", "colleges", "annulled", "mean_percent", "sd",
                    "ci95_low", "ci95_high", "national_mean", "difference", "position",
                    *(f"share_{10 * i}_{10 * i + 10}" for i in range(10)))


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def analysis_rows(analysis) -> list[list]:
    """One row per group and a last one for the total: numbers as numbers (None where there is none)."""
    out = []
    for group in [*analysis.groups, analysis.total]:
        out.append([analysis.group_by if group.key else "total", group.key, group.label, group.n, len(group.colleges),
                    group.sums.annulled, _rounded(group.mean), _rounded(group.sd), _rounded(group.ci_low),
                    _rounded(group.ci_high), _rounded(analysis.national.mean), _rounded(group.difference),
                    group.position, *[_rounded(share) for share in group.shares]])
    return out


def analysis_csv(analysis) -> bytes:
    """Machine-readable: comma-separated, a point before decimals, the column names in English (as the pool and draw
    files); only the labels are in the reader's language."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(ANALYSIS_COLUMNS)
    for row in analysis_rows(analysis):
        writer.writerow(["" if value is None else value for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def analysis_xlsx(analysis) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from .analytics import group_by_labels

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Analytics"))[:31]
    filters = [f"ББЖМ {analysis.round.year}", str(group_by_labels()[analysis.group_by])]
    if analysis.subject:
        filters.append(analysis.subject)
    if analysis.cohort:
        filters.append(analysis.cohort)
    sheet.append([" · ".join(filters)])
    headers = [str(_("Grouping")), str(_("Code")), str(_("Group")), str(_("Results")), str(_("Colleges")),
               str(_("Annulled (excluded)")), str(_("Mean, % of maximum")), str(_("Standard deviation")),
               str(_("95% CI, lower")), str(_("95% CI, upper")), str(_("National mean")),
               str(_("Difference from the national mean")), str(_("Compared with the national mean"))]
    headers += [f"{10 * i}–{10 * i + 10}%" for i in range(10)]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    from .analytics import POSITION_LABELS

    for row in analysis_rows(analysis):
        row[12] = str(POSITION_LABELS[row[12]])
        sheet.append(row)
        for cell in sheet[sheet.max_row][6:]:
            if isinstance(cell.value, float):
                cell.number_format = "0.00"
    sheet.column_dimensions["C"].width = 44
    sheet.freeze_panes = "D3"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def survey_links_xlsx(batch, slips: list[dict]) -> bytes:
    """A list of survey invitations (MON-21) to print and cut: number, link, answered. It names nobody."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Invitations"))[:31]
    sheet.append([f"{batch.college.name} · ББЖМ {batch.round.year} · {batch.get_respondent_display()} · "
                  f"{batch.label}"])
    sheet.append([str(_("No.")), str(_("Link")), str(_("Answered"))])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for slip in slips:
        sheet.append([slip["number"], slip["url"], str(_("yes")) if slip["used"] else ""])
    sheet.column_dimensions["A"].width = 6
    sheet.column_dimensions["B"].width = 80
    sheet.column_dimensions["C"].width = 12
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- The results as a file (API ``results/?format=csv|xlsx``) -------------------------------------------------------

RESULT_COLUMNS = ("college", "code", "cohort", "subject", "variant", "score", "maximum", "annulled")
XLSX_MAX_ROWS = 100_000


def _result_values(results):
    return results.values_list("college__slug", "participant__code", "participant__cohort", "subject", "variant",
                               "score", "maximum", "annulled").order_by("college_id", "participant__code", "subject")


def results_csv_lines(results):
    """The results as CSV lines, read from the database 2,000 rows at a time (memory does not grow with them)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RESULT_COLUMNS)
    yield "\ufeff" + buffer.getvalue()
    for row in _result_values(results).iterator(chunk_size=2000):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([*row[:5], f"{row[5]:.2f}", f"{row[6]:.2f}", int(row[7])])
        yield buffer.getvalue()


def results_xlsx(results) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("Results"))[:31])
    sheet.append(list(RESULT_COLUMNS))
    for row in _result_values(results).iterator(chunk_size=2000):
        sheet.append([*row[:5], float(row[5]), float(row[6]), bool(row[7])])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
