"""Reads for the dashboards: each function turns rollup rows of a time range into panels (never raw rows,
except the few rows that are small by nature: active bans, one user's own history, job runs per job)."""
