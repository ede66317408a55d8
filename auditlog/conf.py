"""auditlog's settings: each has the AUDITLOG_ prefix and a default, and is read at call time (so
override_settings works and the app runs without chatmon's settings modules)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def _get(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def client_ip_resolver() -> str:
    # Dotted path of `resolver(request) -> str`; the violations app owns the proxy-aware one.
    return _get("AUDITLOG_CLIENT_IP_RESOLVER", "violations.clientip.client_ip")


def login_logger() -> str:
    # Logger that receives one line per auth and account event (chatmon routes it to the login file); "" = none.
    return _get("AUDITLOG_LOGIN_LOGGER", "auditlog.auth")


def metadata_redactor() -> str:
    # Optional dotted path of `redact(value) -> value`, run on metadata after the key masking below; "" = none.
    return _get("AUDITLOG_METADATA_REDACTOR", "")


def masked_keys() -> tuple[str, ...]:
    # Metadata keys whose values are replaced by "***" before they are stored: a key matches when it is one of
    # these or ends with "_" and one of these, case-insensitively ("access_token", "OTP_SECRET").
    return tuple(_get("AUDITLOG_MASKED_KEYS", ("password", "secret", "token", "api_key", "authorization", "cookie")))


def strict() -> bool:
    # True: a failed audit write raises (the caller's request fails); False: logged at error and counted.
    return bool(_get("AUDITLOG_STRICT", False))


def retention_days() -> int:
    # Events older than this many days are pruned by the auditlog.prune job; 0 keeps them forever.
    return int(_get("AUDITLOG_RETENTION_DAYS", 365))


def retention_days_by_domain() -> dict[str, int]:
    # Per-domain overrides of AUDITLOG_RETENTION_DAYS, e.g. {"chat": 30, "ledger": 3650}; 0 keeps forever.
    return dict(_get("AUDITLOG_RETENTION_DAYS_BY_DOMAIN", {}))


def prune_batch_size() -> int:
    # Events deleted per transaction by the prune job (each batch holds the chain lock while it runs).
    return int(_get("AUDITLOG_PRUNE_BATCH_SIZE", 1000))


def seal_window_seconds() -> int:
    # The longest an event may wait unsealed (unprotected by the hash chain) after it was written: the
    # auditlog.seal beat job runs every 5 s, so this only passes when sealing has stopped or fallen behind.
    # Verification reports older unsealed events as a problem, and the audit_unsealed alert compares with it.
    return int(_get("AUDITLOG_SEAL_WINDOW_SECONDS", 60))


def seal_batch_size() -> int:
    # Events linked and hashed per sealing transaction (each batch holds the chain head's lock while it runs).
    return int(_get("AUDITLOG_SEAL_BATCH_SIZE", 500))


def request_id_header() -> str:
    # Where the request id comes from when no middleware set `request.request_id` (chatmon's does).
    return _get("AUDITLOG_REQUEST_ID_HEADER", "HTTP_X_REQUEST_ID")
