"""Escaping for the few tables that views build as HTML strings (the rows of the busiest pages)."""

from html import escape


def escape_text(value: object) -> str:
    """``value`` as escaped HTML text, as ``django.utils.html.escape`` gives it (the same ``html.escape`` of its
    ``str``) without that function's lazy-string wrapper, which cost more than the escaping itself on pages that
    escape a few hundred cells (bench/pages.py, bench/commissions_protocol_page.py)."""
    return escape(str(value))
