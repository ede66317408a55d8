"""Balance settings sync (LibreChat's setBalanceConfig): put after AuthenticationMiddleware."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from ledger import conf, services


class BalanceSyncMiddleware:
    """On each authenticated request, give the user a balance and the configured auto-refill settings.

    One indexed read per request; a write only when the user has no balance or the settings changed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not conf.balance_enabled():
            raise MiddlewareNotUsed("balances are off (LEDGER_BALANCE_ENABLED)")
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            services.sync_balance_settings(user=user)
        return self.get_response(request)
