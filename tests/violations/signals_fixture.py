"""A stand-in for ledger.signals (looked up by dotted path, as violations looks up the real one)."""

from django.dispatch import Signal

balance_denied = Signal()
