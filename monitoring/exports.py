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
