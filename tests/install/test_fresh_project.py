"""docs/integration.md, followed literally: chatmon's wheel in a new virtualenv, `django-admin startproject`,
the guide's blocks applied by their titles, then a ban, a spend, /metrics, a dashboard page and the audit log
checked over HTTP against `manage.py runserver`, with a real Celery worker and beat.

The fresh project runs from a temporary folder with its own interpreter, so the chatmon it imports is the
wheel's, never the checkout's. The guide's blocks are read from the document, so the guide cannot drift from
what works. Nothing here skips: a missing tool or service fails the test.
"""

from __future__ import annotations

import ast
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests

from chatmon.testing.servers import free_port, wait_until_serving

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "integration.md"
BLOCK = re.compile(r'^```(?P<lang>\w+) title="(?P<title>[^"]+)"\n(?P<body>.*?)^```$', re.MULTILINE | re.DOTALL)

# The blocks appended to the new project's settings.py, in the guide's order.
SETTINGS_BLOCKS = (
    "settings.py: INSTALLED_APPS",
    "settings.py: MIDDLEWARE",
    "settings.py: Redis, cache and Celery",
    "settings.py: SQLite",
    "settings.py: chatmon",
    "settings.py: HTTP API",
    "settings.py: logging",
)
# Blocks that are whole files of the new project (the project package is `chatsite`, the chat app `chat`).
FILE_BLOCKS = ("chatsite/celery.py", "chatsite/__init__.py", "chat/apps.py", "chat/views.py")
CONF_MODULES = (
    "chatmon/core/conf.py",
    "chatmon/monitoring/conf.py",
    "chatmon/dashboards/conf.py",
    "chatmon/alerting/conf.py",
    "chatmon/analytics/conf.py",
    "chatmon/policies/conf.py",
    "chatmon/api/conf.py",
    "chatmon/logging/conf.py",
    "ledger/conf.py",
    "violations/conf.py",
    "auditlog/conf.py",
)
# What a setting read looks like in a conf.py: `_get("NAME", ...)` or `getattr(settings, "NAME", ...)`.
SETTING_READ = re.compile(r"""(?:_get|getattr)\(\s*(?:settings,\s*)?["']([A-Z][A-Z0-9_]+)["']""")
# Parts of the source tree that never go into a wheel build (and may be large or stale).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "dist", "*.egg-info", "__pycache__", "test-output", ".pytest_cache",
    ".ruff_cache", ".hypothesis", "node_modules",
)  # fmt: skip

# The existing chat app the guide is added to: a login route and the guide's views, under the names the
# guide's settings use (`chat:login`, `chat:chat`); its provider is a fake that reports token usage.
CHAT_URLS = """
from django.contrib.auth import views as auth_views
from django.urls import path

from chat import views

app_name = "chat"

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="admin/login.html"), name="login"),
    path("chat/", views.chat, name="chat"),
    path("conversations/<int:conversation_id>/share", views.share, name="share"),
]
"""
CHAT_PROVIDER = """
import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Reply:
    id: str
    text: str
    prompt_tokens: int
    completion_tokens: int


def complete(*, model, prompt):
    return Reply(id=uuid.uuid4().hex, text=f"echo: {prompt}", prompt_tokens=len(prompt.split()) + 12,
                 completion_tokens=40)
"""


def guide_blocks() -> dict[str, str]:
    blocks: dict[str, str] = {}
    for match in BLOCK.finditer(GUIDE.read_text()):
        title = match["title"]
        assert title not in blocks, f"two blocks titled {title!r} in {GUIDE.name}"
        blocks[title] = match["body"]
    return blocks


def block(title: str) -> str:
    blocks = guide_blocks()
    assert title in blocks, f"{GUIDE.name} has no block titled {title!r} (titles: {sorted(blocks)})"
    return blocks[title]


def assigned_list(source: str, name: str) -> list[str]:
    """The list literal assigned to (or added to) `name` in a piece of Python source."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return ast.literal_eval(node.value)
        if isinstance(node, ast.AugAssign) and getattr(node.target, "id", None) == name:
            return ast.literal_eval(node.value)
    raise AssertionError(f"no list assigned to {name}")


def chatmons_own(names: list[str]) -> list[str]:
    return [name for name in names if name.split(".")[0] in ("chatmon", "ledger", "violations", "auditlog")]


# --- the guide against the code (fast) ----------------------------------------------------------------------


def test_it_documents_every_setting_the_apps_read():
    text = GUIDE.read_text()
    missing = {}
    for module in CONF_MODULES:
        names = set(SETTING_READ.findall((REPO / module).read_text()))
        assert names, f"no setting read found in {module}"
        missing[module] = sorted(name for name in names if f"`{name}`" not in text)
    assert not {module: names for module, names in missing.items() if names}


def test_it_orders_chatmons_middleware_as_chatmons_own_settings_do():
    project = assigned_list((REPO / "chatmon" / "settings" / "base.py").read_text(), "MIDDLEWARE")
    guide = assigned_list(block("settings.py: MIDDLEWARE"), "MIDDLEWARE")
    assert chatmons_own(guide) == chatmons_own(project)
    # Django's own entries keep Django's relative order around them.
    assert [name for name in guide if name.startswith("django.")] == [
        name for name in project if name.startswith("django.") and name in guide
    ]


def test_it_installs_every_app_chatmons_project_installs():
    project = assigned_list((REPO / "chatmon" / "settings" / "base.py").read_text(), "INSTALLED_APPS")
    guide = assigned_list(block("settings.py: INSTALLED_APPS"), "INSTALLED_APPS")
    startproject = {"django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
                    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles"}  # fmt: skip
    optional = {"whitenoise.runserver_nostatic"}  # static files are the chat app's choice
    assert set(project) - startproject - optional <= set(guide)


# --- the guide followed in a fresh project (slow) ----------------------------------------------------------


class Process:
    """A command of the fresh project, run to completion or kept running in the background."""

    def __init__(self, site: Path, venv: Path, env: dict[str, str]) -> None:
        self.site, self.venv, self.env = site, venv, env
        self.background: list[tuple[subprocess.Popen, Path]] = []

    @property
    def python(self) -> str:
        return str(self.venv / "bin" / "python")

    def run(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run(
            args, cwd=self.site, env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def manage(self, *args: str, timeout: float = 120) -> str:
        return self.run(self.python, "manage.py", *args, timeout=timeout)

    def shell(self, code: str) -> dict:
        """Runs Python in the project's Django shell; the code prints one JSON object as its last line."""
        return json.loads(self.manage("shell", "-v", "0", "-c", code).strip().splitlines()[-1])

    def start(self, name: str, *args: str) -> None:
        log = self.site / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(args, cwd=self.site, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.background.append((process, log))

    def logs(self) -> str:
        return "\n".join(f"--- {log.name}\n{log.read_text()[-4000:]}" for _, log in self.background)

    def stop_all(self) -> None:
        for process, _ in self.background:
            process.terminate()
        for process, _ in self.background:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def build_wheel(tmp: Path) -> Path:
    """The wheel of the working tree, built from a copy so that no build/ or egg-info is read or left behind."""
    source = tmp / "source"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)
    dist = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(source)],
        check=True,
        timeout=300,
    )
    (wheel,) = dist.glob("chatmon-*.whl")
    return wheel


def install_env() -> dict[str, str]:
    """The machine's environment (pip's index settings included) without this test session's Python and Django."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE", "VIRTUAL_ENV")}
    return env


def create_venv(tmp: Path, wheel: Path) -> Path:
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # The versions chatmon's CI pins, as constraints (pip refuses extras there): a new upstream release must
    # not break this test unannounced, and the wheel's declared ranges must admit the pinned versions.
    constraints = tmp / "constraints.txt"
    pins = (REPO / "requirements.txt").read_text().splitlines()
    constraints.write_text("\n".join(re.sub(r"\[[^]]*\]", "", line) for line in pins) + "\n")
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel), "-c", str(constraints)],
        env=install_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, f"pip install of the wheel failed:\n{done.stdout}\n{done.stderr}"
    return venv


def start_project(tmp: Path, venv: Path, env: dict[str, str]) -> Process:
    """`startproject chatsite` with a chat app `chat`, then every block of the guide, by its title."""
    site = tmp / "site"
    site.mkdir()
    project = Process(site, venv, env)
    project.run(str(venv / "bin" / "django-admin"), "startproject", "chatsite", ".")
    project.manage("startapp", "chat")
    (site / "chat" / "urls.py").write_text(CHAT_URLS)
    (site / "chat" / "llm.py").write_text(CHAT_PROVIDER)

    settings = site / "chatsite" / "settings.py"
    parts = [settings.read_text(), 'INSTALLED_APPS += ["chat"]  # the existing chat app\n']
    parts += [f"# --- docs/integration.md: {title}\n{block(title)}" for title in SETTINGS_BLOCKS]
    settings.write_text("\n".join(parts))

    urls = site / "chatsite" / "urls.py"
    chat_routes = 'urlpatterns += [path("", include("chat.urls"))]  # the existing chat app\n'
    urls.write_text(f"{urls.read_text()}\n# --- docs/integration.md: urls.py\n{block('urls.py')}\n{chat_routes}")

    for path in FILE_BLOCKS:
        (site / path).write_text(block(path))
    return project


def csrf_headers(session: requests.Session, base: str) -> dict[str, str]:
    return {"X-CSRFToken": session.cookies["csrftoken"], "Referer": f"{base}/"}


def log_in(session: requests.Session, base: str, path: str, username: str, password: str) -> requests.Response:
    session.get(f"{base}/admin/login/")  # sets the CSRF cookie
    return session.post(
        f"{base}{path}",
        data={"username": username, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{base}{path}"},
        allow_redirects=False,
        timeout=10,
    )


def poll(fetch, accept, timeout: float = 10):
    """fetch() until accept(result) (the ban view of a process re-syncs every VIOLATIONS_BAN_SYNC_SECONDS)."""
    deadline = time.monotonic() + timeout
    while True:
        result = fetch()
        if accept(result) or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def get_from(address: str, port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    """GET from a given loopback source address (127.0.0.2 is a caller of its own to the server)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(address, 0))
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def delete_namespace(url: str, namespace: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    keys = list(client.scan_iter(match=f"*{namespace}*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.mark.slow
def test_it_runs_a_fresh_project_built_from_the_guide(tmp_path):
    assert not tmp_path.is_relative_to(REPO)
    started = time.monotonic()
    wheel = build_wheel(tmp_path)
    venv = create_venv(tmp_path, wheel)
    installed = time.monotonic() - started

    namespace = f"fresh-{secrets.token_hex(4)}"
    metrics_token = secrets.token_urlsafe(16)
    password = secrets.token_urlsafe(12)
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "REDIS_URL": os.environ["REDIS_URL"],
        "REDIS_NAMESPACE": namespace,
        "METRICS_TOKEN": metrics_token,
        "DJANGO_SUPERUSER_PASSWORD": password,
    }
    project = start_project(tmp_path, venv, env)

    # The apps come from the wheel installed in the new virtualenv, not from the checkout.
    probe = "\n".join(
        [
            "import json, chatmon, ledger, violations, auditlog",
            "print(json.dumps([p.__file__ for p in (chatmon, ledger, violations, auditlog)]))",
        ]
    )
    files = json.loads(project.run(project.python, "-c", probe))
    assert all(Path(file).is_relative_to(venv) for file in files), files

    # Every system check of every app is satisfied by the guide's settings, warnings included.
    project.manage("check", "--fail-level", "WARNING")
    project.manage("migrate", "--no-input", timeout=300)
    assert re.search(r"beat schedule: [1-9]\d* created", project.manage("sync_beat_schedule"))
    project.manage("createsuperuser", "--no-input", "--username", "op", "--email", "op@example.com")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    celery = str(venv / "bin" / "celery")
    try:
        project.start("web", project.python, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}")
        project.start("worker", celery, "-A", "chatsite", "worker", "--pool", "solo", "--loglevel", "INFO")
        project.start("beat", celery, "-A", "chatsite", "beat", "--loglevel", "INFO")
        wait_until_serving(base, timeout=60)
        check_over_http(project, base, port, metrics_token, password)
    except BaseException:
        print(project.logs())
        raise
    finally:
        project.stop_all()
        delete_namespace(os.environ["REDIS_URL"], namespace)
    print(f"fresh project: wheel built and installed in {installed:.0f}s, whole test {time.monotonic() - started:.0f}s")


def check_over_http(project: Process, base: str, port: int, metrics_token: str, password: str) -> None:
    # /metrics wants the token; with it, chatmon's series.
    assert requests.get(f"{base}/metrics", timeout=10).status_code in (401, 403)
    scrape = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {metrics_token}"}, timeout=30)
    assert scrape.status_code == 200
    assert re.search(r"^chatmon_\w+", scrape.text, re.MULTILINE)

    # The operator signs in through the admin; the login is audited; the dashboards render.
    operator = requests.Session()
    assert log_in(operator, base, "/admin/login/?next=/admin/", "op", password).status_code == 302
    for page in ("/dashboard/", "/dashboard/overview/", "/dashboard/usage/"):
        response = operator.get(f"{base}{page}", timeout=30)
        assert response.status_code == 200, page
        assert "text/html" in response.headers["Content-Type"]
    logins = project.shell(
        "import json; from auditlog.models import AuditEvent; "
        "print(json.dumps({'logins': AuditEvent.objects.filter(action='auth.login', actor__username='op').count()}))"
    )
    assert logins == {"logins": 1}

    # A chat turn through the guide's view: balance check, provider, spend; the balance moves.
    turn = operator.post(
        f"{base}/chat/",
        data=json.dumps({"model": "gpt-4o-mini", "text": "hello there"}),
        headers={"Content-Type": "application/json", **csrf_headers(operator, base)},
        timeout=30,
    )
    assert turn.status_code == 200, turn.text
    assert turn.json()["balance"] < 20000
    ledger = project.shell(
        "import json; from ledger.models import Balance, Transaction; "
        "print(json.dumps({'types': sorted(Transaction.objects.filter(user__username='op')"
        ".values_list('token_type', flat=True)), 'credits': Balance.objects.get(user__username='op').token_credits}))"
    )
    assert ledger == {"types": ["completion", "prompt"], "credits": turn.json()["balance"]}

    # The guide's audited action.
    shared = operator.post(f"{base}/conversations/7/share", headers=csrf_headers(operator, base), timeout=10)
    assert shared.status_code == 200, shared.text
    assert shared.json()["audit_event"]

    # A user banned through the violations service is refused at the chat app's login, with 403 JSON.
    banned = project.shell(
        "import json; from django.contrib.auth.models import User; from violations.services import log_violation; "
        "user = User.objects.create_user('mallory', password='not-a-secret-1'); "
        "print(json.dumps({'banned': log_violation(type='non_browser', user=user).banned}))"
    )
    assert banned == {"banned": True}
    # A new client each time, so the refusal is the login check's (the account named in the POST), not a
    # session that signed in while the server's ban view was still a sync interval old.
    refusal = poll(
        lambda: log_in(requests.Session(), base, "/login/", "mallory", "not-a-secret-1"),
        lambda r: r.status_code == 403,
    )
    assert refusal.status_code == 403, refusal.text
    assert refusal.headers["Content-Type"] == "application/json"
    assert "banned" in refusal.json()["message"]
    assert int(refusal.headers["Retry-After"]) > 0

    # An IP banned through the service is refused on any route.
    project.shell(
        "import json; from violations.services import log_violation; "
        "print(json.dumps({'banned': log_violation(type='logins', ip='127.0.0.2', score=20).banned}))"
    )
    status, _headers, body = poll(lambda: get_from("127.0.0.2", port, "/dashboard/"), lambda r: r[0] == 403)
    assert status == 403, body
    assert "banned" in json.loads(body)["message"]
    assert get_from("127.0.0.1", port, "/healthz")[0] == 200  # the operator's address is not banned

    # The HTTP API with a key made in the shell: a spend for an external user, then its balance.
    key = project.shell(
        "import json; from chatmon.api.keys import create_key; "
        "print(json.dumps({'key': create_key(name='chat', scopes=['ledger:write', 'ledger:read'])[1]}))"
    )["key"]
    api = {"Authorization": f"Bearer {key}"}
    spend = requests.post(
        f"{base}/api/v1/spends",
        json={"user": "ext-1", "model": "gpt-4o", "prompt_tokens": 100, "completion_tokens": 50},
        headers=api,
        timeout=30,
    )
    assert spend.status_code in (200, 201), spend.text
    balance = requests.get(f"{base}/api/v1/balance", params={"user": "ext-1"}, headers=api, timeout=10)
    assert balance.status_code == 200, balance.text
    assert balance.json()["balance"] < 20000

    # Beat synced the schedule and sent a heartbeat; the worker ran it as a recorded job: /health/ is green.
    health = poll(
        lambda: requests.get(f"{base}/health/", params={"format": "json"}, timeout=30),
        lambda r: r.status_code == 200,
        timeout=90,
    )
    assert health.status_code == 200, health.text
    page = operator.get(f"{base}/health/", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
