"""Operator dashboards: hourly usage rollups, the beat job that fills them, and the staff-only pages."""
