"""Threshold alerting: admin-editable rules, a beat job that evaluates them, incidents and their notices."""
