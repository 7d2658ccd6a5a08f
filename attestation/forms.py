from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_scopes.forms import SafeModelChoiceField

from .models import College, Discipline, Group, Program, Role, Student
from .rules import iin_check


class BootstrapMixin:
    """Bootstrap classes on every widget, so templates can render fields plainly."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class CollegeBoundForm(BootstrapMixin, forms.ModelForm):
    """A registry form whose foreign keys only offer objects of the given college."""

    college_fields: dict[str, type] = {}

    def __init__(self, *args, college: College, **kwargs):
        super().__init__(*args, **kwargs)
        self.college = college
        for name, model in self.college_fields.items():
            self.fields[name].queryset = model.objects.filter(college=college)


class ProgramForm(CollegeBoundForm):
    class Meta:
        model = Program
        fields = ["code", "name", "name_kk", "name_ru", "qualification", "qualification_kk", "qualification_ru",
                  "is_medical", "grading_system", "fa_scheme"]


class GroupForm(CollegeBoundForm):
    college_fields = {"program": Program}

    class Meta:
        model = Group
        fields = ["name", "program", "year_of_study", "study_form"]
        field_classes = {"program": SafeModelChoiceField}


class DisciplineForm(CollegeBoundForm):
    college_fields = {"program": Program}

    class Meta:
        model = Discipline
        fields = ["program", "code", "name", "name_kk", "name_ru", "kind", "credits", "hours", "semester",
                  "is_final_attestation"]
        field_classes = {"program": SafeModelChoiceField}


class StudentForm(CollegeBoundForm):
    college_fields = {"group": Group}
    username = forms.CharField(label=_("Login of the student's account"), required=False, max_length=150,
                               help_text=_("Optional. A new login creates an account; the student sets the "
                                           "password with “Forgot password”."))

    class Meta:
        model = Student
        fields = ["iin", "full_name", "group"]
        field_classes = {"group": SafeModelChoiceField}

    def clean_iin(self) -> str:
        iin = self.cleaned_data["iin"].strip()
        violation = iin_check(iin)
        if violation is not None:
            raise forms.ValidationError(violation.message)
        return iin


class ImportForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"),
                             choices=[("students", _("Students")), ("transcript", _("Transcript grades"))])
    file = forms.FileField(label=_("File (XLSX or CSV)"))


class MemberForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=_("Login"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=255, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    password = forms.CharField(label=_("Password (for a new account)"), required=False,
                               widget=forms.PasswordInput(render_value=False))
    role = forms.ChoiceField(label=_("Role"), choices=[(Role.ADMIN, Role.ADMIN.label), (Role.STAFF, Role.STAFF.label)])


class DocumentLanguageForm(BootstrapMixin, forms.Form):
    language = forms.ChoiceField(label=_("Language of the document"),
                                 choices=[("kk", "Қазақша"), ("ru", "Русский"), ("en", "English")])


class CampaignForm(BootstrapMixin, forms.Form):
    academic_year = forms.CharField(label=_("Academic year"), max_length=9, help_text=_("Like 2026-2027"))
    name = forms.CharField(label=_("Name"), max_length=255, required=False)
    starts_on = forms.DateField(label=_("Starts on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("Ends on"), widget=forms.DateInput(attrs={"type": "date"}))
    groups = forms.MultipleChoiceField(label=_("Groups"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, college: College, **kwargs):
        super().__init__(*args, **kwargs)
        self.groups_by_pk = {str(g.pk): g for g in Group.objects.filter(college=college).order_by("name")}
        self.fields["groups"].choices = [(pk, g.name) for pk, g in self.groups_by_pk.items()]
        self.fields["groups"].widget.attrs.pop("class", None)

    def clean_groups(self) -> list[Group]:
        return [self.groups_by_pk[pk] for pk in self.cleaned_data["groups"]]
