"""The monitoring of educational achievements (ББЖМ / МОДО, seed 002) as pure functions: plain values in, a value or
a RuleViolation out, no ORM.

The sample draw (MON-10, OQ-25) is here in full, so that what the portal does is what anyone can recompute from the
published pool and seed with a spreadsheet or ``sha256sum``:

1. The pool is the frozen list of eligible colleges, each with its stratum (region × territory × kind × language of
   instruction × contingent band) and the years it took part before.
2. The round takes SHARE of the whole pool, rounded half up: ``total = ⌊share × N + ½⌋``.
3. Each stratum gets ``⌊share × n⌋`` places; the places left over go one each to the strata with the largest
   fractional remainders ``share × n − ⌊share × n⌋`` (largest remainder, Hamilton's method), ties broken by ascending
   ``sha256(seed + ":" + stratum)``.
4. Within a stratum the colleges are ordered by (took part before: no first, then yes; ascending
   ``sha256(seed + ":" + code)``): a college that took part in an earlier round is drawn only once its stratum's
   colleges that never took part are exhausted. The first ``quota`` are selected.

Hashes are the lowercase hexadecimal SHA-256 of the UTF-8 text; comparing the hex strings compares the numbers.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _

from attestation.calendar import WorkingCalendar
from attestation.rules import RuleViolation

# MON-10 (002 §14): a quarter of the organisations take part.
SHARE = Fraction(1, 4)
SHARE_DECIMAL = Decimal("0.25")
# MON-05 (002 §9): 2nd-year students on general education subjects, 3rd-year students on professional modules.
COHORT_GENERAL = "general"
COHORT_PROFESSIONAL = "professional"
COHORT_YEARS = {COHORT_GENERAL: 2, COHORT_PROFESSIONAL: 3}
# MON-07 (002 §11): TVET organisations are tested in November.
TVET_TESTING_MONTH = 11
# MON-09 (002 §13): participants are told one month in advance.
NOTICE_MONTHS = 1
# MON-23 (002 §27): results reach the organisations within three working days after the testing.
RESULTS_WORKING_DAYS = 3
# MON-25 (002 §29): the comprehensive analysis within three months (shown; the analytics are built on it).
ANALYSIS_MONTHS = 3

# The "student contingent" parameter of MON-10 as bands of the college's number of students (a design default: the
# seeds name the parameter, not its bands). Upper bounds are exclusive.
CONTINGENT_BANDS = (("small", 500), ("medium", 1000), ("large", None))


# --- Cohorts (MON-05) ---------------------------------------------------------------------------------------------


def cohorts_check(cohorts: Iterable[str]) -> RuleViolation | None:
    """MON-05: a round tests the 2nd-year cohort, the 3rd-year cohort, or both ("and/or"), and nothing else."""
    chosen = list(cohorts or [])
    if not chosen or any(c not in COHORT_YEARS for c in chosen) or len(set(chosen)) != len(chosen):
        return RuleViolation("MON-05", _("Choose the cohorts of the round: 2nd-year students (general education "
                                         "subjects), 3rd-year students (professional modules), or both."), "cohorts")
    return None


def cohort_of_year(year_of_study: int, cohorts: Iterable[str]) -> str | None:
    """MON-05: the cohort a student of this year of study (by the program's year of study) belongs to, or None."""
    for cohort in cohorts:
        if COHORT_YEARS.get(cohort) == year_of_study:
            return cohort
    return None


# --- The round's dates (MON-07, MON-09, MON-23, MON-25) ----------------------------------------------------------


def testing_date_check(*, year: int, testing_on: date) -> RuleViolation | None:
    """MON-07: the round of a year is tested in that year (an error otherwise)."""
    if testing_on.year != year:
        return RuleViolation("MON-07", _("The testing date must fall in the round's year %(year)s.") % {"year": year},
                             "testing_on")
    return None


def testing_month_warning(*, testing_on: date) -> RuleViolation | None:
    """MON-07 [WARN]: TVET organisations are tested in November; another month is allowed with a warning."""
    if testing_on.month != TVET_TESTING_MONTH:
        return RuleViolation("MON-07", _("Colleges are tested in November (002 §11); %(date)s is another month.")
                             % {"date": testing_on.strftime("%d.%m.%Y")}, "testing_on")
    return None


def share_check(share: Decimal | Fraction | float | str) -> RuleViolation | None:
    """MON-10: the participation share of organisations is 25%."""
    try:
        value = Fraction(str(share))
    except (ValueError, ZeroDivisionError):
        value = None
    if value != SHARE:
        return RuleViolation("MON-10", _("The share of participating colleges is 25%% (0.25), as 002 §14 sets it."),
                             "share")
    return None


def notice_deadline(*, testing_on: date) -> date:
    """MON-09: the latest day the notice can go out: one calendar month before the testing (clamped to the end of a
    shorter month, RULES.md §2)."""
    return testing_on - relativedelta(months=NOTICE_MONTHS)


def notice_check(*, today: date, testing_on: date) -> RuleViolation | None:
    """MON-09: the notice goes out at least one month before the testing date."""
    latest = notice_deadline(testing_on=testing_on)
    if today > latest:
        return RuleViolation("MON-09", _("The notice must go out at least one month before the testing: by "
                                         "%(latest)s for testing on %(testing)s.")
                             % {"latest": latest.strftime("%d.%m.%Y"), "testing": testing_on.strftime("%d.%m.%Y")},
                             "status")
    return None


def testing_start_check(*, today: date, notice_on: date | None) -> RuleViolation | None:
    """MON-09: the round moves to testing no sooner than one month after its notice."""
    if notice_on is None:
        return RuleViolation("MON-09", _("The colleges have not been notified yet."), "status")
    earliest = notice_on + relativedelta(months=NOTICE_MONTHS)
    if today < earliest:
        return RuleViolation("MON-09", _("Testing starts no sooner than one month after the notice of %(notice)s: "
                                         "from %(earliest)s.")
                             % {"notice": notice_on.strftime("%d.%m.%Y"), "earliest": earliest.strftime("%d.%m.%Y")},
                             "status")
    return None


def results_due(*, testing_on: date, calendar: WorkingCalendar) -> date:
    """MON-23: results reach the colleges within 3 working days after the testing (Kazakhstan calendar)."""
    return calendar.add_working_days(testing_on, RESULTS_WORKING_DAYS)


def analysis_due(*, testing_on: date) -> date:
    """MON-25: the comprehensive analysis within 3 months after the testing."""
    return testing_on + relativedelta(months=ANALYSIS_MONTHS)


# --- Participants (MON-08, MON-14) --------------------------------------------------------------------------------


EXCUSAL_REASONS = ("home_study", "sanatorium", "absent_health", "absent_bereavement", "absent_competition")


def excusal_check(*, today: date, testing_on: date, reason: str, has_file: bool) -> list[RuleViolation]:
    """MON-08 (002 §12): a student is excused for home study on health grounds, a sanatorium, or absence for an
    objective reason; the college enters it, with its supporting document, before the day of the testing."""
    violations = []
    if today >= testing_on:
        violations.append(RuleViolation("MON-08", _("Excusals are entered before the day of the testing "
                                                     "(%(date)s).") % {"date": testing_on.strftime("%d.%m.%Y")},
                                        "participant"))
    if reason not in EXCUSAL_REASONS:
        violations.append(RuleViolation("MON-08", _("Choose a reason the rules allow (002 §12)."), "reason"))
    if not has_file:
        violations.append(RuleViolation("MON-08", _("Attach the supporting document (PDF, JPEG or PNG)."), "file"))
    return violations


def personal_code(*, year: int, college_number: int, sequence: int) -> str:
    """OQ-26: the testee's personal code (СЖК) on the seating sheet, never the IIN: the round's year (2 digits), the
    college's number in the round (4), the participant's number in the college (4) and a Luhn check digit, so a
    mistyped code in a results file is caught instead of landing on another student."""
    body = f"{year % 100:02d}{college_number:04d}{sequence:04d}"
    return body + str(luhn_digit(body))


def luhn_digit(digits: str) -> int:
    """The Luhn check digit of a string of digits."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def personal_code_valid(code: str) -> bool:
    return len(code) == 11 and code.isascii() and code.isdigit() and luhn_digit(code[:-1]) == int(code[-1])


@dataclass(frozen=True)
class Room:
    name: str
    seats: int


def seating_plan(*, codes: Sequence[str], rooms: Sequence[Room]) -> dict[str, tuple[str, int]] | RuleViolation:
    """MON-14 (002 §19): every testee has a room and a seat on the seating sheet, one testee per seat. Codes in the
    given order fill the rooms in the given order, seats from 1."""
    names = [room.name.strip() for room in rooms]
    if not rooms or any(not name for name in names) or len(set(names)) != len(names) \
            or any(room.seats < 1 for room in rooms):
        return RuleViolation("MON-14", _("List each computer room once, with a name and at least one seat."), "rooms")
    capacity = sum(room.seats for room in rooms)
    if capacity < len(codes):
        return RuleViolation("MON-14", _("The rooms have %(seats)s seats for %(testees)s testees.")
                             % {"seats": capacity, "testees": len(codes)}, "rooms")
    plan: dict[str, tuple[str, int]] = {}
    places = ((name, seat) for name, room in zip(names, rooms, strict=True) for seat in range(1, room.seats + 1))
    for code, place in zip(codes, places, strict=False):
        plan[code] = place
    return plan


# --- Acts (MON-13, MON-16, MON-17) ---------------------------------------------------------------------------------


ACT_FORBIDDEN_ITEMS = "forbidden_items"  # Annex 1
ACT_OUTSIDER = "outsider"  # Annex 2
STAGE_ENTRY = "entry"  # Annex 2, field 6: at the entrance to the building
STAGE_TESTING = "testing"  # … or during the testing
DECISION_REMOVED = "removed"  # removed from the room, results annulled
DECISION_REFUSED_ENTRY = "refused_entry"  # not let into the building (Annex 2)


def act_decision(*, kind: str, stage: str) -> str:
    """The decision the annex prints: Annex 1 always removes the testee and annuls the results; Annex 2 refuses entry
    at the entrance, or removes the testee from the room during the testing."""
    if kind == ACT_OUTSIDER and stage == STAGE_ENTRY:
        return DECISION_REFUSED_ENTRY
    return DECISION_REMOVED


ACT_STATUSES = ("testing", "results")  # the round's statuses in which acts are recorded


def acts_close_on(*, testing_on: date, calendar: WorkingCalendar) -> date:
    """The last day an act of the testing day reaches the portal: the day the results are due to the colleges
    (MON-23, 3 working days after the testing). A representative enters an act on the day, or its signed paper copy
    in the days after; the results may have been imported by then (the round is in «results»), and the act annuls
    the testee's result already stored. After this day the results a college received are final."""
    return results_due(testing_on=testing_on, calendar=calendar)


def act_window_check(*, rule: str, status: str, today: date, testing_on: date,
                     calendar: WorkingCalendar) -> RuleViolation | None:
    """MON-16 / MON-17 with MON-23: acts are recorded from the testing day while the round is in testing or has its
    results, until ``acts_close_on`` (``today`` in the college's time zone, OQ-27)."""
    closes = acts_close_on(testing_on=testing_on, calendar=calendar)
    if status not in ACT_STATUSES:
        return RuleViolation(rule, _("Acts are recorded from the testing day until %(date)s, while the round is in "
                                     "testing or has its results.") % {"date": closes.strftime("%d.%m.%Y")}, "status")
    if today > closes:
        return RuleViolation(rule, _("Acts of the testing day are recorded until %(date)s, the day the results are "
                                     "due to the colleges (MON-23).") % {"date": closes.strftime("%d.%m.%Y")},
                             "occurred_at")
    return None


@dataclass(frozen=True)
class ActFacts:
    kind: str
    occurred_at: datetime | None  # in the college's time zone
    testing_on: date
    now: datetime
    room: str
    seat: int | None
    variant: str
    items: Sequence[dict]
    stage: str
    outsider_name: str
    testee_signed_name: str
    representative_signed_name: str
    signed: bool  # both signatures drawn, or a signed scan attached


def act_check(facts: ActFacts) -> list[RuleViolation]:
    """MON-16 (Annex 1) and MON-17 (Annex 2): every field of the annex, the time to the minute on the testing day, and
    both signatures (drawn on the screen or on a signed scan)."""
    rule = "MON-16" if facts.kind == ACT_FORBIDDEN_ITEMS else "MON-17"
    violations: list[RuleViolation] = []
    if facts.kind not in (ACT_FORBIDDEN_ITEMS, ACT_OUTSIDER):
        return [RuleViolation("MON-16", _("Choose the act: Annex 1 (forbidden items) or Annex 2 (an outsider)."),
                              "kind")]
    if facts.occurred_at is None:
        violations.append(RuleViolation(rule, _("Give the date and time (hours and minutes)."), "occurred_at"))
    elif facts.occurred_at.date() != facts.testing_on:
        violations.append(RuleViolation(rule, _("An act is drawn up on the testing day, %(date)s.")
                                        % {"date": facts.testing_on.strftime("%d.%m.%Y")}, "occurred_at"))
    elif facts.occurred_at > facts.now:
        violations.append(RuleViolation(rule, _("The time of the act is in the future."), "occurred_at"))
    in_room = facts.kind == ACT_FORBIDDEN_ITEMS or facts.stage == STAGE_TESTING
    if facts.kind == ACT_OUTSIDER and facts.stage not in (STAGE_ENTRY, STAGE_TESTING):
        violations.append(RuleViolation(rule, _("Say whether it was at the entrance or during the testing."), "stage"))
    if in_room and not facts.room.strip():
        violations.append(RuleViolation(rule, _("Give the room number."), "room"))
    if facts.kind == ACT_FORBIDDEN_ITEMS:
        if facts.seat is None or facts.seat < 1:
            violations.append(RuleViolation(rule, _("Give the seat number."), "seat"))
        if not facts.variant.strip():
            violations.append(RuleViolation(rule, _("Give the test variant number."), "variant"))
        if not facts.items:
            violations.append(RuleViolation(rule, _("List the items found: name, make and number."), "items"))
        for index, item in enumerate(facts.items):
            count = item.get("count")
            if not str(item.get("item", "")).strip() or not isinstance(count, int) or count < 1:
                violations.append(RuleViolation(rule, _("Item %(n)s: give its name and a number of at least 1.")
                                                % {"n": index + 1}, "items"))
    elif not facts.outsider_name.strip():
        violations.append(RuleViolation(rule, _("Give the outsider's full name."), "outsider_name"))
    if not facts.testee_signed_name.strip():
        violations.append(RuleViolation(rule, _("Give the full name of the person who signs as the testee."),
                                        "testee_signed_name"))
    if not facts.representative_signed_name.strip():
        violations.append(RuleViolation(rule, _("Give the representative's full name under the signature."),
                                        "representative_signed_name"))
    if not facts.signed:
        violations.append(RuleViolation(rule, _("Both signatures are required: drawn on the screen, or a signed scan "
                                                "of the act."), "signatures"))
    return violations


# --- Results (MON-20, MON-22, MON-23) -----------------------------------------------------------------------------


def score_check(*, score: Decimal | None, maximum: Decimal | None) -> list[RuleViolation]:
    """MON-22: a result from the testing centre is a score from 0 to its maximum, the maximum above 0."""
    violations = []
    if maximum is None or maximum <= 0:
        violations.append(RuleViolation("MON-22", _("The maximum is a number above 0."), "maximum"))
    if score is None or score < 0:
        violations.append(RuleViolation("MON-22", _("The score is a number from 0."), "score"))
    elif maximum is not None and maximum > 0 and score > maximum:
        violations.append(RuleViolation("MON-22", _("The score %(score)s is above the maximum %(maximum)s.")
                                        % {"score": score, "maximum": maximum}, "score"))
    return violations


DISTRIBUTION_BINS = 10  # the score distribution: tenths of the maximum, [0, 10%), …, [90%, 100%]


def distribution_bin(*, score: Decimal, maximum: Decimal) -> int:
    """The tenth of the maximum a score falls in (0…9; the maximum itself in the last)."""
    return min(int(score * DISTRIBUTION_BINS // maximum), DISTRIBUTION_BINS - 1)


# --- The draw (MON-10, OQ-25) --------------------------------------------------------------------------------------


def contingent_band(students: int) -> str:
    """MON-10's "student contingent" as a band of the college's number of students (CONTINGENT_BANDS)."""
    for name, upper in CONTINGENT_BANDS:
        if upper is None or students < upper:
            return name
    raise AssertionError("unreachable")


def stratum_key(*, region: str, territory: str, kind: str, language: str, band: str) -> str:
    """OQ-25: the stratum of a college: region × territory × kind × language of instruction × contingent band (the
    school-type parameter of 002 §14 does not apply to colleges)."""
    return "/".join([region, territory, kind, language, band])


def sha256_hex(seed: str, name: str) -> str:
    """sha256(seed + ":" + name) in lowercase hex: the order within a stratum (name = the college's code) and the
    tie-break between strata (name = the stratum)."""
    return hashlib.sha256(f"{seed}:{name}".encode()).hexdigest()


def round_half_up(value: Fraction) -> int:
    return int((value + Fraction(1, 2)) // 1)


@dataclass(frozen=True)
class PoolCollege:
    code: str
    stratum: str
    took_part: tuple[int, ...] = ()


@dataclass(frozen=True)
class StratumDraw:
    key: str
    pool: int
    new: int  # colleges of the stratum that never took part
    exact: Fraction  # share × pool
    quota: int
    extra: bool  # one of the places left over by the floors went to this stratum
    tiebreak: str  # sha256(seed:stratum)
    selected: tuple[str, ...]


@dataclass(frozen=True)
class CollegeDraw:
    code: str
    stratum: str
    took_part: tuple[int, ...]
    sha256: str
    rank: int  # 1-based position in its stratum's order
    selected: bool
    reason: str  # one of REASONS


# Why a college is in or out.
DRAWN = "drawn"  # within its stratum's quota
DRAWN_AGAIN = "drawn_again"  # took part before; drawn because its stratum's new colleges were exhausted
BEYOND_QUOTA = "beyond_quota"  # after its stratum's quota
TOOK_PART_EARLIER = "took_part_earlier"  # took part before; its stratum had enough new colleges
REASONS = (DRAWN, DRAWN_AGAIN, BEYOND_QUOTA, TOOK_PART_EARLIER)


@dataclass(frozen=True)
class Draw:
    seed: str
    share: Fraction
    total: int
    strata: tuple[StratumDraw, ...]  # by key
    colleges: tuple[CollegeDraw, ...]  # by stratum, then rank

    @property
    def selected(self) -> tuple[str, ...]:
        return tuple(sorted(c.code for c in self.colleges if c.selected))


def stratum_quotas(sizes: dict[str, int], *, seed: str, share: Fraction = SHARE) -> dict[str, tuple[int, bool]]:
    """Largest remainder: each stratum ⌊share × n⌋ places, the places left to reach ⌊share × N + ½⌋ one each to the
    largest remainders, ties by ascending sha256(seed:stratum). → {stratum: (quota, got a place left over)}."""
    total = round_half_up(share * sum(sizes.values()))
    floors = {key: int(share * n // 1) for key, n in sizes.items()}
    left = total - sum(floors.values())
    by_remainder = sorted(sizes, key=lambda key: (-(share * sizes[key] - floors[key]), sha256_hex(seed, key)))
    extra = set(by_remainder[:left])
    return {key: (floors[key] + (key in extra), key in extra) for key in sizes}


def draw(pool: Sequence[PoolCollege], *, seed: str, share: Fraction = SHARE) -> Draw:
    """MON-10 / OQ-25: the stratified draw of the module docstring. Pure and deterministic: the same pool (in any
    order) and seed give the same draw."""
    codes = [college.code for college in pool]
    if len(set(codes)) != len(codes):
        raise ValueError("a college appears twice in the pool")
    members: dict[str, list[PoolCollege]] = defaultdict(list)
    for college in pool:
        members[college.stratum].append(college)
    quotas = stratum_quotas({key: len(group) for key, group in members.items()}, seed=seed, share=share)
    strata, colleges = [], []
    for key in sorted(members):
        ordered = sorted(members[key], key=lambda c: (bool(c.took_part), sha256_hex(seed, c.code), c.code))
        quota, extra = quotas[key]
        new = sum(1 for c in ordered if not c.took_part)
        selected = []
        for rank, college in enumerate(ordered, start=1):
            chosen = rank <= quota
            if chosen:
                reason = DRAWN_AGAIN if college.took_part else DRAWN
                selected.append(college.code)
            else:
                reason = TOOK_PART_EARLIER if college.took_part and new >= quota else BEYOND_QUOTA
            colleges.append(CollegeDraw(college.code, key, tuple(sorted(college.took_part)),
                                        sha256_hex(seed, college.code), rank, chosen, reason))
        strata.append(StratumDraw(key, len(ordered), new, share * len(ordered), quota, extra, sha256_hex(seed, key),
                                  tuple(selected)))
    return Draw(seed, share, sum(s.quota for s in strata), tuple(strata), tuple(colleges))


def seed_check(seed: str) -> RuleViolation | None:
    """MON-10: the seed is published before the draw: some printable text, short enough to print."""
    if not seed or not seed.strip() or len(seed) > 200 or not seed.isprintable() or seed != seed.strip():
        return RuleViolation("MON-10", _("The seed is printable text of 1 to 200 characters, without spaces at the "
                                         "ends."), "seed")
    return None


# --- Publication of aggregates (MON-21, MON-24) -----------------------------------------------------------------

# No group of fewer people is shown outside the authorities: the public page's results (MON-24) and every view of
# the anonymous survey (MON-21). A design default: the seeds ask for publication and anonymity, not for a number.
MIN_GROUP = 5


def suppressed_groups(counts: Sequence[int], *, minimum: int = MIN_GROUP) -> list[bool]:
    """MON-21, MON-24: which groups of a table to hide, when the table's total is shown beside them. A group of 1 to
    minimum − 1 people is hidden (primary suppression); and while the hidden groups are a single group, or hold
    fewer than ``minimum`` people together, the smallest group still shown is hidden too (secondary suppression),
    so that no hidden group can be recovered by subtracting the shown ones from the total. An empty group hides
    nothing and is shown."""
    hidden = [0 < count < minimum for count in counts]

    def exposed() -> bool:
        chosen = [count for count, hide in zip(counts, hidden, strict=True) if hide]
        return bool(chosen) and (len(chosen) == 1 or sum(chosen) < minimum)

    while exposed():
        shown = [(count, index) for index, (count, hide) in enumerate(zip(counts, hidden, strict=True))
                 if not hide and count > 0]
        if not shown:
            break
        hidden[min(shown)[1]] = True
    return hidden
