"""Rules of the registry as pure functions: plain values in, a value or a RuleViolation out.

Regulation rules cite their id from RULES.md; checks that are not in the regulation (the IIN
checksum is an official format, not an attestation rule) carry ``rule=None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RuleViolation:
    """One broken rule: the id from RULES.md (or None), a translated message, the field it is about."""

    rule: str | None
    message: str
    field: str | None = None


class RulesBroken(Exception):
    """A service refuses an action because regulation rules are broken (HTTP 422)."""

    def __init__(self, violations: Iterable[RuleViolation], detail: str | None = None) -> None:
        self.violations = list(violations)
        self.detail = detail or str(_("The action breaks the rules of attestation."))
        super().__init__(self.detail)


IIN_LENGTH = 12
_IIN_WEIGHTS_FIRST = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_IIN_WEIGHTS_SECOND = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def iin_control_digit(first_eleven: str) -> int | None:
    """The 12th digit of an IIN computed from the first eleven, or None when no valid IIN has them.

    The official algorithm: weighted sum mod 11 with weights 1..11; if that gives 10, again with
    weights 3..11,1,2; if that gives 10 as well, the number is never issued.
    """
    digits = [int(ch) for ch in first_eleven]
    total = sum(d * w for d, w in zip(digits, _IIN_WEIGHTS_FIRST, strict=True)) % 11
    if total == 10:
        total = sum(d * w for d, w in zip(digits, _IIN_WEIGHTS_SECOND, strict=True)) % 11
        if total == 10:
            return None
    return total


def iin_check(value: str) -> RuleViolation | None:
    """None when ``value`` is a well-formed IIN (12 digits, valid control digit), else why not."""
    iin = (value or "").strip()
    if len(iin) != IIN_LENGTH or not iin.isascii() or not iin.isdigit():
        return RuleViolation(None, str(_("An IIN is exactly 12 digits.")), "iin")
    expected = iin_control_digit(iin[:11])
    if expected is None or expected != int(iin[11]):
        return RuleViolation(
            None, str(_("This IIN is not valid: its control digit does not match.")), "iin"
        )
    return None
