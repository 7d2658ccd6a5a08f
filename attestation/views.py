"""Pages: server-rendered, htmx for live parts. Thin: selectors read, services write."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_scopes import scopes_disabled

from . import forms, selectors, services
from .documents.kinds import get_kind
from .documents.pipeline import document_request, document_retry
from .imports import COLUMNS, IMPORTERS, ImportFileError, import_template
from .models import College, Discipline, Document, Group, Program, Student
from .rules import RulesBroken
from .tenancy import user_memberships

STUDENTS_PER_PAGE = 30


def college_view(*roles: str):
    """A page of the college in the URL, for the given roles (403 for other members)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, college: str, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = request.access
            if access is None:
                raise Http404
            if roles and access.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _apply_errors(form, exc: ValidationError | RulesBroken) -> None:
    if isinstance(exc, RulesBroken):
        for violation in exc.violations:
            field = violation.field if violation.field in form.fields else None
            prefix = f"[{violation.rule}] " if violation.rule else ""
            form.add_error(field, prefix + violation.message)
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Public and entry pages ------------------------------------------------------------------------------


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("account_login")
    if request.user.is_authority:
        return redirect("monitoring:dashboard")
    memberships = user_memberships(request.user)
    if len(memberships) == 1:
        return redirect("college:dashboard", college=memberships[0].college.slug)
    if not memberships and request.user.is_operator:
        return redirect("admin:index")
    return render(request, "attestation/choose_college.html", {"memberships": memberships})


def verification_facts(token: str) -> dict[str, Any] | None:
    """What the public verification page and API show of a document."""
    with scopes_disabled():
        document = Document.objects.filter(verification_token=token).select_related("college").first()
    if document is None:
        return None
    kind = get_kind(document.kind)
    issued_at = timezone.localtime(document.created_at)
    return {
        "kind": document.kind,
        "kind_label": str(kind.label) if kind else document.kind,
        "title": document.title,
        "issuer": {"slug": document.college.slug, "name": document.college.name,
                   "region": document.college.region_label},
        "issued_at": issued_at,
        "rendered_at": document.rendered_at,
        "status": document.status,
        "sha256": document.sha256,
        "language": document.language,
        "number": document.pk,
    }


def verify(request: HttpRequest, token: str) -> HttpResponse:
    facts = verification_facts(token)
    if facts is None:
        raise Http404
    return render(request, "attestation/verify.html", {"facts": facts, "token": token})


# --- Dashboard -----------------------------------------------------------------------------------------


@college_view()
def dashboard(request: HttpRequest) -> HttpResponse:
    access = request.access
    context: dict[str, Any] = {}
    if access.is_student:
        student = access.student
        context["student"] = student
        if student is not None:
            context["entries"] = selectors.transcript_list(access=access, student_id=student.pk)
            context["documents"] = selectors.documents_list(access=access)[:5]
    elif access.is_staff_or_admin:
        context["counts"] = selectors.college_counts(college=access.college)
        if access.is_admin:
            context["recent"] = selectors.audit_list(college=access.college)[:8]
    return render(request, "attestation/dashboard.html", context)


# --- Registry: programs, groups, disciplines ---------------------------------------------------------------


@dataclass(frozen=True)
class RegistryPage:
    """One registry list with its form: which model, which columns, which service saves it."""

    entity: str
    model: type[Model]
    form_class: type
    title: Any
    columns: tuple[tuple[Any, str], ...]
    save_kwarg: str

    def queryset(self, request):
        college = request.college
        search = request.GET.get("q", "").strip()
        if self.model is Program:
            qs = selectors.programs_list(college=college)
            return qs.filter(code__icontains=search) | qs.filter(name__icontains=search) if search else qs
        if self.model is Group:
            return selectors.groups_list(college=college, search=search)
        program = request.GET.get("program", "")
        return selectors.disciplines_list(college=college, search=search,
                                          program_id=int(program) if program.isdigit() else None)

    def save(self, request, instance, data):
        service = {Program: services.program_save, Group: services.group_save,
                   Discipline: services.discipline_save}[self.model]
        return service(college=request.college, by=request.user, **{self.save_kwarg: instance}, **data)


REGISTRY_PAGES = {
    "programs": RegistryPage("programs", Program, forms.ProgramForm, gettext_lazy("Programs"), (
        (gettext_lazy("Code"), "code"), (gettext_lazy("Name"), "display_name"),
        (gettext_lazy("Grading system"), "get_grading_system_display"),
        (gettext_lazy("Final attestation scheme"), "get_fa_scheme_display"),
        (gettext_lazy("Medical"), "is_medical"),
    ), "program"),
    "groups": RegistryPage("groups", Group, forms.GroupForm, gettext_lazy("Groups"), (
        (gettext_lazy("Name"), "name"), (gettext_lazy("Program"), "program.code"),
        (gettext_lazy("Year of study"), "year_of_study"), (gettext_lazy("Form of study"), "get_study_form_display"),
        (gettext_lazy("Students"), "student_count"),
    ), "group"),
    "disciplines": RegistryPage("disciplines", Discipline, forms.DisciplineForm, gettext_lazy("Disciplines"), (
        (gettext_lazy("Program"), "program.code"), (gettext_lazy("Semester"), "semester"),
        (gettext_lazy("Code"), "code"), (gettext_lazy("Name"), "display_name"),
        (gettext_lazy("Kind"), "get_kind_display"), (gettext_lazy("Credits"), "credits"),
        (gettext_lazy("Hours"), "hours"),
    ), "discipline"),
}


def _cell(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
        if callable(obj):
            obj = obj()
    return obj


def _registry_page(entity: str) -> RegistryPage:
    page = REGISTRY_PAGES.get(entity)
    if page is None:
        raise Http404
    return page


@college_view("admin", "staff")
def registry_list(request: HttpRequest, entity: str) -> HttpResponse:
    page = _registry_page(entity)
    paginator = Paginator(page.queryset(request), 50)
    objects = paginator.get_page(request.GET.get("page"))
    rows = [(obj, [_cell(obj, path) for _label, path in page.columns]) for obj in objects]
    return render(request, "attestation/registry_list.html", {
        "page": page, "objects": objects, "rows": rows, "q": request.GET.get("q", ""),
        "programs": selectors.programs_list(college=request.college) if entity == "disciplines" else None,
    })


@college_view("admin")
def registry_edit(request: HttpRequest, entity: str, pk: int | None = None) -> HttpResponse:
    page = _registry_page(entity)
    instance = None
    if pk is not None:
        instance = page.model.objects.filter(college=request.college, pk=pk).first()
        if instance is None:
            raise Http404
    form = page.form_class(request.POST or None, instance=instance, college=request.college)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if instance is not None:
            # The form wrote the new values onto its instance; the service compares against the stored row.
            instance = page.model.objects.get(pk=instance.pk)
        try:
            page.save(request, instance, data)
        except (ValidationError, RulesBroken) as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("college:registry", college=request.college.slug, entity=entity)
    return render(request, "attestation/registry_form.html", {"page": page, "form": form, "instance": instance})


@college_view("admin")
@require_POST
def registry_delete(request: HttpRequest, entity: str, pk: int) -> HttpResponse:
    page = _registry_page(entity)
    instance = page.model.objects.filter(college=request.college, pk=pk).first()
    if instance is None:
        raise Http404
    try:
        services.registry_delete(college=request.college, by=request.user, instance=instance)
        messages.success(request, _("Deleted."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("college:registry", college=request.college.slug, entity=entity)


# --- Students and transcripts -----------------------------------------------------------------------------


@college_view("admin", "staff")
def students(request: HttpRequest) -> HttpResponse:
    group = request.GET.get("group", "")
    search = request.GET.get("q", "").strip()
    students = selectors.students_list(access=request.access, search=search,
                                       group_id=int(group) if group.isdigit() else None
                                       ).only(*selectors.STUDENT_ROW_FIELDS)
    number = request.GET.get("page", "")
    # A page past the end shows the last one (get_page); one that is not a number, or below 1, the first.
    page = Paginator(students, STUDENTS_PER_PAGE).get_page(number if number.isdigit() and int(number) else 1)
    context = {"students": page, "q": search, "group": group,
               "groups": selectors.group_choices(college=request.college)}
    template = "attestation/students_table.html" if request.htmx else "attestation/students.html"
    return render(request, template, context)


@college_view("admin")
def student_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    student = None
    if pk is not None:
        student = selectors.student_get(access=request.access, pk=pk)
    initial = {"username": student.user.username} if student and student.user else {}
    form = forms.StudentForm(request.POST or None, instance=student, college=request.college, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("iin", "full_name", "group")}
        username = form.cleaned_data.get("username", "")
        try:
            if student is None:
                student = services.student_create(college=request.college, by=request.user, username=username,
                                                  **data)
            else:
                student = Student.objects.get(pk=student.pk)  # unmodified by the form, for the change log
                services.student_update(college=request.college, by=request.user, student=student,
                                        username=username, **data)
        except (ValidationError, RulesBroken) as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("college:student", college=request.college.slug, pk=student.pk)
    return render(request, "attestation/student_form.html", {"form": form, "student": student})


@college_view("admin")
@require_POST
def student_delete(request: HttpRequest, pk: int) -> HttpResponse:
    student = selectors.student_get(access=request.access, pk=pk)
    try:
        services.student_delete(college=request.college, by=request.user, student=student)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("college:student", college=request.college.slug, pk=pk)
    messages.success(request, _("Deleted."))
    return redirect("college:students", college=request.college.slug)


def _transcript_context(request: HttpRequest, student_id: int) -> dict[str, Any]:
    transcript = selectors.transcript_page(access=request.access, student_id=student_id)
    documents = selectors.transcript_documents(access=request.access, student_id=transcript.student.pk)
    return {"transcript": transcript, "student": transcript.student, "documents": documents}


@college_view("admin", "staff", "student")
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "attestation/student_detail.html", _transcript_context(request, pk))


@college_view("student")
def my_record(request: HttpRequest) -> HttpResponse:
    student = request.access.student
    if student is None:
        return render(request, "attestation/dashboard.html", {"student": None})
    return render(request, "attestation/student_detail.html", _transcript_context(request, student.pk))


@college_view("admin", "staff", "student")
@require_POST
def transcript_pdf_request(request: HttpRequest, pk: int) -> HttpResponse:
    student = selectors.student_get(access=request.access, pk=pk)
    form = forms.DocumentLanguageForm(request.POST)
    language = form.cleaned_data["language"] if form.is_valid() else (get_language() or "kk")[:2]
    document, _created = document_request(college=request.college, kind=get_kind("transcript"),
                                          subject_id=student.pk, language=language, by=request.user)
    messages.info(request, _("The transcript PDF is being prepared; it appears below when ready."))
    return redirect("college:student", college=request.college.slug, pk=student.pk)


# --- Imports -------------------------------------------------------------------------------------------------


@college_view("admin")
def import_page(request: HttpRequest) -> HttpResponse:
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    report = None
    file_error = None
    status = 200
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            report = IMPORTERS[kind](college=request.college, by=request.user, upload=form.cleaned_data["file"])
        except ImportFileError as exc:
            file_error = exc.message
            status = exc.status
        else:
            if report.ok:
                messages.success(request, _("Imported %(rows)s rows: %(created)s new, %(updated)s updated.")
                                 % {"rows": report.rows, "created": report.created, "updated": report.updated})
                return redirect("college:import", college=request.college.slug)
            status = 400
    columns = {kind: [(str(c.label), c.required, str(c.help)) for c in cols] for kind, cols in COLUMNS.items()}
    return render(request, "attestation/import.html",
                  {"form": form, "report": report, "file_error": file_error, "columns": columns}, status=status)


@college_view("admin")
def import_template_download(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    if kind not in COLUMNS or fmt not in ("xlsx", "csv"):
        raise Http404
    content, content_type = import_template(kind, fmt)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.{fmt}"'
    return response


# --- Documents ------------------------------------------------------------------------------------------------


@college_view("admin", "staff", "student")
def documents(request: HttpRequest) -> HttpResponse:
    queryset = selectors.documents_list(access=request.access, kind=request.GET.get("kind", ""))
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    return render(request, "attestation/documents.html", {"documents": page})


@college_view("admin", "staff", "student")
def document_row(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx: one row of the documents list, polled while the document is being produced."""
    document = selectors.document_get(access=request.access, pk=pk)
    return render(request, "attestation/_document_row.html",
                  {"document": document, "compact": request.GET.get("compact") == "1"})


@college_view("admin", "staff", "student")
def document_status(request: HttpRequest, pk: int) -> JsonResponse:
    document = selectors.document_get(access=request.access, pk=pk)
    return JsonResponse({"id": document.pk, "status": document.status})


@college_view("admin", "staff", "student")
def document_file(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(access=request.access, pk=pk)
    if document.status != Document.Status.READY:
        raise Http404
    return FileResponse(document.file.open("rb"), content_type="application/pdf", as_attachment=True,
                        filename=f"{document.kind}-{document.pk}.pdf")


@college_view("admin")
@require_POST
def document_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.document_get(access=request.access, pk=pk)
    try:
        document_retry(document=document, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("college:documents", college=request.college.slug)


# --- Members, audit -----------------------------------------------------------------------------------------


@college_view("admin")
def members(request: HttpRequest) -> HttpResponse:
    form = forms.MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_add(college=request.college, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("college:members", college=request.college.slug)
    queryset = selectors.members_list(college=request.college).exclude(role="student")
    return render(request, "attestation/members.html", {"form": form, "members": queryset})


@college_view("admin")
def audit(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.audit_list(college=request.college), 50).get_page(request.GET.get("page"))
    return render(request, "attestation/audit.html", {"entries": page})


def college_url(college: College, name: str, **kwargs) -> str:
    return reverse(f"college:{name}", kwargs={"college": college.slug, **kwargs})


# --- Campaigns, notifications --------------------------------------------------------------------------------


@college_view("admin", "staff")
def campaigns(request: HttpRequest) -> HttpResponse:
    return render(request, "attestation/campaigns.html",
                  {"campaigns": selectors.campaigns_list(college=request.college)})


@college_view("admin")
def campaign_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    campaign = None
    initial = {}
    if pk is not None:
        campaign = selectors.campaign_get(college=request.college, pk=pk)
        initial = {"academic_year": campaign.academic_year, "name": campaign.name, "starts_on": campaign.starts_on,
                   "ends_on": campaign.ends_on,
                   "groups": [str(pk) for pk in campaign.campaign_groups.values_list("group_id", flat=True)]}
    form = forms.CampaignForm(request.POST or None, college=request.college, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_save(college=request.college, by=request.user, campaign=campaign, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("college:campaigns", college=request.college.slug)
    return render(request, "attestation/campaign_form.html", {"form": form, "campaign": campaign})


@college_view("admin")
@require_POST
def campaign_delete(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(college=request.college, pk=pk)
    try:
        services.campaign_delete(college=request.college, by=request.user, campaign=campaign)
        messages.success(request, _("Deleted."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("college:campaigns", college=request.college.slug)


@college_view("admin", "staff", "student")
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_list(access=request.access), 30).get_page(request.GET.get("page"))
    return render(request, "attestation/notifications.html", {"notifications": page})


@college_view("admin", "staff", "student")
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = selectors.notifications_list(access=request.access).filter(pk=pk).first()
    if notification is None:
        raise Http404
    services.notification_read(notification=notification)
    if notification.url:
        return redirect(notification.url)
    return redirect("college:notifications", college=request.college.slug)
