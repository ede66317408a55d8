"""Signals the core app sends; other chatmon apps connect to them in their AppConfig.ready()."""

from django.dispatch import Signal

# Sent by /metrics before it exports: apps that batch metrics in process memory write them out first, so a
# scrape sees this process's work up to now (request monitoring's batched request metrics connect here).
metrics_requested = Signal()
