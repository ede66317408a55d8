"""Every stored figure finite and within 10^16 (ledger.validation.STORED_LIMIT), enforced by the database.

A database that already holds such a figure (rows written through the endpoint_token_config defect this
release closes: rate 1e308, value -inf) cannot take the constraints. The first step finds those rows and stops
with their ids, so the operator can correct them (docs/ledger.md, Bounds) instead of reading a bare
constraint error; nothing is changed or deleted on their behalf.
"""

from django.conf import settings
from django.db import migrations, models

LIMIT = 10**16
FIGURES = {
    "Balance": ["token_credits", "opening_credits", "held_credits", "refill_amount"],
    "Hold": ["amount"],
    "Transaction": ["rate", "raw_amount", "token_value", "input_tokens", "write_tokens", "read_tokens",
                    "balance_before", "balance_after", "written_off"],
}  # fmt: skip


def refuse_stored_figures_out_of_bounds(apps, schema_editor) -> None:
    found = []
    for model_name, fields in FIGURES.items():
        rows = apps.get_model("ledger", model_name).objects.using(schema_editor.connection.alias)
        for field in fields:
            # PostgreSQL sorts NaN above every number, so the upper bound catches it; SQLite stores NaN as NULL.
            outside = models.Q(**{f"{field}__isnull": False}) & ~models.Q(
                **{f"{field}__gte": -LIMIT, f"{field}__lte": LIMIT}
            )
            ids = list(rows.filter(outside).values_list("pk", flat=True)[:20])
            if ids:
                found.append(f"{model_name}.{field} (ids {', '.join(map(str, ids))})")
    if found:
        raise RuntimeError(
            "ledger 0002: stored figures that are not finite or beyond 1e16, which the new constraints refuse: "
            + "; ".join(found)
            + ". Correct or remove these rows (docs/ledger.md, Bounds), then migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(refuse_stored_figures_out_of_bounds, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="balance",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("token_credits__gte", -10000000000000000), ("token_credits__lte", 10000000000000000)
                ),
                name="ledger_bal_token_credits_finite",
            ),
        ),
        migrations.AddConstraint(
            model_name="balance",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("opening_credits__gte", -10000000000000000), ("opening_credits__lte", 10000000000000000)
                ),
                name="ledger_bal_opening_credits_finite",
            ),
        ),
        migrations.AddConstraint(
            model_name="balance",
            constraint=models.CheckConstraint(
                condition=models.Q(("held_credits__gte", -10000000000000000), ("held_credits__lte", 10000000000000000)),
                name="ledger_bal_held_credits_finite",
            ),
        ),
        migrations.AddConstraint(
            model_name="balance",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("refill_amount__gte", -10000000000000000), ("refill_amount__lte", 10000000000000000)
                ),
                name="ledger_bal_refill_amount_finite",
            ),
        ),
        migrations.AddConstraint(
            model_name="hold",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gte", -10000000000000000), ("amount__lte", 10000000000000000)),
                name="ledger_hold_amount_finite",
            ),
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("rate__gte", -10000000000000000), ("rate__lte", 10000000000000000)),
                name="ledger_tx_rate_finite",
            ),
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("raw_amount__gte", -10000000000000000), ("raw_amount__lte", 10000000000000000)),
                name="ledger_tx_raw_amount_finite",
            ),
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("token_value__gte", -10000000000000000), ("token_value__lte", 10000000000000000)),
                name="ledger_tx_token_value_finite",
            ),
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("input_tokens__gte", -10000000000000000), ("input_tokens__lte", 10000000000000000)),
                name="ledger_tx_input_tokens_finite",
            ),
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("write_tokens__gte", -10000000000000000), ("write_tokens__lte", 10000000000000000)),
                name="ledger_tx_write_tokens_finite",
            ),
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("read_tokens__gte", -10000000000000000), ("read_tokens__lte", 10000000000000000)),
                name="ledger_tx_read_tokens_finite",
            ),
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("balance_before__gte", -10000000000000000), ("balance_before__lte", 10000000000000000)
                ),
                name="ledger_tx_balance_before_finite",
            ),
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("balance_after__gte", -10000000000000000), ("balance_after__lte", 10000000000000000)
                ),
                name="ledger_tx_balance_after_finite",
            ),
        ),
        migrations.AddConstraint(
            model_name="transaction",
            constraint=models.CheckConstraint(
                condition=models.Q(("written_off__gte", -10000000000000000), ("written_off__lte", 10000000000000000)),
                name="ledger_tx_written_off_finite",
            ),
        ),
    ]
