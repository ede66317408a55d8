"""Core Django settings: apps, middleware, database, security."""

from __future__ import annotations

import secrets

from django.core.exceptions import ImproperlyConfigured

from chatmon.settings.env import BASE_DIR, PRODUCTION, VAR_DIR, env

DEBUG = env.bool("DEBUG", default=not PRODUCTION)


def _secret_key() -> str:
    """SECRET_KEY from the environment; on a laptop, generated once and kept under var/."""
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when CHATMON_ENV=production.")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_prometheus",
    "django_celery_beat",
    # django-health-check's templates: /health/ renders its HTML page for a browser.
    "health_check",
    "chatmon.core",
    "chatmon.monitoring",
    "chatmon.dashboards",
    "chatmon.alerting",
    "chatmon.analytics",
    "chatmon.policies",
    "ledger",
    "violations",
    "auditlog",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "chatmon.api",
]

# Order matters, and each dependency below is a system check of the app that owns the middleware (ids in
# brackets; `manage.py check` lists them). Django runs the list top-down into the view and back up, and calls
# process_view top-down and process_exception bottom-up.
# django-prometheus' own middleware pair is left out: chatmon's request metrics replace it at a fraction of
# its cost under gunicorn (docs/monitoring.md); its database and cache metrics stay (ENGINE and BACKEND).
MIDDLEWARE = [
    # First, so every later log line (any middleware's too) carries the request id, and the access line times
    # everything [chatmon.W001, chatmon.W002].
    "chatmon.core.middleware.RequestContextMiddleware",
    # Second, so its request timings include every other middleware [chatmon.W001, chatmon.W002].
    "chatmon.monitoring.middleware.MonitoringMiddleware",
    # Above every other middleware with a process_exception, so that it runs last: another handler sees a
    # view's exception first, and what is left becomes JSON on API routes [chatmon.W009, chatmon.W010].
    "chatmon.core.middleware.ApiErrorMiddleware",
    # Django's stack in Django's order. Security first of it: the HTTPS redirect and security headers before
    # any work. WhiteNoise right after it (its docs): static files leave with those headers, before sessions.
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before everything that reads the session (authentication, messages).
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Its APPEND_SLASH redirect before the CSRF check and anything that does work for the request.
    "django.middleware.common.CommonMiddleware",
    # Before every view middleware that takes CSRF as checked (Django's advice); after sessions for
    # CSRF_USE_SESSIONS.
    "django.middleware.csrf.CsrfViewMiddleware",
    # After sessions (it reads the user from one); everything from here down may use request.user.
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Right after authentication, before anything below can look at request.user: a caller without a session
    # cookie becomes AnonymousUser without a session read (no Vary: Cookie for nothing) [chatmon.W008].
    "chatmon.core.middleware.AnonymousCallerMiddleware",
    # The audit log's request context (actor, IP, request id) for events recorded away from the view, such as
    # model tracking; it needs request.user, and must run before anything below can record an event
    # [auditlog.W001].
    "auditlog.middleware.AuditlogMiddleware",
    # The ban check needs request.user and the audit context, and a banned caller must be refused before any
    # other work (route guards, balance sync, the view) [violations.W001, violations.W002].
    "violations.middleware.BanCheckMiddleware",
    # The route guards (rate limiters, non-browser check, concurrent generations) after the ban check, so a
    # banned caller is not also counted against a limit [violations.W003, violations.W004].
    "violations.middleware.RouteGuardMiddleware",
    # Needs request.user; its work is in process_view, after the ban check and route guards have let the
    # request through [ledger.W001, ledger.W002].
    "ledger.middleware.BalanceSyncMiddleware",
    # After sessions (its default storage falls back to the session). Below chatmon's own: nothing above uses it.
    "django.contrib.messages.middleware.MessageMiddleware",
    # Only sets a response header on the way out: any place works.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "chatmon.urls"
WSGI_APPLICATION = "chatmon.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict:
    """DATABASE_URL, defaulting to SQLite under var/, with django-prometheus' instrumented engines.

    SQLite runs in WAL mode with IMMEDIATE transactions: a writer takes the write lock when its transaction
    starts, so concurrent writers queue (up to the busy timeout) instead of failing half way with
    "database is locked" when a read lock would have to be upgraded.
    """
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    db = env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'chatmon.sqlite3'}")
    engine = db["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        db["ENGINE"] = "django_prometheus.db.backends.sqlite3"
        db["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # Tests need a file (not :memory:) so that Celery workers and other processes see the same data.
        db["TEST"] = {"NAME": env.str("CHATMON_TEST_SQLITE", default=str(VAR_DIR / "test-chatmon.sqlite3"))}
    elif engine == "django.db.backends.postgresql":
        db["ENGINE"] = "chatmon.core.db.postgresql"
        db["CONN_HEALTH_CHECK_GRACE"] = env.float("CONN_HEALTH_CHECK_GRACE", default=0.5)
    # Persistent connections on both: a new PostgreSQL connection is a round trip and a backend process, and
    # closing the last connection to a WAL-mode SQLite file checkpoints and syncs it (~30 ms per request here).
    db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    db["CONN_HEALTH_CHECKS"] = True
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at every start when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGIN_URL = "admin:login"

EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="chatmon@localhost")

if PRODUCTION:
    # Behind a TLS-terminating proxy; `manage.py check --deploy` is clean with these.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # Health and metrics are probed over plain HTTP inside the cluster.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^health/", r"^metrics$"]
