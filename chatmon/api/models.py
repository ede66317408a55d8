"""API keys (stored hashed, scoped, revocable), the map from callers' user ids to users, and stored responses
of writes made with an Idempotency-Key."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from chatmon.api import conf


class Scope(models.TextChoices):
    LEDGER_READ = "ledger:read", "Read balances and transactions"
    LEDGER_WRITE = "ledger:write", "Check balances, hold, release and spend"
    LEDGER_GRANT = "ledger:grant", "Grant or remove credits"
    VIOLATIONS_WRITE = "violations:write", "Report violations"
    BANS_READ = "bans:read", "Check bans of users and IPs"
    EVENTS_WRITE = "events:write", "Send audit events, feature events and request timings"
    GENERATIONS_WRITE = "generations:write", "Report LLM generations (speed, outcome, tokens) and ratings of replies"
    EXPERIMENTS = "experiments:assign", "Ask which variant of an experiment a user sees (records the exposure)"
    # Without it a key names only users of its own `source` (chatmon/api/sources.py).
    SOURCES_ANY = "sources:any", "Name users of any source, not only the key's own (other tenants too)"
    # End-user-facing keys (the chat app passes its signed-in user): the /self/ endpoints answer about the one
    # user a request names and nothing else; with only these scopes a key reads no one's transactions or list.
    SELF_READ = "self:read", "Read the named user's own usage: balance, next refill, spend, message costs"
    SELF_WRITE = "self:write", "Set the named user's own spending cap"


class ApiKey(models.Model):
    """A caller's key. Only the SHA-512 of the key is stored; the key itself is shown once, at creation."""

    name = models.CharField(max_length=100, unique=True)
    # The key's first 8 characters, stored in clear so a request finds its row with one indexed lookup.
    prefix = models.CharField(max_length=8, unique=True, editable=False)
    hashed_key = models.CharField(max_length=150, editable=False)
    scopes = models.JSONField(default=list, blank=True)
    # Callers name users by their own ids; `source` says whose ids they are, and the only ones the key may
    # name unless it holds Scope.SOURCES_ANY (the rule and its validation: chatmon/api/sources.py).
    source = models.CharField(max_length=50, default=conf.default_source)
    rate_limit_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: API_RATE_LIMIT_PER_MINUTE. 0: unlimited."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return self.name

    @property
    def actor_label(self) -> str:
        """How audit events name this key as their actor."""
        return f"api-key:{self.name}"

    def usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def rate_limit(self) -> int:
        return conf.rate_limit_per_minute() if self.rate_limit_per_minute is None else self.rate_limit_per_minute


class ExternalUser(models.Model):
    """(source, external id) -> user: a LibreChat ObjectId, an e-mail, any id a caller's app uses."""

    source = models.CharField(max_length=50)
    external_id = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_ids")
    # LibreChat's tenantId (multi-tenant deployments), kept as imported.
    tenant_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="api_external_user_once")]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id} -> {self.user_id}"


class IdempotentResponse(models.Model):
    """The response a write gave for (API key, Idempotency-Key); a replay gets it back instead of a second write."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # SHA-256 of method, path and canonical JSON body: the same key with another request is refused.
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    # The JSON text as sent (not a JSONField: PostgreSQL's jsonb would reorder its keys).
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["api_key", "key"], name="api_idempotency_once")]

    def __str__(self) -> str:
        return f"{self.api_key_id}/{self.key}"


class ImportedRow(models.Model):
    """A document already imported (LibreChat's `_id` in one collection): a re-run imports nothing twice."""

    collection = models.CharField(max_length=20)
    external_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["collection", "external_id"], name="api_imported_once")]

    def __str__(self) -> str:
        return f"{self.collection}/{self.external_id}"


class ImportedBalance(models.Model):
    """Where the last LibreChat balance import left a user, so that a later import converges to LibreChat's
    balance (chatmon/api/librechat/importer.py; ledger.services.ImportCheckpoint holds the arithmetic)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=64, help_text="The balances document's _id.")
    digest = models.CharField(max_length=64, help_text="SHA-256 of the document: a changed one re-applies settings.")
    librechat_credits = models.FloatField(help_text="LibreChat's tokenCredits in the last imported document.")
    credits_after = models.FloatField(help_text="The user's credits right after that import reconciled them.")
    imported_since = models.FloatField(
        default=0, help_text="Net effect of the LibreChat rows imported for the user after that."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"balances/{self.external_id}"
