"""Template filters of the monitoring's pages."""

from django import template

register = template.Library()


@register.filter
def satisfied(opinion, question: str):
    """The share (%) of a survey group answering 4 or 5 to a question (monitoring.survey.Opinion.satisfied)."""
    return opinion.satisfied(question)
