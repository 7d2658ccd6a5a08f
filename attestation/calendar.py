"""Kazakhstan's working-day calendar: public holidays, observed and transferred days off and weekend
workdays from the `holidays` package, corrected by operator overrides (CalendarOverride).

Rules that count "working days" (APP-01, APP-04, SCH-05, DIST-09, PRO-03, MON-23) use this; rules
that count calendar days, weeks or months use plain dates (RULES.md §2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.core.cache import cache
from django.utils.translation import get_language, gettext, gettext_noop
from holidays.countries import Kazakhstan

from .cache import cache_is_shared
from .models import CalendarOverride

# Names the `holidays` package gives in English, marked here so that the catalogues translate them.
HOLIDAY_NAMES = [
    gettext_noop("New Year's Day"),
    gettext_noop("Orthodox Christmas"),
    gettext_noop("International Women's Day"),
    gettext_noop("Nowruz Holiday"),
    gettext_noop("Kazakhstan's People Solidarity Holiday"),
    gettext_noop("Defender of the Fatherland Day"),
    gettext_noop("Victory Day"),
    gettext_noop("Capital Day"),
    gettext_noop("Eid al-Adha"),
    gettext_noop("Eid al-Adha (estimated)"),
    gettext_noop("Constitution Day"),
    gettext_noop("Republic Day"),
    gettext_noop("Independence Day"),
    gettext_noop("Day off"),
]
_OBSERVED = re.compile(r"^(?P<name>.+) \(observed\)$")
_SUBSTITUTED = re.compile(r"^Day off \(substituted from (?P<when>[0-9/]+)\)$")


class _KazakhstanHolidays(Kazakhstan):
    """holidays.KZ whose working-day answers honour the overrides first."""

    def __init__(self, overrides: dict[date, bool], **kwargs) -> None:
        self.overrides = overrides
        super().__init__(**kwargs)

    def is_working_day(self, key) -> bool:
        day = self.__keytransform__(key)
        if day in self.overrides:
            return self.overrides[day]
        return super().is_working_day(day)


@dataclass(frozen=True)
class CalendarDay:
    date: date
    is_working_day: bool
    name: str


class WorkingCalendar:
    def __init__(self, overrides: dict[date, bool] | None = None, notes: dict[date, str] | None = None) -> None:
        self.overrides = dict(overrides or {})
        self.notes = dict(notes or {})
        self._english = _KazakhstanHolidays(self.overrides)
        self._kazakh = holidays.KZ(language="kk")

    def is_working_day(self, day: date) -> bool:
        return self._english.is_working_day(day)

    def add_working_days(self, day: date, count: int) -> date:
        """The date ``count`` working days after ``day`` (the start day is not counted; RULES.md §2)."""
        return self._english.get_nth_working_day(day, count)

    def subtract_working_days(self, day: date, count: int) -> date:
        return self._english.get_nth_working_day(day, -count)

    def next_working_day(self, day: date) -> date:
        return self.add_working_days(day, 1)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in the closed interval [start, end]."""
        if end < start:
            return 0
        return self._english.get_working_days_count(start, end)

    def day(self, day: date, language: str | None = None) -> CalendarDay:
        return CalendarDay(day, self.is_working_day(day), self.day_name(day, language))

    def days(self, start: date, end: date, language: str | None = None) -> list[CalendarDay]:
        return [self.day(start + timedelta(n), language) for n in range((end - start).days + 1)]

    def day_name(self, day: date, language: str | None = None) -> str:
        """Why a day is special, in the given language: a holiday name, an override note, or ''."""
        if day in self.notes and self.notes[day]:
            return self.notes[day]
        language = (language or get_language() or "kk")[:2]
        if day in self._english.weekend_workdays and day.weekday() >= 5:
            return gettext("Working day moved to a weekend")
        english = self._english.get(day, "")
        if not english:
            return ""
        if language == "kk":
            return self._kazakh.get(day, english)
        return _translate_holiday_name(english)

    @staticmethod
    def end_of_day(day: date, tz_name: str) -> datetime:
        """OQ-27: a deadline falling on ``day`` ends at 23:59:59 local time of the college."""
        return datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(tz_name))


def _translate_holiday_name(english: str) -> str:
    translated = []
    for name in (part.strip() for part in english.split(";")):
        if match := _OBSERVED.match(name):
            translated.append(gettext("%(name)s (moved day off)") % {"name": gettext(match["name"])})
        elif match := _SUBSTITUTED.match(name):
            translated.append(gettext("Day off (moved from %(date)s)") % {"date": match["when"]})
        else:
            translated.append(gettext(name))
    return "; ".join(translated)


@lru_cache(maxsize=16)
def _calendar_of(overrides: tuple[tuple[date, bool, str], ...]) -> WorkingCalendar:
    return WorkingCalendar({d: w for d, w, _n in overrides}, {d: n for d, _w, n in overrides})


def working_calendar() -> WorkingCalendar:
    """The calendar with the operator's overrides as they are now. The calendar object (whose holiday tables
    are filled lazily, year by year) is reused for as long as the overrides stay the same: pages that show a
    deadline (appeals, schedules) no longer rebuild Kazakhstan's holidays on every request."""
    return _calendar_of(calendar_overrides())


OVERRIDES_CACHE_KEY = "calendar:overrides:v1"


def calendar_overrides() -> tuple[tuple[date, bool, str], ...]:
    """The operator's overrides (date, working day, note). Kept in the shared cache until one changes
    (attestation.signals): every page with a deadline read them. Without one they are read each time."""
    shared = cache_is_shared()
    overrides = cache.get(OVERRIDES_CACHE_KEY) if shared else None
    if overrides is None:
        overrides = tuple(CalendarOverride.objects.order_by("date").values_list("date", "is_working_day", "note"))
        if shared:
            cache.set(OVERRIDES_CACHE_KEY, overrides, None)
    return overrides


def calendar_overrides_forget() -> None:
    cache.delete(OVERRIDES_CACHE_KEY)
