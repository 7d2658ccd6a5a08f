"""Forms of the commissions pages: they check the shape of input; the services apply the rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from attestation.forms import BootstrapMixin
from attestation.models import Campaign, College, Discipline, Student

from .models import (
    AttestationPolicy,
    Commission,
    CommissionMember,
    DiplomaWork,
    Exam,
    ForceMajeureDecision,
    ProtocolResult,
    ReAdmission,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def aware(college: College, day, time) -> datetime:
    return datetime.combine(day, time, tzinfo=ZoneInfo(college.timezone))


class CommissionForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Commission.Kind.choices)
    campaign = forms.ModelChoiceField(label=_("Campaign"), queryset=Campaign.objects.none(), required=False)
    name = forms.CharField(label=_("Name"), max_length=255, required=False)
    order_number = forms.CharField(label=_("Order number"), max_length=50, required=False)
    order_date = forms.DateField(label=_("Order date"), required=False, widget=DATE)

    def __init__(self, *args, college: College, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campaign"].queryset = Campaign.objects.filter(college=college).order_by("-starts_on")


class MemberForm(BootstrapMixin, forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=255)
    role = forms.ChoiceField(label=_("Role"), choices=CommissionMember.Role.choices)
    affiliation = forms.ChoiceField(label=_("Affiliation"), choices=CommissionMember.Affiliation.choices)
    organization = forms.CharField(label=_("Organisation"), max_length=255, required=False)
    position = forms.CharField(label=_("Position"), max_length=255, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    user = forms.CharField(label=_("Portal account (login)"), max_length=150, required=False,
                           help_text=_("Members with an account sign protocols in the portal."))


class ExamForm(BootstrapMixin, forms.Form):
    commission = forms.ModelChoiceField(label=_("Commission"), queryset=Commission.objects.none())
    form = forms.ChoiceField(label=_("Form"), choices=Exam.Form.choices)
    mode = forms.ChoiceField(label=_("Mode"), choices=Exam.Mode.choices)
    discipline = forms.ModelChoiceField(label=_("Final attestation component (none for a defence)"),
                                        queryset=Discipline.objects.none(), required=False)
    title = forms.CharField(label=_("Title"), max_length=255, required=False)
    day = forms.DateField(label=_("Date"), widget=DATE)
    starts = forms.TimeField(label=_("Starts at"), widget=TIME)
    ends = forms.TimeField(label=_("Ends at"), widget=TIME)
    room = forms.CharField(label=_("Room or link"), max_length=255, required=False)
    preparation_minutes = forms.IntegerField(label=_("Preparation time, minutes (oral exams)"), min_value=0,
                                             max_value=240, required=False)
    deliberation_minutes = forms.IntegerField(label=_("Deliberation, minutes"), min_value=0, max_value=240,
                                              initial=0, required=False)
    ticket_count = forms.IntegerField(label=_("Number of tickets"), min_value=1, max_value=500, required=False)
    medical_agreement_ref = forms.CharField(label=_("Agreement with the accredited organisation (medical programs)"),
                                            max_length=255, required=False)
    is_resit = forms.BooleanField(label=_("Re-sitting session (valid absence, technical failure)"), required=False)
    students = forms.ModelMultipleChoiceField(label=_("Students"), queryset=Student.objects.none(),
                                              widget=forms.CheckboxSelectMultiple, required=False)
    first_slot = forms.TimeField(label=_("First slot at"), widget=TIME)
    slot_minutes = forms.IntegerField(label=_("Minutes per student (answer or defence)"), min_value=1, max_value=600)
    report_minutes = forms.IntegerField(label=_("Report, minutes (defence)"), min_value=1, max_value=60,
                                        required=False)
    simultaneous = forms.BooleanField(label=_("All students at once (written exam, testing)"), required=False)

    def __init__(self, *args, college: College, campaign: Campaign, students_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.college = college
        self.fields["commission"].queryset = Commission.objects.filter(college=college, campaign=campaign,
                                                                       kind=Commission.Kind.FINAL)
        programs = students_qs.values("group__program_id")
        self.fields["discipline"].queryset = Discipline.objects.filter(college=college, program_id__in=programs,
                                                                       is_final_attestation=True)
        self.fields["students"].queryset = students_qs
        self.fields["students"].label_from_instance = lambda s: f"{s.full_name} ({s.group.name})"
        self.fields["students"].widget.attrs["class"] = "form-check-input"

    def slot_times(self) -> list[tuple[Student, datetime]]:
        data = self.cleaned_data
        first = aware(self.college, data["day"], data["first_slot"])
        step = timedelta(0) if data.get("simultaneous") else timedelta(minutes=data["slot_minutes"])
        return [(student, first + index * step) for index, student in enumerate(data.get("students") or [])]


class DiplomaWorkForm(BootstrapMixin, forms.Form):
    student = forms.ModelChoiceField(label=_("Student"), queryset=Student.objects.none())
    topic = forms.CharField(label=_("Topic"), max_length=500)
    kind = forms.ChoiceField(label=_("Kind"), choices=DiplomaWork.Kind.choices)
    supervisor = forms.CharField(label=_("Supervisor"), max_length=255, required=False)
    file = forms.FileField(label=_("The work (PDF, DOCX, ODT)"), required=False)
    review = forms.FileField(label=_("Review (PDF, JPEG, PNG, DOCX)"), required=False)
    presentation = forms.FileField(label=_("Presentation (PDF, PPTX, ODP)"), required=False)

    def __init__(self, *args, students_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = students_qs
        self.fields["student"].label_from_instance = lambda s: f"{s.full_name} ({s.group.name})"


class TechFailureForm(BootstrapMixin, forms.Form):
    occurred_at = forms.DateTimeField(label=_("Time of the failure"), widget=DATETIME,
                                      input_formats=["%Y-%m-%dT%H:%M"])
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}))


class SlotForm(BootstrapMixin, forms.Form):
    exam = forms.ModelChoiceField(label=_("Session"), queryset=Exam.objects.none())
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=600)
    report_minutes = forms.IntegerField(label=_("Report, minutes (defence)"), min_value=1, max_value=60,
                                        required=False)

    def __init__(self, *args, exams_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exam"].queryset = exams_qs


class DeriveForm(BootstrapMixin, forms.Form):
    decision = forms.ModelChoiceField(label=_("Force majeure decision"), queryset=ForceMajeureDecision.objects.none())
    percent = forms.DecimalField(label=_("Percent (defence: the commission's assessment of the submitted work)"),
                                 required=False, max_digits=6, decimal_places=2)

    def __init__(self, *args, decisions_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].queryset = decisions_qs


class AmendForm(BootstrapMixin, forms.Form):
    field = forms.ChoiceField(label=_("What is corrected"), choices=[("percent", _("percent")),
                                                                      ("questions", _("questions asked")),
                                                                      ("notes", _("notes"))])
    value = forms.CharField(label=_("New value"), widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label=_("Reason of the correction"), widget=forms.Textarea(attrs={"rows": 3}))


class RowAmendForm(AmendForm):
    """An amendment of one row of a closed protocol (the row chosen from the protocol's students)."""

    result = forms.ModelChoiceField(label=_("Student"), queryset=ProtocolResult.objects.none())
    field_order = ["result", "field", "value", "reason"]

    def __init__(self, *args, results_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].queryset = results_qs
        self.fields["result"].label_from_instance = lambda r: r.student.full_name
        self.order_fields(self.field_order)


class ProcedureForm(BootstrapMixin, forms.Form):
    procedure = forms.CharField(label=_("procedure of the distance exam or defence"),
                                widget=forms.Textarea(attrs={"rows": 6}))


class ReadmissionForm(BootstrapMixin, forms.Form):
    reason = forms.ChoiceField(label=_("Reason of the absence"), choices=ReAdmission.Reason.choices)
    application = forms.CharField(label=_("Application (free form)"), widget=forms.Textarea(attrs={"rows": 5}))
    document = forms.FileField(label=_("Supporting document (PDF, JPEG or PNG, up to 10 MB)"))


class ReadmissionDecisionForm(BootstrapMixin, forms.Form):
    approve = forms.TypedChoiceField(label=_("Decision of the commission"), coerce=lambda v: v == "yes",
                                     choices=[("yes", _("re-admit")), ("no", _("reject"))],
                                     widget=forms.RadioSelect)
    note = forms.CharField(label=_("Decision (text)"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    exam = forms.ModelChoiceField(label=_("New session"), queryset=Exam.objects.none(), required=False)
    starts_at = forms.DateTimeField(label=_("New slot starts at"), widget=DATETIME, required=False,
                                    input_formats=["%Y-%m-%dT%H:%M"])
    minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=600, required=False)

    def __init__(self, *args, exams_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exam"].queryset = exams_qs
        self.fields["approve"].widget.attrs["class"] = "form-check-input"


class DecisionForm(BootstrapMixin, forms.Form):
    commission = forms.ModelChoiceField(label=_("Commission"), queryset=Commission.objects.none())
    trigger = forms.ChoiceField(label=_("Circumstance"), choices=ForceMajeureDecision.Trigger.choices)
    authority_decision_ref = forms.CharField(label=_("Decision of the authorities (number, issuer)"), max_length=255)
    authority_decision_date = forms.DateField(label=_("Date of the authorities' decision"), widget=DATE)
    authority_document = forms.FileField(label=_("Copy of the authorities' decision (PDF, JPEG, PNG)"),
                                         required=False)
    decision_ref = forms.CharField(label=_("Commission's decision (protocol number)"), max_length=100)
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE)
    changes_form = forms.BooleanField(label=_("Changes the form of attestation"), required=False)
    new_form = forms.ChoiceField(label=_("New form"), choices=[("", "—"), *Exam.Form.choices], required=False)
    new_mode = forms.ChoiceField(label=_("New mode"), choices=[("", "—"), *Exam.Mode.choices], required=False)
    derives_results = forms.BooleanField(label=_("Determines results from current and intermediate grades"),
                                         required=False)
    description = forms.CharField(label=_("Reasons and content of the decision"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, college: College, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commission"].queryset = Commission.objects.filter(college=college, kind=Commission.Kind.FINAL,
                                                                       status=Commission.Status.APPROVED)


class ApplyDecisionForm(BootstrapMixin, forms.Form):
    exam = forms.ModelChoiceField(label=_("Session whose form changes"), queryset=Exam.objects.none())

    def __init__(self, *args, exams_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exam"].queryset = exams_qs


class PolicyForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = AttestationPolicy
        fields = ["late_commission_order", "late_schedule", "late_diploma_work", "warn_secretary_in_ratio",
                  "online_profile", "academic_year_end_month", "academic_year_end_day"]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=[("kk", "kk"), ("ru", "ru"), ("en", "en")], required=False)
