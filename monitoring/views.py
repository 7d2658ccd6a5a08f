from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from .selectors import colleges_overview


@login_required
def dashboard(request):
    user = request.user
    if not (user.is_authority or user.is_operator):
        raise PermissionDenied
    region = user.authority_region if user.authority == "region" else None
    rows = colleges_overview(region=region)
    return render(request, "monitoring/dashboard.html", {
        "rows": rows, "region": region, "total_students": sum(r["students"] for r in rows),
    })
