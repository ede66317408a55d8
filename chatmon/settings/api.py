"""HTTP API (/api/v1/): environment variables mapped to API_* settings (defaults and meanings in api/conf.py),
and the OpenAPI schema settings. See docs/api.md."""

from __future__ import annotations

from chatmon.settings.env import env

API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=1200)
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
API_MAX_BATCH_ITEMS = env.int("API_MAX_BATCH_ITEMS", default=500)
API_IDEMPOTENCY_TTL_HOURS = env.int("API_IDEMPOTENCY_TTL_HOURS", default=24)
API_DEFAULT_SOURCE = env.str("API_DEFAULT_SOURCE", default="librechat")
API_AUDIT_ACTIONS = env.list("API_AUDIT_ACTIONS", default=[])
API_TIMING_MAX_ROUTES = env.int("API_TIMING_MAX_ROUTES", default=200)
API_TIMING_MAX_AGE_SECONDS = env.int("API_TIMING_MAX_AGE_SECONDS", default=86400)
API_KEY_MEMORY_SECONDS = env.float("API_KEY_MEMORY_SECONDS", default=5)
API_USER_MEMORY_SECONDS = env.float("API_USER_MEMORY_SECONDS", default=300)
API_USER_STAMP_SECONDS = env.float("API_USER_STAMP_SECONDS", default=1.0)

# The API's views set their own authentication, parsers and renderers; these are DRF's project-wide defaults.
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "chatmon API",
    "DESCRIPTION": "Balances, spends, violations, bans, audit and feature events, request timings. "
    "Send `Authorization: Bearer <key>`; see docs/api.md.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar: served by us, no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}
