"""Request monitoring (chatmon.monitoring): environment variables mapped onto MONITORING_* settings.

Defaults and their meaning live in chatmon/monitoring/conf.py; docs/monitoring.md lists them.
"""

from __future__ import annotations

from chatmon.settings.env import env

MONITORING_ENABLED = env.bool("CHATMON_MONITORING_ENABLED", default=True)
MONITORING_FLUSH_SECONDS = env.float("CHATMON_MONITORING_FLUSH_SECONDS", default=5.0)
MONITORING_METRICS_SYNC_SECONDS = env.float("CHATMON_MONITORING_METRICS_SYNC_SECONDS", default=1.0)
MONITORING_BUFFER_MAX_MINUTES = env.int("CHATMON_MONITORING_BUFFER_MAX_MINUTES", default=30)
MONITORING_KEY_TTL_SECONDS = env.int("CHATMON_MONITORING_KEY_TTL_SECONDS", default=2 * 86400)
MONITORING_ACTIVE_USERS_MINUTES = env.int("CHATMON_ACTIVE_USERS_MINUTES", default=5)
MONITORING_COMPACTED_BATCH_RETENTION_DAYS = env.int("CHATMON_MONITORING_BATCH_RETENTION_DAYS", default=7)
MONITORING_CELERY_QUEUES = env.list("CHATMON_MONITORING_CELERY_QUEUES", default=[])
if env.str("CHATMON_MONITORING_FEATURE_EVENTS", default=""):
    MONITORING_FEATURE_EVENTS = env.list("CHATMON_MONITORING_FEATURE_EVENTS")
# LLM generations (docs/models.md); unset variables keep chatmon/monitoring/conf.py's defaults.
if env.str("CHATMON_MONITORING_GENERATIONS_ENABLED", default=""):
    MONITORING_GENERATIONS_ENABLED = env.bool("CHATMON_MONITORING_GENERATIONS_ENABLED")
if env.str("CHATMON_MONITORING_GENERATION_PROVIDERS", default=""):
    MONITORING_GENERATION_PROVIDERS = env.list("CHATMON_MONITORING_GENERATION_PROVIDERS")
