"""The operator's Django admin: colleges with their first administrator, users, the calendar, and
read-only views of documents and the audit log. College data itself is managed in the portal."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from . import services
from .audit import audit_log
from .models import AuditEntry, CalendarOverride, College, Document, Membership, User


class CollegeAdminForm(forms.ModelForm):
    admin_username = forms.CharField(label=_("First administrator: login"), required=False)
    admin_full_name = forms.CharField(label=_("First administrator: full name"), required=False)
    admin_email = forms.EmailField(label=_("First administrator: e-mail"), required=False)
    admin_password = forms.CharField(label=_("First administrator: password"), required=False,
                                     widget=forms.PasswordInput)

    class Meta:
        model = College
        fields = ["slug", "name_kk", "name_ru", "name_en", "region", "territory", "kind", "language", "timezone",
                  "is_correctional"]

    def clean(self):
        data = super().clean()
        if data.get("admin_username") and not User.objects.filter(username=data["admin_username"]).exists():
            password = data.get("admin_password")
            if not password:
                self.add_error("admin_password", _("A password is required to create a new account."))
            else:
                try:
                    validate_password(password)
                except forms.ValidationError as exc:
                    self.add_error("admin_password", exc)
        return data


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(College)
class CollegeAdmin(admin.ModelAdmin):
    form = CollegeAdminForm
    list_display = ["slug", "name_kk", "name_ru", "region", "territory", "language", "is_correctional"]
    list_filter = ["region", "territory", "kind", "is_correctional"]
    search_fields = ["slug", "name_kk", "name_ru", "name_en"]
    inlines = [MembershipInline]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(None, {"fields": ["slug", "name_kk", "name_ru", "name_en", "region", "territory", "kind",
                                        "language", "timezone", "is_correctional"]})]
        if obj is None:
            fieldsets.append((_("First administrator"), {
                "fields": ["admin_username", "admin_full_name", "admin_email", "admin_password"]}))
        return fieldsets

    def save_formset(self, request, form, formset, change):
        # Memberships changed in the operator's admin are audited like those changed in the portal.
        instances = formset.save(commit=False)
        for membership in formset.deleted_objects:
            audit_log(action="member.removed", college=membership.college, actor=request.user, obj=membership,
                      data={"username": membership.user.username, "role": membership.role})
            membership.delete()
        for membership in instances:
            action = "member.updated" if membership.pk else "member.added"
            membership.save()
            audit_log(action=action, college=membership.college, actor=request.user, obj=membership,
                      data={"username": membership.user.username, "role": membership.role})
        formset.save_m2m()

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            audit_log(action="college.updated", college=obj, actor=request.user, obj=obj,
                      data={name: form.cleaned_data.get(name) for name in form.changed_data})
            return
        data = form.cleaned_data
        fields = {f: data[f] for f in ("slug", "name_kk", "name_ru", "name_en", "region", "territory", "kind",
                                       "language", "timezone", "is_correctional")}
        admin_account = None
        if data.get("admin_username"):
            admin_account = {"username": data["admin_username"], "full_name": data.get("admin_full_name", ""),
                             "email": data.get("admin_email", ""), "password": data.get("admin_password", "")}
        created = services.college_create(by=request.user, admin=admin_account, **fields)
        obj.pk = created.pk
        obj.created_at = created.created_at


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_log(action="user.updated" if change else "user.created", college=None, actor=request.user, obj=obj,
                  data={"fields": [f for f in form.changed_data if f not in ("password", "password1", "password2")]})

    list_display = ["username", "full_name", "email", "authority", "authority_region", "is_superuser", "is_active"]
    list_filter = ["authority", "is_superuser", "is_active"]
    search_fields = ["username", "full_name", "email"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Portal"), {"fields": ["full_name", "authority", "authority_region"]}),)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change):
        services.calendar_override_set(by=request.user, day=obj.date, is_working_day=obj.is_working_day,
                                       note=obj.note)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["id", "college", "kind", "title", "language", "status", "attempts", "created_at", "rendered_at"]
    list_filter = ["status", "kind", "language"]
    search_fields = ["title", "verification_token", "sha256"]
    exclude = ["payload"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "college", "actor_label", "action", "object_type", "object_id", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "object_id"]
