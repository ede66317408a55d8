"""Every module of chatmon's apps and of the domain apps imports in a project that is not chatmon's: no
settings module chosen, no Celery app created, no setting that only chatmon's own settings define."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A project that knows nothing of chatmon's settings: Django's defaults plus the apps and a Redis cache URL.
SCRIPT = textwrap.dedent(
    """
    import importlib, json, os, pkgutil, sys

    import django
    from django.conf import settings

    APPS = ["chatmon.core", "chatmon.monitoring", "chatmon.dashboards", "chatmon.alerting", "chatmon.analytics",
            "chatmon.policies", "chatmon.api", "ledger", "violations", "auditlog"]
    settings.configure(
        INSTALLED_APPS=["django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
                        "django.contrib.sessions", "django.contrib.messages", "django_celery_beat",
                        "rest_framework", *APPS],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    )
    django.setup()
    # Project modules of chatmon's own: the settings, the Celery app, entry points, the devstack, test helpers.
    PROJECT = ("chatmon.settings", "chatmon.celery", "chatmon.wsgi", "chatmon.asgi", "chatmon.urls",
               "chatmon.devstack", "chatmon.embedded_valkey", "chatmon.testing")
    imported = []
    for package in [*APPS, "chatmon.logging"]:
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=package + "."):
            if not info.name.startswith(PROJECT):
                importlib.import_module(info.name)
                imported.append(info.name)
    from celery import current_app

    print(json.dumps({
        "imported": len(imported),
        "project_modules": sorted(m for m in sys.modules if m.startswith(PROJECT)),
        "settings_module": os.environ.get("DJANGO_SETTINGS_MODULE"),
        "celery_app": current_app.main,
    }))
    """
)


def test_every_app_module_imports_without_the_project():
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(ROOT / "var")}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["imported"] > 100
    assert report["project_modules"] == []
    assert report["settings_module"] is None
    assert report["celery_app"] != "chatmon"  # Celery's default app: chatmon created none of its own
