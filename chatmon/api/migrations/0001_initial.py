"""The HTTP API's models. Until chatmon 0.1 they belonged to an app labelled "api" (tables api_*): such a
database has its tables renamed here, rows and all; a new database gets them created."""

import chatmon.api.conf
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from chatmon.core.moves import create_or_adopt_tables, state_only


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        *state_only(
            [
                migrations.CreateModel(
                    name="ApiKey",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=100, unique=True)),
                        ("prefix", models.CharField(editable=False, max_length=8, unique=True)),
                        ("hashed_key", models.CharField(editable=False, max_length=150)),
                        ("scopes", models.JSONField(blank=True, default=list)),
                        ("source", models.CharField(default=chatmon.api.conf.default_source, max_length=50)),
                        (
                            "rate_limit_per_minute",
                            models.PositiveIntegerField(
                                blank=True, help_text="Empty: API_RATE_LIMIT_PER_MINUTE. 0: unlimited.", null=True
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("expires_at", models.DateTimeField(blank=True, null=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "API key",
                    },
                ),
                migrations.CreateModel(
                    name="ImportedRow",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("collection", models.CharField(max_length=20)),
                        ("external_id", models.CharField(max_length=64)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(fields=("collection", "external_id"), name="api_imported_once")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="ExternalUser",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("source", models.CharField(max_length=50)),
                        ("external_id", models.CharField(max_length=255)),
                        ("tenant_id", models.CharField(blank=True, default="", max_length=64)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="external_ids",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(fields=("source", "external_id"), name="api_external_user_once")
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="IdempotentResponse",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("key", models.CharField(max_length=255)),
                        ("fingerprint", models.CharField(max_length=64)),
                        ("status_code", models.PositiveSmallIntegerField()),
                        ("body", models.TextField()),
                        ("created_at", models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                        (
                            "api_key",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE, related_name="+", to="chatmon_api.apikey"
                            ),
                        ),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(fields=("api_key", "key"), name="api_idempotency_once")
                        ],
                    },
                ),
            ]
        ),
        create_or_adopt_tables(
            "chatmon_api",
            "api",
            {
                "apikey": "api_apikey",
                "importedrow": "api_importedrow",
                "externaluser": "api_externaluser",
                "idempotentresponse": "api_idempotentresponse",
            },
        ),
    ]
