"""The portal's URLs plus /bench/bare/: the same 30 students from the same database, rendered by a bare
Django view (no tenancy, sessions, permissions or layout) as the yardstick of bench/pages.py."""

from django.http import HttpResponse
from django.template import engines
from django.urls import include, path
from django_scopes import scopes_disabled

from attestation.models import Student

TEMPLATE = engines["django"].from_string(
    "<table>{% for s in students %}<tr><td>{{ s.full_name }}</td><td>{{ s.iin }}</td><td>{{ s.group.name }}</td>"
    "<td>{{ s.group.program.code }}</td></tr>{% endfor %}</table>")


def bare_students(request):
    with scopes_disabled():
        students = list(Student.objects.filter(college__slug=request.GET.get("college", "almaty-mtc"))
                        .select_related("group__program").order_by("full_name", "id")[:30])
    return HttpResponse(TEMPLATE.render({"students": students}))


urlpatterns = [
    path("bench/bare/", bare_students),
    path("", include("attestation.urls")),
]
