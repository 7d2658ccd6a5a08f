"""The anonymous satisfaction survey after the testing (MON-21): its questions, and its results read from the tallies
(``SurveyTally``), each group shown only with at least ``rules.MIN_GROUP`` answers (secondary suppression as for the
public page, ``rules.suppressed_groups``). The writes (issuing invitations, answering) are in ``services.survey``."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from attestation.models import kz_reference

from . import rules, selectors
from .models import Respondent, Round, SurveyTally

ANSWERS = "answers"  # SurveyTally.question "" holds the number of answers

OPTIONS = (1, 2, 3, 4, 5)
SATISFIED = (4, 5)


def option_labels() -> dict[int, str]:
    return {1: _("very dissatisfied"), 2: _("rather dissatisfied"), 3: _("neither satisfied nor dissatisfied"),
            4: _("rather satisfied"), 5: _("very satisfied")}


def questions(respondent: str) -> list[tuple[str, str]]:
    """(code, question) of each respondent's questionnaire: satisfaction with the educational services (002 §25)."""
    if respondent == Respondent.TEACHER:
        return [("t1", str(_("How satisfied are you with the equipment of classrooms and workshops?"))),
                ("t2", str(_("How satisfied are you with the methodological support of your teaching?"))),
                ("t3", str(_("How satisfied are you with the opportunities for professional development?"))),
                ("t4", str(_("How satisfied are you with the organisation of the monitoring testing?"))),
                ("t5", str(_("Overall, how satisfied are you with working at your college?")))]
    return [("s1", str(_("How satisfied are you with the quality of teaching?"))),
            ("s2", str(_("How satisfied are you with textbooks, the library and digital resources?"))),
            ("s3", str(_("How satisfied are you with the equipment of classrooms and workshops?"))),
            ("s4", str(_("How satisfied are you with practical training and internships?"))),
            ("s5", str(_("Overall, how satisfied are you with studying at your college?")))]


def question_codes(respondent: str) -> list[str]:
    return [code for code, _text in questions(respondent)]


@dataclass
class Opinion:
    """One group's answers of one kind of respondent: how many answered, and per question the counts by option."""

    key: str
    label: str
    answers: int = 0
    counts: dict[str, list[int]] = field(default_factory=dict)
    suppressed: bool = False

    def add(self, question: str, option: int, count: int) -> None:
        if not question:
            self.answers += count
        elif option in OPTIONS:
            self.counts.setdefault(question, [0] * len(OPTIONS))[option - 1] += count

    def mean(self, question: str) -> float | None:
        counts = self.counts.get(question) or []
        n = sum(counts)
        return sum(option * c for option, c in zip(OPTIONS, counts, strict=False)) / n if n else None

    def satisfied(self, question: str) -> float | None:
        """The share (%) answering 4 or 5."""
        counts = self.counts.get(question) or []
        n = sum(counts)
        return 100.0 * sum(counts[o - 1] for o in SATISFIED) / n if n else None


@dataclass
class Section:
    respondent: str
    label: str
    questions: list[tuple[str, str]]
    groups: list[Opinion]
    total: Opinion


@dataclass
class SurveyResults:
    by: str
    sections: list[Section]

    def as_payload(self) -> list[dict]:
        """Plain numbers for the report: hidden groups carry no figure."""
        out = []
        for section in self.sections:
            rows = []
            for group in [*section.groups, section.total]:
                rows.append({"label": group.label, "answers": group.answers if not group.suppressed else None,
                             "suppressed": group.suppressed,
                             "satisfied": [None if group.suppressed or group.satisfied(code) is None
                                           else round(group.satisfied(code), 1) for code, _q in section.questions]})
            out.append({"label": section.label, "questions": [text for _code, text in section.questions],
                        "rows": rows})
        return out


def results(viewer: selectors.Viewer | None, round: Round, *, by: str = "region") -> SurveyResults:
    """The survey's results for a viewer (None: everyone, for the public page), by region or by college: one query
    over the tallies. Each table hides its groups under rules.MIN_GROUP answers, and its total when that is small."""
    tallies = SurveyTally.objects.with_scopes_disabled().filter(round=round)
    if viewer is not None:
        tallies = tallies.filter(college_id__in=selectors.round_colleges(viewer, round).values("college_id"))
    key_field = "college__region" if by == "region" else "college__slug"
    language = (get_language() or "kk")[:2]
    regions = {r["code"]: r.get(language) or r["en"] for r in kz_reference()["regions"]}
    rows = (tallies.values("respondent", "question", "option", key_field, "college__name_kk", "college__name_ru",
                           "college__name_en").annotate(total=Sum("count")).order_by())
    sections = []
    labels = dict(Respondent.choices)
    for respondent in (Respondent.STUDENT, Respondent.TEACHER):
        groups: dict[str, Opinion] = {}
        total = Opinion("", str(_("total")))
        for row in rows:
            if row["respondent"] != respondent:
                continue
            key = row[key_field]
            if key not in groups:
                label = (regions.get(key, key) if by == "region" else
                         row.get(f"college__name_{language}") or row["college__name_kk"])
                groups[key] = Opinion(key, label)
            groups[key].add(row["question"], row["option"], row["total"])
            total.add(row["question"], row["option"], row["total"])
        ordered = sorted(groups.values(), key=lambda g: (g.label.casefold(), g.key))
        for group, hidden in zip(ordered, rules.suppressed_groups([g.answers for g in ordered]), strict=True):
            group.suppressed = hidden
        total.suppressed = 0 < total.answers < rules.MIN_GROUP
        if len(ordered) == 1:
            ordered[0].suppressed = total.suppressed
        sections.append(Section(respondent, str(labels[respondent]), questions(respondent), ordered, total))
    return SurveyResults(by, sections)
