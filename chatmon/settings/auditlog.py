"""Audit log: environment variables mapped to AUDITLOG_* settings (defaults and meanings in auditlog/conf.py).
See docs/auditlog.md."""

from __future__ import annotations

from chatmon.settings.env import env

AUDITLOG_RETENTION_DAYS = env.int("AUDITLOG_RETENTION_DAYS", default=365)
# "chat=30,ledger=3650": per-domain overrides of AUDITLOG_RETENTION_DAYS.
AUDITLOG_RETENTION_DAYS_BY_DOMAIN = env.dict("AUDITLOG_RETENTION_DAYS_BY_DOMAIN", cast={"value": int}, default={})
AUDITLOG_PRUNE_BATCH_SIZE = env.int("AUDITLOG_PRUNE_BATCH_SIZE", default=1000)
AUDITLOG_SEAL_WINDOW_SECONDS = env.int("AUDITLOG_SEAL_WINDOW_SECONDS", default=60)
AUDITLOG_SEAL_BATCH_SIZE = env.int("AUDITLOG_SEAL_BATCH_SIZE", default=500)
AUDITLOG_STRICT = env.bool("AUDITLOG_STRICT", default=False)
AUDITLOG_CLIENT_IP_RESOLVER = env.str("AUDITLOG_CLIENT_IP_RESOLVER", default="violations.clientip.client_ip")
# chatmon's login logger writes the login file (chatmon.logging.config.AUTH_LOGGER).
AUDITLOG_LOGIN_LOGGER = env.str("AUDITLOG_LOGIN_LOGGER", default="chatmon.auth")
AUDITLOG_METADATA_REDACTOR = env.str("AUDITLOG_METADATA_REDACTOR", default="chatmon.logging.redact_value")
