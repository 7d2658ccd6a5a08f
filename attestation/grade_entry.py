"""The domain's checks on a grade entered in the registry, reached through one registered hook.

A grade reaches the transcript by the registry's API and pages, by an import, or by a closed protocol. Beyond the
registry's own checks (GRD-01, GEN-06, one entry per attempt), the rules of attestation apply to it: no new attempt
after a positive final attestation grade (RET-03), no early grade without an individual attestation (EAR-01 …
EAR-03). Those rules live in the grading app, which builds on this one; it registers them here in its
``AppConfig.ready``, so the registry calls them without importing a domain app. Without a registration (the
registry on its own) only the registry's own checks apply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GradeEntryChecks:
    """``check(*, college, student, discipline, attempt, attempt_reason, held_on, entry=None, letter="",
    context=None)`` raises attestation.rules.RulesBroken citing the rule; ``context(*, college)`` loads once what
    ``check`` needs for a whole import, so that the per-row check costs no query."""

    check: Callable[..., None]
    context: Callable[..., Any]


_registered: list[GradeEntryChecks] = []


def grade_entry_checks_register(checks: GradeEntryChecks) -> None:
    """Register the domain's checks (once: a second, different registration is a programming error)."""
    if _registered and _registered[0] != checks:
        raise RuntimeError("grade entry checks are already registered")
    _registered[:] = [checks]


def grade_entry_check(**kwargs: Any) -> None:
    """The registered checks on one grade (the keyword arguments of ``GradeEntryChecks.check``)."""
    if _registered:
        _registered[0].check(**kwargs)


def grade_entry_context(*, college) -> Any:
    """What the registered checks need for every student of the college, loaded once (an import); None without."""
    return _registered[0].context(college=college) if _registered else None
