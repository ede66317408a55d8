"""The JSON API's plumbing: one decorator for method, authentication, content type and error rendering.

Views raise `ApiError` (or Http404) and return plain data; every error leaves as a JSON body saying what is
wrong, never as an HTML page or a 500.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from chatmon.core import jsonbody

BODY_METHODS = frozenset({"POST", "PATCH", "PUT"})


class ApiError(Exception):
    def __init__(self, status: int, error: str, message: str, **extra) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": error, "message": message, **extra}


def _decode_body(request: HttpRequest) -> dict:
    """The request's JSON object through chatmon's one body reader (413 too large, 400 undecodable, too deep
    or a lone surrogate); an empty body is an empty object, so that field errors name what is missing."""
    try:
        data = jsonbody.read_request(request, empty={})
    except jsonbody.BodyError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "request body must be a JSON object")
    return data


def endpoint(*, methods: Iterable[str], login_required: bool = True) -> Callable:
    """Wrap a JSON view: 405, 401, 415, 400/413 for the body, then `view(request, *args, **kwargs)`.

    The view finds the decoded body in `request.json` (an empty dict for GET and DELETE).
    """
    allowed = frozenset(methods)

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        # CSRF exemption is safe only because every request with a body must be `application/json`:
        # a cross-site page can send that type only through fetch(), which needs a CORS preflight this app
        # never grants, and browsers cannot send DELETE cross-site without one either. The session cookie
        # is also SameSite=Lax.
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                _admit(request, allowed, login_required)
                return view(request, *args, **kwargs)
            except ApiError as exc:
                return JsonResponse(exc.body, status=exc.status)
            except Http404:
                return JsonResponse({"error": "not_found", "message": "no such resource"}, status=404)

        return wrapper

    return decorate


def _admit(request: HttpRequest, allowed: frozenset[str], login_required: bool) -> None:
    if request.method not in allowed:
        raise ApiError(405, "method_not_allowed", f"use {', '.join(sorted(allowed))}")
    if login_required and not request.user.is_authenticated:
        raise ApiError(401, "unauthenticated", "log in first (POST /api/auth/login)")
    request.json = {}
    if request.method in BODY_METHODS:
        if request.content_type != "application/json":
            raise ApiError(415, "unsupported_media_type", "send the body as Content-Type: application/json")
        request.json = _decode_body(request)


class JSONForm(forms.Form):
    """A form fed a decoded JSON object: a value of the wrong JSON type is an error, never coerced to text."""

    def full_clean(self) -> None:
        super().full_clean()
        for name, field in self.fields.items():
            value = self.data.get(name)
            if isinstance(field, forms.BooleanField):
                if value is not None and not isinstance(value, bool):
                    self.errors[name] = self.error_class(["must be true or false"])
                    self.cleaned_data.pop(name, None)
                continue
            expected = (int,) if isinstance(field, forms.IntegerField) else (str,)
            if value is not None and (isinstance(value, bool) or not isinstance(value, expected)):
                # The type error replaces whatever the coerced value led the field to say.
                self.errors[name] = self.error_class(
                    ["must be an integer" if expected == (int,) else "must be a string"]
                )
                self.cleaned_data.pop(name, None)


def validated(form: forms.Form) -> dict:
    """The form's cleaned data, or a 400 that names every field in error and what is wrong with it."""
    if not form.is_valid():
        fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
        raise ApiError(400, "invalid_request", f"invalid fields: {', '.join(sorted(fields))}", fields=fields)
    return form.cleaned_data
