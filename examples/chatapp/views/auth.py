"""Registration, login, logout and password reset, as JSON endpoints on Django's auth machinery.

Login goes through `authenticate()` and `login()` with the request, so Django's `user_logged_in` and
`user_login_failed` signals fire with it (chatmon's audit log and violation scoring listen to them).
"""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, JsonResponse

from examples.chatapp import selectors, services
from examples.chatapp.api import ApiError, endpoint, validated
from examples.chatapp.forms import LoginForm, RegisterForm, ResetConfirmForm, ResetRequestForm


@endpoint(methods=["POST"], login_required=False)
def register(request: HttpRequest) -> JsonResponse:
    data = validated(RegisterForm(request.json))
    try:
        user = services.register_user(username=data["username"], email=data["email"], password=data["password"])
    except services.Conflict as exc:
        raise ApiError(409, "conflict", f"{exc.field} is already registered", field=exc.field) from exc
    return JsonResponse({"id": user.pk, "username": user.get_username()}, status=201)


@endpoint(methods=["POST"], login_required=False)
def login_view(request: HttpRequest) -> JsonResponse:
    data = validated(LoginForm(request.json))
    user = authenticate(request, username=selectors.login_name(data["username"]), password=data["password"])
    if user is None:
        raise ApiError(401, "invalid_credentials", "wrong user name, email or password")
    login(request, user)
    return JsonResponse({"id": user.pk, "username": user.get_username()})


@endpoint(methods=["POST"])
def logout_view(request: HttpRequest) -> JsonResponse:
    logout(request)
    return JsonResponse({"logged_out": True})


@endpoint(methods=["POST"], login_required=False)
def password_reset(request: HttpRequest) -> JsonResponse:
    """Always 200 for a well-formed address, known or not, so the answer does not reveal who has an account."""
    form = ResetRequestForm(request.json)
    validated(form)
    form.save(
        request=request,
        use_https=request.is_secure(),
        subject_template_name="chatapp/password_reset_subject.txt",
        email_template_name="chatapp/password_reset_email.txt",
    )
    return JsonResponse({"sent": True, "message": "if an account uses this address, a reset link is on its way"})


@endpoint(methods=["POST"], login_required=False)
def password_reset_confirm(request: HttpRequest) -> JsonResponse:
    data = validated(ResetConfirmForm(request.json))
    services.set_password(user=data["user"], password=data["password"])
    return JsonResponse({"password_changed": True})
