"""Import of students and transcripts from XLSX or CSV (what colleges export from Platonus or keep in
Excel), with a row-by-row report. All or nothing: a file with any error stores nothing.

CSV files must be UTF-8 (Excel: "CSV UTF-8") or UTF-16 with a byte-order mark ("Unicode text").
A legacy Windows-1251 file is refused rather than guessed: that code page has no Kazakh letters
(ә ғ қ ң ө ұ ү һ і), so its names would already be damaged.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import scale
from .archives import ArchiveRefused, archive_check
from .audit import audit_log
from .formatting import number_cell
from .grade_entry import grade_entry_check, grade_entry_context
from .models import AttemptReason, College, Discipline, Group, Student, TranscriptEntry, User
from .rules import RulesBroken, iin_check
from .services import student_create, student_update, transcript_grade

MAX_ROWS = 20000


class ImportFileError(Exception):
    """The upload cannot be read at all (too large 413, not a spreadsheet 415, no usable header 400)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str
    rule: str | None = None

    def as_api(self) -> dict[str, Any]:
        return {"field": self.column or None, "rule": self.rule, "message": self.message, "row": self.row,
                "value": self.value}


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Column:
    name: str
    label: Any
    required: bool
    aliases: tuple[str, ...]
    help: Any = ""


STUDENT_COLUMNS = (
    Column("iin", gettext_lazy("IIN"), True, ("иин", "жсн", "iin", "ИИН", "ЖСН"),
           gettext_lazy("12 digits")),
    Column("full_name", gettext_lazy("Full name"), True,
           ("фио", "ф.и.о.", "ф.и.о", "аты-жөні", "толық аты-жөні", "студент", "name", "student"),
           gettext_lazy("surname, given name, patronymic")),
    Column("group", gettext_lazy("Group"), True, ("группа", "топ", "group_name"),
           gettext_lazy("name of an existing group")),
    Column("username", gettext_lazy("Login"), False, ("логин", "login", "user"),
           gettext_lazy("optional: the student's account")),
    Column("email", gettext_lazy("E-mail"), False, ("e-mail", "почта", "эл. почта", "эл. пошта"),
           gettext_lazy("optional")),
)
TRANSCRIPT_COLUMNS = (
    Column("iin", gettext_lazy("IIN"), True, ("иин", "жсн", "ИИН", "ЖСН"), gettext_lazy("12 digits")),
    Column("discipline", gettext_lazy("Discipline code"), True,
           ("discipline_code", "код дисциплины", "пән коды", "код", "code", "дисциплина", "пән"),
           gettext_lazy("code from the program's curriculum")),
    Column("percent", gettext_lazy("Percent"), True, ("%", "процент", "пайыз", "балл", "балл (%)"),
           gettext_lazy("0–100; fractions are rounded half up")),
    Column("held_on", gettext_lazy("Date"), True, ("date", "дата", "күні", "дата сдачи"),
           gettext_lazy("YYYY-MM-DD or DD.MM.YYYY")),
    Column("letter", gettext_lazy("Letter"), False, ("буква", "әріп", "буквенная оценка", "әріптік баға"),
           gettext_lazy("optional; must match the percent (A, A-, B+ … F)")),
    Column("attempt", gettext_lazy("Attempt"), False, ("попытка", "әрекет"), gettext_lazy("1 by default")),
    Column("attempt_reason", gettext_lazy("Reason of the attempt"), False, ("reason", "причина", "себеп"),
           gettext_lazy("first, excused_resit, tech_failure, retake_after_fail")),
    Column("is_final_attestation", gettext_lazy("Final attestation"), False,
           ("final", "итоговая аттестация", "қорытынды аттестаттау"), gettext_lazy("yes / no")),
)
COLUMNS = {"students": STUDENT_COLUMNS, "transcript": TRANSCRIPT_COLUMNS}

_MAGIC_NOT_SPREADSHEET = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF", b"MZ", b"<!DOCTYPE", b"<html")


def _norm_header(text: str) -> str:
    return " ".join(str(text or "").strip().lower().replace("\ufeff", "").split())


def _header_map(headers: list[str], columns: tuple[Column, ...]) -> dict[int, str]:
    lookup: dict[str, str] = {}
    for column in columns:
        lookup[column.name] = column.name
        # A template downloaded in one language is read back whatever the uploader's language is.
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                lookup[_norm_header(str(column.label))] = column.name
        for alias in column.aliases:
            lookup[_norm_header(alias)] = column.name
    mapping = {}
    for index, header in enumerate(headers):
        name = lookup.get(_norm_header(header))
        if name and name not in mapping.values():
            mapping[index] = name
    missing = [str(c.label) for c in columns if c.required and c.name not in mapping.values()]
    if missing:
        raise ImportFileError(_("The file has no column(s): %(columns)s. Download the template to see the "
                                "expected header row.") % {"columns": ", ".join(missing)})
    return mapping


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return value


# A workbook expands to at most this much (20,000 rows of a dozen columns are some 20 MB of XML): what expands
# further (an archive bomb, 200 MB of shared strings) is refused before openpyxl reads a byte of it.
XLSX_MAX_EXPANDED = 64 * 1024 * 1024


def _read_xlsx(data: bytes) -> list[list[Any]]:
    # openpyxl is loaded by the first spreadsheet, not by every process that imports this module.
    from openpyxl import load_workbook

    try:
        archive_check(data, max_expanded=XLSX_MAX_EXPANDED)
    except ArchiveRefused as exc:
        raise ImportFileError(exc.message, exc.status) from exc
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(_("The file is not a readable Excel workbook (.xlsx)."), 415) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                raise ImportFileError(_("The file has more than %(max)s rows; split it.") % {"max": MAX_ROWS}, 413)
        return rows
    finally:
        workbook.close()


def _decode_csv(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            _("The CSV file is not in UTF-8. In Excel choose “Save as → CSV UTF-8”, or upload the .xlsx file."),
            415,
        ) from exc


def _read_csv(data: bytes) -> list[list[Any]]:
    text = _decode_csv(data)
    if "\x00" in text:
        raise ImportFileError(_("The file is not a spreadsheet (XLSX or CSV)."), 415)
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    rows = [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    if len(rows) > MAX_ROWS + 1:
        raise ImportFileError(_("The file has more than %(max)s rows; split it.") % {"max": MAX_ROWS}, 413)
    return rows


def spreadsheet_read(upload, columns: tuple[Column, ...]) -> tuple[list[tuple[int, dict[str, Any]]], str]:
    """The data rows of an uploaded XLSX/CSV as (spreadsheet row number, {column: value}), and the
    file's sha256. Raises ImportFileError for a file that cannot be read."""
    limit = settings.ATTESTATION_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise ImportFileError(_("The file is %(size)s MB; the limit is %(limit)s MB.")
                              % {"size": round(upload.size / 2**20, 1), "limit": round(limit / 2**20, 1)}, 413)
    data = upload.read()
    if not data.strip():
        raise ImportFileError(_("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        table = _read_xlsx(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(_("Old Excel files (.xls) are not supported; save the file as .xlsx."), 415)
    elif data.lstrip()[:9].startswith(_MAGIC_NOT_SPREADSHEET):
        raise ImportFileError(_("The file is not a spreadsheet (XLSX or CSV)."), 415)
    else:
        table = _read_csv(data)
    table = [row for row in table if any(v not in (None, "") for v in row)]
    if not table:
        raise ImportFileError(_("The file is empty."))
    mapping = _header_map([str(h or "") for h in table[0]], columns)
    rows = []
    for number, row in enumerate(table[1:], start=2):
        values = {name: (row[index] if index < len(row) else None) for index, name in mapping.items()}
        rows.append((number, values))
    if not rows:
        raise ImportFileError(_("The file has a header row but no data rows."))
    return rows, hashlib.sha256(data).hexdigest()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d.%m.%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


_TRUE = {"1", "yes", "y", "true", "да", "иә", "иа", "+", "x"}
_FALSE = {"", "0", "no", "n", "false", "нет", "жоқ", "-"}


def _parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def _validation_messages(exc: ValidationError) -> list[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        return [(f, str(m)) for f, errors in exc.message_dict.items() for m in errors]
    return [("", str(m)) for m in exc.messages]


# --- Students -------------------------------------------------------------------------------------------


def students_import(*, college: College, by: User, upload) -> ImportReport:
    report = ImportReport(kind="students")
    rows, file_hash = spreadsheet_read(upload, STUDENT_COLUMNS)
    report.rows = len(rows)
    groups = {g.name.strip().lower(): g for g in Group.objects.filter(college=college)}
    existing = {s.iin: s for s in Student.objects.filter(college=college).select_related("user")}
    seen: dict[str, int] = {}
    plan: list[tuple[int, dict[str, Any], Student | None]] = []
    for number, values in rows:
        iin = _text(values.get("iin"))
        full_name = _text(values.get("full_name"))
        group_name = _text(values.get("group"))
        errors_before = len(report.errors)
        violation = iin_check(iin)
        if violation is not None:
            report.errors.append(RowError(number, "iin", iin, violation.message))
        elif iin in seen:
            report.errors.append(RowError(number, "iin", iin,
                                          _("The same IIN is already in row %(row)s.") % {"row": seen[iin]}))
        else:
            seen[iin] = number
        if not full_name:
            report.errors.append(RowError(number, "full_name", "", _("The full name is required.")))
        group = groups.get(group_name.lower())
        if group is None:
            report.errors.append(RowError(number, "group", group_name,
                                          _("There is no group «%(name)s» in this college; create it first.")
                                          % {"name": group_name}))
        if len(report.errors) == errors_before:
            plan.append((number, {"iin": iin, "full_name": full_name, "group": group,
                                  "username": _text(values.get("username")), "email": _text(values.get("email"))},
                         existing.get(iin)))
    if report.errors:
        return report
    try:
        with transaction.atomic():
            for number, data, student in plan:
                try:
                    if student is None:
                        student_create(college=college, by=by, **data)
                        report.created += 1
                    else:
                        data.pop("email")
                        before = (student.full_name, student.group_id, student.user_id)
                        student_update(college=college, by=by, student=student, **{k: v for k, v in data.items()
                                                                                  if k != "iin"})
                        if (student.full_name, student.group_id, student.user_id) != before:
                            report.updated += 1
                except ValidationError as exc:
                    for column, message in _validation_messages(exc):
                        report.errors.append(RowError(number, column, _text(data.get(column, "")), message))
            if report.errors:
                raise _Rollback
            audit_log(action="import.students", college=college, actor=by,
                      data={"file_sha256": file_hash, "rows": report.rows, "created": report.created,
                            "updated": report.updated, "file_name": getattr(upload, "name", "")})
    except _Rollback:
        report.created = report.updated = 0
    return report


class _Rollback(Exception):
    pass


# --- Transcript -----------------------------------------------------------------------------------------


def transcript_import(*, college: College, by: User, upload) -> ImportReport:
    report = ImportReport(kind="transcript")
    rows, file_hash = spreadsheet_read(upload, TRANSCRIPT_COLUMNS)
    report.rows = len(rows)
    students = {s.iin: s for s in Student.objects.filter(college=college).select_related("group")}
    disciplines = {(d.program_id, d.code.strip().lower()): d for d in Discipline.objects.filter(college=college)}
    existing = {(e.student_id, e.discipline_id, e.attempt): e
                for e in TranscriptEntry.objects.filter(college=college)}
    seen: dict[tuple[int, int, int], int] = {}
    grading_context = grade_entry_context(college=college)  # loaded once: the per-row check costs no query
    new_entries: list[TranscriptEntry] = []
    changed_entries: list[TranscriptEntry] = []
    for number, values in rows:
        errors_before = len(report.errors)
        iin = _text(values.get("iin"))
        student = students.get(iin)
        if student is None:
            violation = iin_check(iin)
            message = violation.message if violation else _("No student with this IIN in this college.")
            report.errors.append(RowError(number, "iin", iin, message))
        code = _text(values.get("discipline"))
        discipline = None
        if student is not None:
            discipline = disciplines.get((student.group.program_id, code.lower()))
            if discipline is None:
                report.errors.append(RowError(
                    number, "discipline", code,
                    _("Discipline «%(code)s» is not in the curriculum of the student's program.") % {"code": code},
                    "GEN-06"))
        grade = None
        try:
            grade = transcript_grade(values.get("percent"), _text(values.get("letter")))
        except RulesBroken as exc:
            for violation in exc.violations:
                column = violation.field or "percent"
                report.errors.append(RowError(number, column, _text(values.get(column)), violation.message,
                                              violation.rule))
        held_on = _parse_date(values.get("held_on"))
        if held_on is None:
            report.errors.append(RowError(number, "held_on", _text(values.get("held_on")),
                                          _("A date is required, as YYYY-MM-DD or DD.MM.YYYY.")))
        attempt_text = _text(values.get("attempt")) or "1"
        attempt = int(attempt_text) if attempt_text.isdigit() and int(attempt_text) >= 1 else None
        if attempt is None:
            report.errors.append(RowError(number, "attempt", attempt_text,
                                          _("The attempt is a whole number from 1.")))
        reason = _text(values.get("attempt_reason")).lower() or AttemptReason.FIRST
        if reason not in AttemptReason.values:
            report.errors.append(RowError(number, "attempt_reason", reason,
                                          _("Unknown reason; use one of: %(values)s.")
                                          % {"values": ", ".join(AttemptReason.values)}))
        is_final = _parse_bool(values.get("is_final_attestation"))
        if is_final is None:
            report.errors.append(RowError(number, "is_final_attestation",
                                          _text(values.get("is_final_attestation")), _("Write yes or no.")))
        if len(report.errors) > errors_before:
            continue
        try:
            grade_entry_check(college=college, student=student, discipline=discipline, attempt=attempt,
                              attempt_reason=reason, held_on=held_on, entry=existing.get((student.pk, discipline.pk,
                                                                                         attempt)),
                              letter=grade["letter"], context=grading_context)
        except RulesBroken as exc:
            for violation in exc.violations:
                report.errors.append(RowError(number, violation.field or "attempt", code, violation.message,
                                              violation.rule))
            continue
        key = (student.pk, discipline.pk, attempt)
        if key in seen:
            report.errors.append(RowError(number, "discipline", code,
                                          _("The same discipline and attempt are already in row %(row)s.")
                                          % {"row": seen[key]}))
            continue
        seen[key] = number
        fields = {"held_on": held_on, "attempt_reason": reason, "is_final_attestation": is_final, **grade}
        entry = existing.get(key)
        if entry is None:
            new_entries.append(TranscriptEntry(college=college, student=student, discipline=discipline,
                                               attempt=attempt, **fields))
        elif any(getattr(entry, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(entry, k, v)
            changed_entries.append(entry)
    if report.errors:
        return report
    with transaction.atomic():
        TranscriptEntry.objects.bulk_create(new_entries, batch_size=500)
        if changed_entries:
            TranscriptEntry.objects.bulk_update(
                changed_entries, ["held_on", "attempt_reason", "is_final_attestation", "percent", "percent_raw",
                                  "letter", "points", "traditional"], batch_size=500)
        report.created, report.updated = len(new_entries), len(changed_entries)
        audit_log(action="import.transcript", college=college, actor=by,
                  data={"file_sha256": file_hash, "rows": report.rows, "created": report.created,
                        "updated": report.updated, "file_name": getattr(upload, "name", ""),
                        "updated_ids": [e.pk for e in changed_entries][:1000]})
    return report


IMPORTERS = {"students": students_import, "transcript": transcript_import}


# --- Templates --------------------------------------------------------------------------------------------


def import_template(kind: str, fmt: str) -> tuple[bytes, str]:
    """The header row (in the user's language) as an XLSX or CSV file, and its content type."""
    columns = COLUMNS[kind]
    headers = [str(c.label) for c in columns]
    if fmt == "csv":
        buffer = io.StringIO()
        # Semicolons and a BOM: what Excel in Kazakh and Russian locales opens without a wizard.
        csv.writer(buffer, delimiter=";").writerow(headers)
        return ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(_("Data"))[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns):
        sheet.column_dimensions[chr(ord("A") + index)].width = max(14, len(str(column.label)) + 4)
    help_sheet = workbook.create_sheet(str(_("Help"))[:31])
    help_sheet.append([str(_("Column")), str(_("Required")), str(_("What to write"))])
    for column in columns:
        help_sheet.append([str(column.label), str(_("yes")) if column.required else str(_("no")), str(column.help)])
    if kind == "transcript":
        help_sheet.append([])
        help_sheet.append([str(_("Letter grades (GRD-01)"))])
        help_sheet.append([str(_("Letter")), str(_("From, %")), str(_("To, %")), str(_("Points"))])
        for band in scale.GRADE_SCALE:  # numbers as numbers: the spreadsheet shows them in its own locale
            help_sheet.append([band.letter, band.percent_min, band.percent_max, number_cell(band.points)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
