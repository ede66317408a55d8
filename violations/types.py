"""Violation types (LibreChat's ViolationTypes values, so records and dashboards read the same in both) and the
kinds and sources of bans: the names other apps use for what violations records."""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class ViolationType(StrEnum):
    FILE_UPLOAD_LIMIT = "file_upload_limit"
    ILLEGAL_MODEL_REQUEST = "illegal_model_request"
    TOKEN_BALANCE = "token_balance"
    BAN = "ban"
    TTS_LIMIT = "tts_limit"
    STT_LIMIT = "stt_limit"
    RESET_PASSWORD_LIMIT = "reset_password_limit"
    VERIFY_EMAIL_LIMIT = "verify_email_limit"
    CONVO_ACCESS = "convo_access"
    TOOL_CALL_LIMIT = "tool_call_limit"
    GENERAL = "general"
    LOGINS = "logins"
    CONCURRENT = "concurrent"
    NON_BROWSER = "non_browser"
    MESSAGE_LIMIT = "message_limit"
    REGISTRATIONS = "registrations"
    SHARE_LIMIT = "share_limit"
    # Not LibreChat's: chatmon's alerting logs it when a user spend rule fires for a user (opt-in,
    # ALERTING_SPEND_ANOMALY_VIOLATIONS), so that the usual scores and automatic bans can apply.
    SPEND_ANOMALY = "spend_anomaly"


class BanKind(models.TextChoices):
    """Whom a ban is for (Ban.Kind)."""

    USER = "user"
    IP = "ip"


class BanSource(models.TextChoices):
    """What wrote a ban (Ban.Source): a threshold crossing, or an operator."""

    AUTOMATIC = "automatic"
    MANUAL = "manual"
