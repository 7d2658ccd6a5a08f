"""Pages of the commissions app: commissions with members and approval, the schedule with publication, the
secretary's protocol page (rows saved as typed with htmx, version conflicts shown), signing and closing, and the
student's "my attestation". Thin: selectors read, services write, refusals are shown with their rule ids.

One module per subject, as the services; ``page_urls`` maps the addresses to them.
"""
