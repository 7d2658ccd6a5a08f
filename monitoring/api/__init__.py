"""REST API of the monitoring (API.md ``/api/v1/monitoring/…``), one module per subject: ``rounds`` (rounds, pool,
seed, draw, state changes) and ``colleges`` (selected colleges, participants, seating, representatives, acts,
results, documents)."""
