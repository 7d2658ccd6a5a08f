"""Forms of the grading pages: shape of the input only; the rules live in grading.rules and the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField

from attestation.forms import BootstrapMixin
from attestation.models import College, Student

from .models import IndividualAttestation


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class AdmissionOrderForm(BootstrapMixin, forms.Form):
    order_number = forms.CharField(label=_("Order number"), max_length=50)
    order_date = forms.DateField(label=_("Order date"), widget=DateInput())


class HonoursConfirmForm(BootstrapMixin, forms.Form):
    protocol_reference = forms.CharField(label=_("Protocol of the commission"), max_length=100,
                                         help_text=_("Number and date of the protocol that decided."))
    awarded = forms.TypedChoiceField(label=_("Decision of the commission"), coerce=lambda v: v == "1",
                                     choices=[("1", _("award the honours diploma")),
                                              ("0", _("do not award (decline the proposal)"))], initial="1")


class IndividualAttestationForm(BootstrapMixin, forms.ModelForm):
    student = SafeModelChoiceField(queryset=Student.objects.none(), label=_("Student"))

    class Meta:
        model = IndividualAttestation
        fields = ["student", "kind", "reason", "planned_on", "document", "order_number", "order_date", "note"]
        widgets = {"planned_on": DateInput(), "order_date": DateInput(), "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, college: College, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].queryset = (Student.objects.filter(college=college).select_related("group")
                                           .order_by("full_name"))
        self.fields["student"].label_from_instance = lambda s: f"{s.full_name} ({s.group.name})"


class DecisionLanguageForm(forms.Form):
    language = forms.ChoiceField(choices=[("kk", "kk"), ("ru", "ru"), ("en", "en")], required=False)
