"""REST API of commissions, the schedule, diploma works, sessions and protocols (API.md: ``commissions``,
``commissions/{id}/members``, ``commissions/{id}/approve``, ``diploma-works``, ``exams``, ``exams/{id}/protocol``
with ``sign`` and ``close``; extended with schedules, slots, re-admissions and force majeure decisions).

Views are thin: serializers check the shape of input, services apply the rules and write. Field names of the
contract are kept; everything else is an addition.

One module per subject, as the services: ``composition``, ``diploma_works``, ``schedule`` (sessions, schedules,
slots), ``protocols`` (the session's protocol, its actions mixed into the sessions' view set), ``readmission``,
``force_majeure``; ``base`` holds what they share. ``api_urls`` registers their view sets.
"""
