"""Staff-only diagnostic: how the current request's client IP was derived (to set TRUSTED_PROXIES right)."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from violations.clientip import explain


@staff_member_required
def client_ip_diagnostic(request: HttpRequest) -> HttpResponse:
    return render(request, "violations/client_ip.html", {"ip": explain(request), "headers": _ip_headers(request)})


def _ip_headers(request: HttpRequest) -> dict[str, str]:
    names = ("HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP", "HTTP_FORWARDED", "HTTP_CF_CONNECTING_IP", "REMOTE_ADDR")
    return {name: request.META[name] for name in names if name in request.META}
