"""Forms of the monitoring's pages. They check the shape of input; the services apply the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from attestation.models import User, region_choices

from .models import Act, CancelBasis, Cohort, ExcusalReason, Respondent

ACCEPT_SCANS = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


def _control(widget: forms.Widget) -> forms.Widget:
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
        css = "form-check-input"
    widget.attrs.setdefault("class", css)
    return widget


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _control(field.widget)


class RoundForm(StyledForm):
    year = forms.IntegerField(label=_("Year"), min_value=2021, max_value=2100)
    testing_on = forms.DateField(label=_("Testing date"), widget=forms.DateInput(attrs={"type": "date"}),
                                 help_text=_("Colleges are tested in November (MON-07)."))
    cohorts = forms.MultipleChoiceField(label=_("Cohorts"), choices=Cohort.choices,
                                        widget=forms.CheckboxSelectMultiple,
                                        help_text=_("By the program's year of study (MON-05)."))


class SeedForm(StyledForm):
    seed = forms.CharField(label=_("Seed"), required=False, max_length=200,
                           help_text=_("Published before the draw. Leave empty for 128 random bits; or use numbers "
                                       "everyone can see, such as a lottery draw of the day."))


class CancelForm(StyledForm):
    basis = forms.ChoiceField(label=_("Basis of the decision"), choices=CancelBasis.choices,
                              widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason and the decision's reference"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 3}))


class EmergencyForm(CancelForm):
    region = forms.ChoiceField(label=_("Territory (region)"), choices=())
    colleges = forms.MultipleChoiceField(label=_("Only these colleges"), required=False, choices=(),
                                         widget=forms.CheckboxSelectMultiple,
                                         help_text=_("All selected colleges of the region when none is ticked."))

    def __init__(self, *args, colleges=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = [("", "—")] + list(region_choices())
        self.fields["colleges"].choices = [(str(rc.college_id), f"{rc.college.name} ({rc.college.region_label})")
                                           for rc in colleges]


class AssignForm(StyledForm):
    user = forms.ModelChoiceField(label=_("Representative"), queryset=User.objects.none())
    college = forms.ChoiceField(label=_("College"), choices=())

    def __init__(self, *args, users=None, colleges=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users if users is not None else User.objects.none()
        self.fields["user"].label_from_instance = lambda u: f"{u.display_name} ({u.username})"
        self.fields["college"].choices = [(str(rc.college_id), f"{rc.number}. {rc.college.name}")
                                          for rc in colleges if not rc.is_cancelled]


class ResultsImportForm(StyledForm):
    file = forms.FileField(label=_("Results file (CSV or XLSX)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}))


class ExcusalForm(StyledForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=ExcusalReason.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    file = forms.FileField(label=_("Supporting document (PDF, JPEG or PNG)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_SCANS}))


class SeatingForm(StyledForm):
    rooms = forms.CharField(label=_("Computer rooms"), widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("One room a line: «room: seats», e.g. «204: 25»."))


class ActForm(StyledForm):
    """Annex 1 and Annex 2 of seed 002, every field; the signatures come from the canvases (or a scan)."""

    participant = forms.ChoiceField(label=_("Testee (personal code)"), choices=())
    occurred_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    occurred_time = forms.TimeField(label=_("Time (hours and minutes)"),
                                    widget=forms.TimeInput(attrs={"type": "time", "step": 60}))
    room = forms.CharField(label=_("Room №"), required=False, max_length=32)
    seat = forms.IntegerField(label=_("Seat №"), required=False, min_value=1, max_value=9999)
    variant = forms.CharField(label=_("Test variant №"), required=False, max_length=32)
    stage = forms.ChoiceField(label=_("When"), required=False, choices=Act.Stage.choices, widget=forms.RadioSelect)
    outsider_name = forms.CharField(label=_("Outsider's full name"), required=False, max_length=255)
    drawn_up_by = forms.CharField(label=_("Also drew up the act (one full name a line)"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    testee_signed_name = forms.CharField(label=_("Full name under the testee's signature"), max_length=255)
    representative_signed_name = forms.CharField(label=_("Full name under the representative's signature"),
                                                 max_length=255)
    testee_signature = forms.CharField(required=False, widget=forms.HiddenInput)
    representative_signature = forms.CharField(required=False, widget=forms.HiddenInput)
    signed_scan = forms.FileField(label=_("Or a scan of the signed paper act"), required=False,
                                  widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_SCANS}))

    ITEM_ROWS = 5

    def __init__(self, *args, participants=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participant"].choices = [("", "—")] + [
            (str(p.pk), f"{p.code} · {p.full_name}" + (f" · {p.room}/{p.seat}" if p.seat else ""))
            for p in participants]
        for index in range(self.ITEM_ROWS):
            self.fields[f"item_{index}"] = forms.CharField(label=_("Item"), required=False, max_length=200)
            self.fields[f"make_{index}"] = forms.CharField(label=_("Make"), required=False, max_length=200)
            self.fields[f"count_{index}"] = forms.IntegerField(label=_("Number"), required=False, min_value=1,
                                                               max_value=999)
            for name in (f"item_{index}", f"make_{index}", f"count_{index}"):
                _control(self.fields[name].widget)

    def items(self) -> list[dict]:
        rows = []
        for index in range(self.ITEM_ROWS):
            item = (self.cleaned_data.get(f"item_{index}") or "").strip()
            make = (self.cleaned_data.get(f"make_{index}") or "").strip()
            count = self.cleaned_data.get(f"count_{index}")
            if item or make or count:
                rows.append({"item": item, "make": make, "count": count})
        return rows

    def item_rows(self) -> list[tuple]:
        return [(self[f"item_{i}"], self[f"make_{i}"], self[f"count_{i}"]) for i in range(self.ITEM_ROWS)]


class SurveyIssueForm(StyledForm):
    """MON-21: a list of invitations for a room, a group or the teachers of a college."""

    college = forms.ChoiceField(label=_("College"), choices=())
    respondent = forms.ChoiceField(label=_("Who answers"), choices=Respondent.choices)
    label = forms.CharField(label=_("Room or group"), max_length=64)
    size = forms.IntegerField(label=_("Number of invitations"), min_value=1, max_value=500)

    def __init__(self, *args, colleges=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if colleges is None:
            del self.fields["college"]
        else:
            self.fields["college"].choices = [(str(rc.college_id), f"{rc.number}. {rc.college.name}")
                                              for rc in colleges if not rc.is_cancelled]

    def issue_data(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("respondent", "label", "size")}


class SurveyAnswerForm(forms.Form):
    """The questionnaire: one of five answers to each question (monitoring.survey)."""

    def __init__(self, *args, respondent: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from . import survey

        choices = [(str(option), label) for option, label in survey.option_labels().items()]
        for code, text in survey.questions(respondent):
            self.fields[code] = forms.TypedChoiceField(label=text, choices=choices, coerce=int,
                                                       widget=forms.RadioSelect(attrs={"class": "form-check-input"}))
