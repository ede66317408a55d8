"""System checks for the order of the violations app's middleware, with stable ids (violations.W001...)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

BAN_CHECK = "violations.middleware.BanCheckMiddleware"
ROUTE_GUARD = "violations.middleware.RouteGuardMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
# Named by its dotted path, never imported: violations does not depend on the audit log.
AUDITLOG_MIDDLEWARE = "auditlog.middleware.AuditlogMiddleware"

# (middleware, what must come before it, id, what goes wrong otherwise). A rule applies when its middleware is
# in MIDDLEWARE; the audit log and the ban check are optional, so rules naming them apply only when they are
# there too, while authentication is always needed.
ORDER_RULES = (
    (
        BAN_CHECK,
        AUTH_MIDDLEWARE,
        "violations.W001",
        "Above it the ban check sees no user and refuses a banned user only by their IP.",
    ),
    (
        BAN_CHECK,
        AUDITLOG_MIDDLEWARE,
        "violations.W002",
        "Bans and violations recorded for the request would be audited without its actor and IP.",
    ),
    (
        ROUTE_GUARD,
        BAN_CHECK,
        "violations.W003",
        "A banned caller would be counted against the rate limits and take a generation slot before being refused.",
    ),
    (
        ROUTE_GUARD,
        AUTH_MIDDLEWARE,
        "violations.W004",
        "Above it the per-user rate limits and the concurrent-generation limit see no user.",
    ),
    (
        ROUTE_GUARD,
        AUDITLOG_MIDDLEWARE,
        "violations.W005",
        "The violations it logs (and the bans they lead to) would be audited without the request's actor and IP.",
    ),
)


@register(Tags.compatibility)
def check_middleware(app_configs=None, **kwargs) -> list[Warning]:
    middleware = list(settings.MIDDLEWARE)
    warnings = []
    for name, earlier, check_id, hint in ORDER_RULES:
        if name not in middleware or (earlier not in middleware and earlier != AUTH_MIDDLEWARE):
            continue
        if earlier in middleware and middleware.index(earlier) < middleware.index(name):
            continue
        warnings.append(Warning(f"{name} must come after {earlier}.", hint=hint, id=check_id))
    return warnings
