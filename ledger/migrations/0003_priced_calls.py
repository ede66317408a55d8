"""Priced calls (images, web searches, code sessions, file searches, named tools) as `call` ledger rows.

A call row names what it charges in the new `item` column (empty on every other row, so existing rows are
valid as they are), and the once-per-message key becomes (user, message id, token type, item): for token
rows that is the old key, for call rows once per item. The new unique index is created before the old one is
dropped, so no moment is without the guarantee. CallPriceOverride holds operators' effective-dated call
prices.
"""

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0002_stored_figures_finite"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CallPriceOverride",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("image", "image generation (per image)"),
                            ("web_search", "web search (per query)"),
                            ("code_session", "code execution (per session)"),
                            ("file_search", "file search (per call)"),
                            ("tool", "named tool (per call)"),
                        ],
                        max_length=20,
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        default="*",
                        help_text="Model, provider or tool name matched inside the called name; * for any.",
                        max_length=60,
                    ),
                ),
                (
                    "size",
                    models.CharField(default="*", help_text="Images only, e.g. 1024x1024; * for any.", max_length=16),
                ),
                (
                    "quality",
                    models.CharField(default="*", help_text="Images only, e.g. hd or high; * for any.", max_length=16),
                ),
                (
                    "price",
                    models.FloatField(help_text="Credits per call, image or session (1 USD = 1,000,000 credits)."),
                ),
                ("effective_from", models.DateTimeField(default=django.utils.timezone.now)),
                ("note", models.CharField(blank=True, default="", max_length=255)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "indexes": [models.Index(fields=["effective_from"], name="ledger_callprice_effective")],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("price__gte", 0), ("price__lte", 1000000000)),
                        name="ledger_callprice_price_range",
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="transaction",
            name="item",
            field=models.CharField(blank=True, default="", max_length=255),
        ),
        migrations.AlterField(
            model_name="transaction",
            name="token_type",
            field=models.CharField(
                choices=[("prompt", "Prompt"), ("completion", "Completion"), ("credits", "Credits"), ("call", "Call")],
                max_length=12,
            ),
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.UniqueConstraint(
                condition=models.Q(("message_id__isnull", False)),
                fields=("user", "message_id", "token_type", "item"),
                name="ledger_tx_once_per_message_item",
            ),
        ),
        migrations.RemoveConstraint(
            model_name="transaction",
            name="ledger_tx_once_per_message",
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("token_type", "call"), models.Q(("item", ""), _negated=True)),
                    models.Q(models.Q(("token_type", "call"), _negated=True), ("item", "")),
                    _connector="OR",
                ),
                name="ledger_tx_item_iff_call",
            ),
        ),
    ]
