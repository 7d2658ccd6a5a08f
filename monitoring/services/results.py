"""The results of a round (MON-20, MON-22, MON-23): the testing centre's file imported all or nothing, and the summary
rows per (round, college, subject, cohort) that analytics read.

The import reads the file twice as a stream, inside one transaction with the round's row locked: first it checks
every row and keeps only the errors (by row and column), then, when there are none, it stores the rows in batches and
rewrites the affected summaries. Memory holds a chunk of rows and their participants, and a 64-bit fingerprint a row
to find duplicates, never the file nor the round (bench/monitoring_import.py). Monitoring results are never
transcript entries: they do not reach grades, honours or appeals (MON-23, APP-05).
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction
from django.db.models import Count, F, FloatField, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django_scopes import scopes_disabled

from attestation.audit import audit_entry, audit_log
from attestation.imports import ImportFileError, RowError
from attestation.models import AuditEntry, College, Membership, Role, User
from attestation.rules import RulesBroken, RuleViolation
from attestation.services import notify

from .. import resultsfile, rules
from ..models import Participant, ParticipantStatus, Result, ResultImport, ResultSummary, Round, RoundCollege

CHUNK = 5000  # rows read, looked up and stored at a time
MAX_REPORTED_ERRORS = 1000
IMPORTABLE = (Round.Status.TESTING, Round.Status.RESULTS)
REFUSED_STATUS = {
    ParticipantStatus.EXCUSED: ("MON-08", gettext_noop("The participant %(code)s was excused: an excused student has "
                                                       "no result.")),
    ParticipantStatus.REMOVED: ("MON-16", gettext_noop("The results of participant %(code)s were annulled by an act.")),
    ParticipantStatus.OUTSIDER: ("MON-17", gettext_noop("The results of participant %(code)s were annulled by an "
                                                        "act.")),
    ParticipantStatus.RELEASED: ("MON-11", gettext_noop("The testing was cancelled in the college of participant "
                                                        "%(code)s.")),
}


@dataclass
class ResultsReport:
    rows: int = 0
    created: int = 0
    colleges: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    batch: ResultImport | None = None

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, row: int, column: str, value: str, message: str, rule: str | None = None) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(row, column, value, message, rule))


class _Known(NamedTuple):
    pk: int
    college_id: int
    status: str
    cohort: str


def _chunks(upload) -> Iterator[list[tuple[int, dict]]]:
    chunk: list[tuple[int, dict]] = []
    for row in resultsfile.rows(upload):
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _known(round: Round, chunk: list[tuple[int, dict]]) -> dict[str, _Known]:
    """The participants a chunk of rows names, in one query: memory holds a chunk's, never the round's."""
    codes = {resultsfile.text(values.get("code")) for _number, values in chunk}
    return {code: _Known(pk, college_id, status, cohort) for code, pk, college_id, status, cohort in
            Participant.objects.filter(round=round, code__in=codes).values_list("code", "pk", "college_id",
                                                                                 "status", "cohort")}


def _fingerprint(code: str, subject: str) -> int:
    """64 bits of a (code, subject) pair: the first pass keeps one per row (8 bytes) to find duplicates."""
    digest = hashlib.blake2b(f"{code}\x1f{subject.casefold()}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _check(round: Round, upload, report: ResultsReport) -> None:
    """The first pass: every row checked, only the errors kept. The file and the round's participants are read a chunk
    at a time; duplicate rows are found from an array of 64-bit fingerprints, and named exactly by a third pass over
    the file only when there are some."""
    fingerprints = array("Q")
    for chunk in _chunks(upload):
        known = _known(round, chunk)
        stored = {(pk, subject.casefold()) for pk, subject in Result.objects.filter(
            participant_id__in=[k.pk for k in known.values()]).values_list("participant_id", "subject")}
        for number, values in chunk:
            report.rows += 1
            code = resultsfile.text(values.get("code"))
            participant = known.get(code)
            subject = _row_check(number, values, code, participant, report)
            if subject and code:
                fingerprints.append(_fingerprint(code, subject))
                if participant is not None and (participant.pk, subject.casefold()) in stored:
                    report.error(number, "subject", subject, _("This participant's result in «%(subject)s» was "
                                                               "imported before.") % {"subject": subject}, "MON-22")
    ordered = sorted(fingerprints)
    twice = {a for a, b in zip(ordered, ordered[1:], strict=False) if a == b}
    if twice:
        _duplicates(upload, twice, report)
        report.errors.sort(key=lambda error: error.row)


def _row_check(number: int, values: dict, code: str, participant: _Known | None, report: ResultsReport) -> str:
    """A row's own checks (MON-22 and the participant's state); returns its subject."""
    if participant is None:
        message = (_("No participant of this round has the personal code «%(code)s».") % {"code": code}
                   if rules.personal_code_valid(code) else
                   _("«%(code)s» is not a personal code: 11 digits with a valid check digit.") % {"code": code})
        report.error(number, "code", code, message, "MON-22")
    elif participant.status in REFUSED_STATUS:
        rule, message = REFUSED_STATUS[participant.status]
        report.error(number, "code", code, _(message) % {"code": code}, rule)
    subject = resultsfile.text(values.get("subject"))
    if not subject or len(subject) > 100:
        report.error(number, "subject", subject, _("The subject or module is required (up to 100 characters)."),
                     "MON-22")
    variant = resultsfile.text(values.get("variant"))
    if not variant or len(variant) > 32:
        report.error(number, "variant", variant, _("The variant is required (up to 32 characters)."), "MON-22")
    score, maximum = resultsfile.number(values.get("score")), resultsfile.number(values.get("maximum"))
    for column, parsed in (("score", score), ("maximum", maximum)):
        if parsed is None:
            report.error(number, column, resultsfile.text(values.get(column)),
                         _("A number with at most 2 decimals is required."), "MON-22")
    if score is not None and maximum is not None:
        for violation in rules.score_check(score=score, maximum=maximum):
            report.error(number, violation.field, resultsfile.text(values.get(violation.field)),
                         violation.message, violation.rule)
    return subject


def _duplicates(upload, fingerprints: set[int], report: ResultsReport) -> None:
    """Name each row whose code and subject came in an earlier row (only the rows whose fingerprint came twice are
    looked at)."""
    first: dict[tuple[str, str], int] = {}
    for number, values in resultsfile.rows(upload):
        code, subject = resultsfile.text(values.get("code")), resultsfile.text(values.get("subject"))
        if not code or not subject or _fingerprint(code, subject) not in fingerprints:
            continue
        key = (code, subject.casefold())
        if key in first:
            report.error(number, "subject", subject, _("The same personal code and subject are already in row "
                                                       "%(row)s.") % {"row": first[key]}, "MON-22")
        else:
            first[key] = number


def _store(round: Round, upload, batch: ResultImport) -> tuple[int, set, set]:
    """The second pass: the rows stored a chunk at a time. → (count, summary keys, college ids)."""
    keys: set[tuple[int, str, str]] = set()
    colleges: set[int] = set()
    created = 0
    for chunk in _chunks(upload):
        known = _known(round, chunk)
        rows = []
        for _number, values in chunk:
            participant = known[resultsfile.text(values.get("code"))]
            subject = resultsfile.text(values.get("subject"))
            rows.append(Result(college_id=participant.college_id, round=round, participant_id=participant.pk,
                               subject=subject, variant=resultsfile.text(values.get("variant")),
                               score=resultsfile.number(values.get("score")),
                               maximum=resultsfile.number(values.get("maximum")), batch=batch))
            keys.add((participant.college_id, subject, participant.cohort))
            colleges.add(participant.college_id)
        Result.objects.bulk_create(rows)
        created += len(rows)
    return created, keys, colleges


def results_import(*, round: Round, by: User, upload) -> ResultsReport:
    """Ministry: import the testing centre's results file into a round in testing (or with results already). All its
    rows or none: any error, and nothing is stored. Raises ImportFileError when the file cannot be read at all."""
    report = ResultsReport()
    with transaction.atomic(), scopes_disabled():
        round = Round.objects.select_for_update().get(pk=round.pk)
        if round.status not in IMPORTABLE:
            raise RulesBroken([RuleViolation("MON-22", _("Results are imported once the testing has started; the "
                                                         "round is «%(status)s».")
                                             % {"status": round.get_status_display()}, "status")],
                              _("Nothing was imported."))
        _check(round, upload, report)
        if report.rows == 0:
            raise ImportFileError(_("The file has a header row but no data rows."))
        if not report.ok:
            return report
        import_sha = _sha256(upload)
        batch = ResultImport.objects.create(round=round, file_name=getattr(upload, "name", "")[:255],
                                            file_sha256=import_sha, rows=report.rows, colleges=0, imported_by=by)
        report.created, keys, colleges = _store(round, upload, batch)
        summaries_rebuild(round=round, keys=keys)
        batch.colleges = report.colleges = len(colleges)
        batch.save(update_fields=["colleges"])
        report.batch = batch
        _colleges_informed(round=round, college_ids=colleges, by=by)
        if round.status == Round.Status.TESTING:
            round.status = Round.Status.RESULTS
            round.results_at = timezone.now()
            round.save(update_fields=["status", "results_at", "updated_at"])
            audit_log(action="monitoring.round.results", college=None, actor=by, obj=round, data={"round": round.pk})
        audit_log(action="monitoring.results.imported", college=None, actor=by, obj=batch,
                  data={"round": round.pk, "rows": report.rows, "colleges": len(colleges), "file_sha256": import_sha,
                        "file_name": batch.file_name})
    return report


def _sha256(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _colleges_informed(*, round: Round, college_ids: set[int], by: User) -> None:
    """MON-23: the colleges receiving their first results are told (portal and e-mail); the day is recorded against
    the 3-working-day deadline."""
    now = timezone.now()
    first = list(RoundCollege.objects.filter(round=round, college_id__in=college_ids,
                                             results_imported_at__isnull=True).select_related("college"))
    RoundCollege.objects.filter(pk__in=[rc.pk for rc in first]).update(results_imported_at=now)
    admins: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(college_id__in=[rc.college_id for rc in first],
                                                role=Role.ADMIN).select_related("user"):
        admins.setdefault(membership.college_id, []).append(membership.user)
    entries = []
    for rc in first:
        college: College = rc.college
        with college.in_language():
            notify(college=college, users=admins.get(college.pk, []),
                   subject=_("Monitoring of educational achievements %(year)s: your results") % {"year": round.year},
                   body=_("The results of your college's testees are in the portal. They carry no legal consequences "
                          "and do not affect grades (002 §27)."),
                   url=f"/colleges/{college.slug}/monitoring/rounds/{round.pk}/")
        entries.append(audit_entry(action="monitoring.results.received", college=college, actor=by, obj=rc,
                                   data={"round": round.pk}))
    AuditEntry.objects.bulk_create(entries)


def summaries_rebuild(*, round: Round, keys: set[tuple[int, str, str]]) -> int:
    """Rewrite the summary rows of the colleges in ``keys`` (college id, subject, cohort) from their results, the
    annulled ones counted apart and left out of every sum. Returns how many rows were written."""
    college_ids = {college_id for college_id, _subject, _cohort in keys}
    if not college_ids:
        return 0
    with scopes_disabled():
        percent = Cast("score", FloatField()) * 100.0 / Cast("maximum", FloatField())
        valid = Q(annulled=False)
        bins = {f"bin{i}": Count("pk", filter=valid & _bin(i)) for i in range(rules.DISTRIBUTION_BINS)}
        rows = (Result.objects.filter(round=round, college_id__in=college_ids).alias(tenfold=F("score") * 10)
                .values("college_id", "subject", "participant__cohort", "participant__round_college_id")
                .annotate(count=Count("pk", filter=valid), annulled_count=Count("pk", filter=Q(annulled=True)),
                          score_sum=Sum("score", filter=valid), score_sq_sum=Sum(F("score") * F("score"), filter=valid),
                          maximum_sum=Sum("maximum", filter=valid), percent_sum=Sum(percent, filter=valid),
                          percent_sq_sum=Sum(percent * percent, filter=valid), **bins)
                .order_by())
        summaries = [ResultSummary(
            college_id=row["college_id"], round=round, round_college_id=row["participant__round_college_id"],
            subject=row["subject"], cohort=row["participant__cohort"], count=row["count"],
            annulled=row["annulled_count"], score_sum=row["score_sum"] or 0, score_sq_sum=row["score_sq_sum"] or 0,
            maximum_sum=row["maximum_sum"] or 0, percent_sum=row["percent_sum"] or 0.0,
            percent_sq_sum=row["percent_sq_sum"] or 0.0,
            distribution=[row[f"bin{i}"] for i in range(rules.DISTRIBUTION_BINS)]) for row in rows]
        ResultSummary.objects.filter(round=round, college_id__in=college_ids).delete()
        ResultSummary.objects.bulk_create(summaries)
        national_rebuild(round=round)
    return len(summaries)


def national_rebuild(*, round: Round) -> None:
    """The round's national sums per subject and cohort, from every summary row of the round (one query over a few
    thousand rows), kept on the round for the readers that may not see other colleges' rows."""
    national: dict[tuple[str, str], list] = {}
    for subject, cohort, n, annulled, total, squares, distribution in (
            ResultSummary.objects.filter(round=round).values_list(
                "subject", "cohort", "count", "annulled", "percent_sum", "percent_sq_sum", "distribution")):
        row = national.setdefault((subject, cohort), [subject, cohort, 0, 0, 0.0, 0.0, [0] * rules.DISTRIBUTION_BINS])
        row[2] += n
        row[3] += annulled
        row[4] += total
        row[5] += squares
        row[6] = [a + b for a, b in zip(row[6], distribution or [0] * rules.DISTRIBUTION_BINS, strict=True)]
    Round.objects.filter(pk=round.pk).update(national=sorted(national.values()))


def _bin(index: int) -> Q:
    """Results in the index-th tenth of their maximum (the maximum itself in the last tenth), as rules.distribution_bin
    says: score × 10 ≥ index × maximum and, except for the last, score × 10 < (index + 1) × maximum (whole numbers
    only, so no rounding moves a score across a boundary)."""
    lower = Q(tenfold__gte=F("maximum") * index) if index else Q()
    if index == rules.DISTRIBUTION_BINS - 1:
        return lower
    return lower & Q(tenfold__lt=F("maximum") * (index + 1))


def results_template(fmt: str) -> tuple[bytes, str]:
    """The header row of a results file (in the user's language) as CSV or XLSX."""
    import csv
    import io

    headers = [str(c.label) for c in resultsfile.RESULT_COLUMNS]
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=";").writerow(headers)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    help_sheet = workbook.create_sheet(str(_("Help"))[:31])
    for column in resultsfile.RESULT_COLUMNS:
        help_sheet.append([str(column.label), str(column.help)])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

