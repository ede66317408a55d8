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
    "chatmon.core",
    "chatmon.monitoring",
    "chatmon.dashboards",
    "chatmon.alerting",
    "ledger",
    "violations",
    "auditlog",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "chatmon.api",
]

# Order matters (system checks chatmon.W001/W002 enforce it): the request context first so every later log
# line carries the request id, then request monitoring so its timings include every other middleware.
# django-prometheus' own middleware pair is left out: chatmon's request metrics replace it at a fraction of
# its cost under gunicorn (docs/monitoring.md); its database and cache metrics stay (ENGINE and BACKEND).
MIDDLEWARE = [
    "chatmon.core.middleware.RequestContextMiddleware",
    "chatmon.monitoring.middleware.MonitoringMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The audit log's request context (actor, IP, request id) for events recorded away from the view, such as
    # model tracking; it must see request.user, and it must run before anything below can record an event.
    "auditlog.middleware.AuditlogMiddleware",
    # Right after authentication: the ban check needs request.user, and a banned caller must be refused
    # before any other work (balance sync, limiters, the view). The route guards (rate limiters, concurrent
    # generations) come next, so a banned caller is not also counted against a limit.
    "violations.middleware.BanCheckMiddleware",
    "violations.middleware.RouteGuardMiddleware",
    "ledger.middleware.BalanceSyncMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
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
        db["ENGINE"] = "django_prometheus.db.backends.postgresql"
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
