"""Request monitoring: per-request metrics and rollups without a network round trip per request.

See docs/monitoring.md. Feature events: `chatmon.monitoring.events.record_feature_event("conversation.shared")`.
"""
