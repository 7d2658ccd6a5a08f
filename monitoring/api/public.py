"""The monitoring's API without an account (API.md): the anonymous survey of one invitation (MON-21) and the public
results of a year (MON-24). No authentication is read, so no user, session or token is ever tied to an answer."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from attestation.errors import Conflict, error_item

from .. import analytics, rules, survey
from ..models import Round
from ..services import MonitoringConflict
from ..services import survey as survey_services
from .colleges import group_json


class SurveyView(APIView):
    """``/api/v1/monitoring/surveys/{token}/``: GET the questionnaire of an invitation, POST its one answer."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, token: str):
        invitation = survey_services.invitation_for(token)
        batch = invitation.batch
        closed = survey_services.open_check(round=batch.round, round_college=batch.round_college,
                                            today=timezone.localdate())
        return Response({
            "year": batch.round.year, "college": batch.college.name, "respondent": batch.respondent,
            "answered": invitation.used, "open": closed is None and not invitation.used,
            "closed_rule": closed.rule if closed else None, "closed_reason": closed.message if closed else None,
            "options": [{"value": value, "label": str(label)} for value, label in survey.option_labels().items()],
            "questions": [{"code": code, "text": text} for code, text in survey.questions(batch.respondent)],
        })

    @extend_schema(request=inline_serializer("SurveyAnswer", {"answers": serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5), help_text="question code → 1 … 5")}),
        responses={201: OpenApiTypes.OBJECT})
    def post(self, request, token: str):
        """MON-21: the one answer of an invitation; a second one answers 409 with the rule."""
        answers = request.data.get("answers") if isinstance(request.data, dict) else None
        try:
            survey_services.survey_answer(token=token, answers=answers if isinstance(answers, dict) else {})
        except MonitoringConflict as exc:
            v = exc.violation
            raise Conflict(_("The answer was not taken."), [error_item(v.field, v.message, v.rule)]) from exc
        return Response({"detail": _("Thank you: your answer is counted. It is not linked to you or to your "
                                     "link.")}, status=status.HTTP_201_CREATED)


class PublicResultsView(APIView):
    """``/api/v1/monitoring/public/{year}/``: aggregates of a round with results, never a group under
    rules.MIN_GROUP (a hidden group carries ``"suppressed": true`` and no figure)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, year: int):
        round = Round.objects.filter(year=year, status__in=analytics.ANALYSED).first()
        if round is None:
            raise Http404
        tables = analytics.public_tables(round)
        opinions = survey.results(None, round)
        return Response({
            "year": round.year, "testing_on": round.testing_on, "measure": "percent_of_maximum",
            "min_group": rules.MIN_GROUP,
            "total": _public(tables[0].total),
            "tables": [{"group_by": t.group_by, "groups": [_public(g) for g in t.groups]} for t in tables],
            "survey": [{"respondent": s.respondent, "questions": [code for code, _t in s.questions],
                        "groups": [_opinion(g, s) for g in [*s.groups, s.total]]} for s in opinions.sections],
        })


def _public(group: analytics.Group) -> dict:
    if group.suppressed:
        return {"key": group.key, "label": group.label, "suppressed": True}
    found = group_json(group)
    # How many colleges stand behind a group, and how many results acts annulled (a handful of people), are not the
    # public's to count.
    found.pop("colleges", None)
    found.pop("annulled", None)
    return {**found, "suppressed": False}


def _opinion(group: survey.Opinion, section: survey.Section) -> dict:
    if group.suppressed:
        return {"key": group.key, "label": group.label, "suppressed": True}
    return {"key": group.key, "label": group.label, "suppressed": False, "answers": group.answers,
            "satisfied": {code: None if group.satisfied(code) is None else round(group.satisfied(code), 1)
                          for code, _t in section.questions},
            "mean": {code: None if group.mean(code) is None else round(group.mean(code), 2)
                     for code, _t in section.questions}}
