"""Writes of the monitoring, one module per subject (as pretix's ``services/``):

* ``rounds``: a round, its frozen pool, the published seed, the draw's versions, the notice and the state machine
  (MON-05 … MON-11);
* ``participants``: the participants of each selected college, excusals, seating (MON-08, MON-14);
* ``acts``: representatives and their violation acts (MON-13, MON-16, MON-17);
* ``results``: the streamed, all-or-nothing results import and the summary rows analytics read (MON-20 … MON-23).
"""

from __future__ import annotations

from attestation.rules import RuleViolation


class MonitoringConflict(Exception):
    """A write that lost to another one or to the state of things (HTTP 409), with the rule it names."""

    def __init__(self, rule: str | None, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.violation = RuleViolation(rule, message, field)
