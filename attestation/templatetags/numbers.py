"""``{% load numbers %}``: ``{{ value|number }}`` prints a number as people read it in the page's language
(attestation.formatting.number_text): ``70``, ``94,5`` in kk/ru, ``94.5`` in en, never ``7E+1``.
``{{ value|number:1 }}`` rounds to at most one decimal; ``{{ gpa|number_fixed:2 }}`` keeps exactly two (``3,50``);
``{{ value|date_text }}`` prints a date (or an ISO date string) as ``dd.mm.yyyy``."""

from django import template

from attestation.formatting import date_text as _date_text
from attestation.formatting import number_text

register = template.Library()


@register.filter
def number(value, places=None):
    return number_text(value, None if places in (None, "") else int(places))


@register.filter
def number_fixed(value, places=2):
    return number_text(value, int(places), fixed=True)


@register.filter
def date_text(value):
    return _date_text(value)
