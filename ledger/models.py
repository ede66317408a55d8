"""Ledger rows: one Balance per user, append-only Transactions, admission Holds, and operators' price overrides.

Amounts are IEEE doubles, as in LibreChat, so every figure matches LibreChat's to the last bit. The ledger
stays exact anyway: each applied row stores the balance before and after it, and
`after == max(0, before + token_value)` is recomputed bit for bit by `ledger_verify`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ledger import money, schedules
from ledger.conf import REFILL_UNITS, WEEKDAYS
from ledger.validation import MAX_UNIT_PRICE, STORED_LIMIT

CREDITS_PER_USD = 1_000_000


def stored_within_limit(*fields: str, prefix: str) -> list[models.CheckConstraint]:
    """One constraint per figure: finite and at most STORED_LIMIT in size (NULL passes where allowed).

    Two comparisons refuse NaN and both infinities on both databases: PostgreSQL orders NaN above every
    number (so `<= limit` is false), SQLite stores NaN as NULL (refused by NOT NULL) and compares infinity.
    The services refuse such figures first (ledger/validation.py); this is the last line for raw SQL,
    the admin and bugs.
    """
    return [
        models.CheckConstraint(
            condition=Q(**{f"{name}__gte": -STORED_LIMIT}) & Q(**{f"{name}__lte": STORED_LIMIT}),
            name=f"{prefix}_{name}_finite",
        )
        for name in fields
    ]


class Balance(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ledger_balance")
    token_credits = models.FloatField(default=0)
    # The credits the balance was created with: token_credits == opening_credits + the rows' applied deltas.
    opening_credits = models.FloatField(default=0)
    # Sum of active holds (whole credits), kept here so spends touch the Hold table only when there are any.
    held_credits = models.FloatField(default=0)
    auto_refill_enabled = models.BooleanField(default=False)
    refill_interval_value = models.IntegerField(default=30)
    refill_interval_unit = models.CharField(
        max_length=10, default="days", choices=[(unit, unit) for unit in REFILL_UNITS]
    )
    refill_amount = models.FloatField(default=0)
    last_refill = models.DateTimeField(default=timezone.now, null=True)
    # A calendar schedule instead of the interval (ledger/schedules.py): "" (the interval), daily, weekly or
    # monthly, at refill_time in LEDGER_REFILL_TIME_ZONE; weekly on refill_weekday (0 = Monday), monthly on
    # refill_day (1-31; past the month's end: its last day).
    refill_schedule = models.CharField(max_length=10, blank=True, default="", choices=schedules.Kind.CHOICES)
    refill_time = models.TimeField(null=True, blank=True)
    refill_weekday = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=list(enumerate(day.capitalize() for day in WEEKDAYS))
    )
    refill_day = models.PositiveSmallIntegerField(null=True, blank=True)
    # Derived from the refill fields above so the refill job can find due balances with an index.
    next_refill_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The user's own limit (ledger/selfservice.py): the balance check refuses a request once the credits spent
    # in the current day or month (LEDGER_REFILL_TIME_ZONE) and those held would pass spend_cap_credits.
    spend_cap_period = models.CharField(
        max_length=5, blank=True, default="", choices=[("", "no cap"), ("day", "per day"), ("month", "per month")]
    )
    spend_cap_credits = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["token_credits"], name="ledger_bal_credits")]
        constraints = [
            *stored_within_limit(
                "token_credits", "opening_credits", "held_credits", "refill_amount", prefix="ledger_bal"
            ),
            models.CheckConstraint(condition=Q(refill_weekday__lte=6), name="ledger_bal_refill_weekday_range"),
            models.CheckConstraint(
                condition=Q(refill_day__gte=1) & Q(refill_day__lte=31), name="ledger_bal_refill_day_range"
            ),
            models.CheckConstraint(
                condition=Q(spend_cap_credits__gte=0) & Q(spend_cap_credits__lte=STORED_LIMIT),
                name="ledger_bal_spend_cap_range",
            ),
        ]

    def __str__(self) -> str:
        # By name and in the one money format: the admin's titles and the audit log show this.
        return f"{self.user.get_username()}: {money.format_amount(self.token_credits)}"

    @property
    def usd(self) -> float:
        return self.token_credits / CREDITS_PER_USD

    def schedule_next_refill(self) -> None:
        """Recompute next_refill_at; call after changing last_refill or the refill settings."""
        self.next_refill_at = schedules.next_refill_at(self)


class TransactionQuerySet(models.QuerySet):
    def spends(self) -> TransactionQuerySet:
        """What counts as a spend: the prompt and completion rows a generation is charged with, whatever their
        context (message, incomplete, title, ...), and the `call` rows of its priced calls (images, searches,
        tools). `credits` rows (grants, refills) are not spends."""
        return self.filter(token_type__in=Transaction.SPEND_TYPES)


class Transaction(models.Model):
    class TokenType(models.TextChoices):
        PROMPT = "prompt"
        COMPLETION = "completion"
        CREDITS = "credits"
        # A priced call (an image, a web search, a code session, a file search, a named tool): raw_amount is
        # minus the number of calls, rate the unit price in credits, `item` what was bought.
        CALL = "call"

    SPEND_TYPES = (TokenType.PROMPT, TokenType.COMPLETION, TokenType.CALL)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ledger_transactions")
    conversation_id = models.CharField(max_length=255, null=True, blank=True, db_index=True)
    message_id = models.CharField(max_length=255, null=True, blank=True)
    token_type = models.CharField(max_length=12, choices=TokenType.choices)
    model = models.CharField(max_length=255, null=True, blank=True)
    endpoint = models.CharField(max_length=100, null=True, blank=True)
    context = models.CharField(max_length=100, null=True, blank=True)
    value_key = models.CharField(max_length=100, null=True, blank=True)
    rate = models.FloatField(null=True)
    raw_amount = models.FloatField(null=True)
    token_value = models.FloatField(null=True)
    input_tokens = models.FloatField(null=True, blank=True)
    write_tokens = models.FloatField(null=True, blank=True)
    read_tokens = models.FloatField(null=True, blank=True)
    # What a `call` row charges, kind and priced options (`image:dall-e-3:1024x1024:hd`, `web_search:openai`,
    # `tool:weather`); empty on token and credit rows. Part of the once-per-message key.
    item = models.CharField(max_length=255, blank=True, default="")
    # Null when balances were off: the row was recorded but did not change the balance.
    balance_before = models.FloatField(null=True, blank=True)
    balance_after = models.FloatField(null=True, blank=True)
    # What the balance could not absorb because it stops at 0 (LibreChat drops it silently).
    written_off = models.FloatField(default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    objects = TransactionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["user", "-created_at"], name="ledger_tx_user_time"),
            models.Index(fields=["model", "created_at"], name="ledger_tx_model_time"),
            models.Index(fields=["value_key", "created_at"], name="ledger_tx_key_time"),
            models.Index(fields=["created_at"], name="ledger_tx_time"),
        ]
        constraints = [
            # A retried spend for the same message is charged once: once per token type, and once per item
            # for calls (token rows have item "", so for them this is the old (user, message, type) key).
            models.UniqueConstraint(
                fields=["user", "message_id", "token_type", "item"],
                condition=Q(message_id__isnull=False),
                name="ledger_tx_once_per_message_item",
            ),
            # A call row names what it charges, and only call rows name an item.
            models.CheckConstraint(
                condition=(Q(token_type="call") & ~Q(item="")) | (~Q(token_type="call") & Q(item="")),
                name="ledger_tx_item_iff_call",
            ),
            *stored_within_limit(
                "rate",
                "raw_amount",
                "token_value",
                "input_tokens",
                "write_tokens",
                "read_tokens",
                "balance_before",
                "balance_after",
                "written_off",
                prefix="ledger_tx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.token_type} {self.token_value:g} for user {self.user_id}"

    @property
    def applied(self) -> bool:
        return self.balance_after is not None


class Hold(models.Model):
    """Credits reserved by an admitted balance check until its spend settles them (or they expire)."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        SETTLED = "settled"
        RELEASED = "released"
        EXPIRED = "expired"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ledger_holds")
    amount = models.FloatField()
    model = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "status"], name="ledger_hold_user_status"),
            models.Index(fields=["status", "expires_at"], name="ledger_hold_status_exp"),
        ]
        constraints = stored_within_limit("amount", prefix="ledger_hold")

    def __str__(self) -> str:
        return f"hold {self.amount:g} for user {self.user_id} ({self.status})"


class PriceOverride(models.Model):
    """An operator's price for a model-name pattern; it wins over the shipped table from `effective_from` on."""

    pattern = models.CharField(max_length=100, help_text="Pricing key matched inside model names, e.g. gpt-4o.")
    prompt = models.FloatField(help_text="Credits per prompt token (USD per 1M tokens).")
    completion = models.FloatField(help_text="Credits per completion token.")
    cache_write = models.FloatField(null=True, blank=True, help_text="Empty: cache writes cost the prompt rate.")
    cache_read = models.FloatField(null=True, blank=True, help_text="Empty: cache reads cost the prompt rate.")
    premium_threshold = models.PositiveIntegerField(
        null=True, blank=True, help_text="Prompts above this many tokens use the premium rates."
    )
    premium_prompt = models.FloatField(null=True, blank=True)
    premium_completion = models.FloatField(null=True, blank=True)
    effective_from = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["effective_from"], name="ledger_price_effective")]

    def __str__(self) -> str:
        return f"{self.pattern}: {self.prompt:g}/{self.completion:g} from {self.effective_from:%Y-%m-%d}"


class CallPriceOverride(models.Model):
    """An operator's unit price for a priced call; it wins over the shipped call prices from `effective_from` on.

    Matching (ledger/calls.py): the kind exactly; the name as a pattern contained in the called name (`*`
    for any name of that kind); size and quality exactly, or `*` for any.
    """

    class Kind(models.TextChoices):
        IMAGE = "image", "image generation (per image)"
        WEB_SEARCH = "web_search", "web search (per query)"
        CODE_SESSION = "code_session", "code execution (per session)"
        FILE_SEARCH = "file_search", "file search (per call)"
        TOOL = "tool", "named tool (per call)"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Short enough that the price key a row stores (`image:<name>:<size>:<quality>`) fits value_key.
    name = models.CharField(
        max_length=60, default="*", help_text="Model, provider or tool name matched inside the called name; * for any."
    )
    size = models.CharField(max_length=16, default="*", help_text="Images only, e.g. 1024x1024; * for any.")
    quality = models.CharField(max_length=16, default="*", help_text="Images only, e.g. hd or high; * for any.")
    price = models.FloatField(help_text="Credits per call, image or session (1 USD = 1,000,000 credits).")
    effective_from = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["effective_from"], name="ledger_callprice_effective")]
        constraints = [
            models.CheckConstraint(
                condition=Q(price__gte=0) & Q(price__lte=MAX_UNIT_PRICE), name="ledger_callprice_price_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} {self.size} {self.quality}: {self.price:g} from {self.effective_from:%Y-%m-%d}"


class Repricing(models.Model):
    """An operator's recomputation of a period's charges for one model under corrected prices.

    Its correcting rows are `credits` transactions with context "repricing" (one per user whose charge
    changed); the rows it recomputed are never edited. `key` is a digest of the parameters, the prices and
    the earlier repricing it builds on, so the same repricing run twice (or by two operators at once) posts once.
    """

    key = models.CharField(max_length=64, unique=True)
    model = models.CharField(max_length=255, help_text="The model name of the rows recomputed (exact).")
    period_start = models.DateTimeField()
    period_end = models.DateTimeField(help_text="Exclusive.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="Only this user's rows; empty for every user's.",
    )  # fmt: skip
    # The corrected rates in credits per token: {"prompt", "completion", "cache_write", "cache_read"}.
    prices = models.JSONField()
    reason = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rows = models.PositiveIntegerField(default=0, help_text="Spend rows recomputed.")
    users = models.PositiveIntegerField(default=0, help_text="Users who got a correcting row.")
    credits = models.FloatField(default=0, help_text="Credits given back in total (negative: charged).")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["model", "period_start"], name="ledger_repricing_model")]
        constraints = stored_within_limit("credits", prefix="ledger_repricing")

    def __str__(self) -> str:
        return f"repricing {self.pk}: {self.model} {self.period_start:%Y-%m-%d %H:%M}..{self.period_end:%Y-%m-%d %H:%M}"
