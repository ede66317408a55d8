"""Thin Celery task for the API's periodic job (ApiConfig.beat_schedule); chatmon records its JobRun."""

from __future__ import annotations

from celery import shared_task

from chatmon.api import idempotency


@shared_task(name="api.prune_idempotent_responses")
def prune_idempotent_responses() -> dict:
    return idempotency.prune()
