"""Balance settings sync (LibreChat's setBalanceConfig): put after AuthenticationMiddleware (check ledger.W002)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse

from ledger import conf, services

# Users remembered per process before the memory is cleared (each then costs one read again).
_MAX_REMEMBERED = 50_000


class BalanceSyncMiddleware:
    """Gives an authenticated user a balance and the configured auto-refill settings.

    The sync is one indexed read (a write only when something is missing or differs), so each process does
    it once per user and configuration, not on every request: a user is synced again when the configured
    start balance or auto-refill settings change, or when the process restarts.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        if not conf.balance_enabled():
            raise MiddlewareNotUsed("balances are off (LEDGER_BALANCE_ENABLED)")
        self.get_response = get_response
        self._synced: dict[object, tuple] = {}  # user id -> configuration it was last synced with

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        # In process_view, not __call__: the view middleware above (the ban check, the route guards) may refuse
        # the request first, and a request that matches no route (404) does no work for a balance.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        configuration = (conf.start_balance(), tuple(sorted((conf.auto_refill() or {}).items())))
        if self._synced.get(user.pk) != configuration:
            services.sync_balance_settings(user=user)
            if len(self._synced) >= _MAX_REMEMBERED:
                self._synced.clear()
            self._synced[user.pk] = configuration
