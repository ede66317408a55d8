"""`loadgen` drives the app over real HTTP: normal users chat, abusive ones brute-force logins and flood."""

from __future__ import annotations

import re
import time
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.core.management import CommandError, call_command

from examples.chatapp.loadgen.client import BROWSER_AGENT, SCRIPTED_AGENTS
from examples.chatapp.loadgen.runner import abusive_count
from examples.chatapp.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def loadgen(**options) -> str:
    out = StringIO()
    call_command("loadgen", think=0, seed=1, stdout=out, **options)
    return out.getvalue()


def requests_for(output: str, action: str, outcome: str) -> int:
    match = re.search(rf"^{re.escape(action)}\s+{re.escape(outcome)}\s+(\d+)$", output, re.M)
    return int(match.group(1)) if match else 0


def test_it_produces_successful_chats_and_failed_logins(live_server):
    logins = []

    def seen(sender, request, user, **kwargs):
        logins.append((user.username, request.headers["User-Agent"], request.headers["X-Forwarded-For"]))

    user_logged_in.connect(seen)
    try:
        output = loadgen(base_url=live_server.url, users=3, rounds=3, wait_ready=True)
    finally:
        user_logged_in.disconnect(seen)

    assert "2 normal and 1 abusive users" in output
    assert requests_for(output, "register", "201") == 3
    assert requests_for(output, "chat", "200 complete") + requests_for(output, "chat", "200 aborted") == 6
    assert requests_for(output, "login (brute force)", "401") == 5
    assert requests_for(output, "chat (flood)", "200 complete") == 8
    assert requests_for(output, "chat (scripted client)", "200 complete") == 1
    users = get_user_model().objects.filter(username__startswith="lg-")
    assert sorted(users.values_list("username", flat=True)) == ["lg-abuser-0", "lg-user-0", "lg-user-1"]
    normal_replies = Message.objects.filter(role="assistant", conversation__user__username__startswith="lg-user-")
    assert normal_replies.filter(status="complete").exists()
    assert Message.objects.filter(role="user", conversation__user__username="lg-abuser-0").count() == 9

    addresses = {(name, address) for name, _, address in logins}
    # One country each (GB, US), the abuser from another on a host number no normal user gets.
    assert addresses == {("lg-user-0", "81.2.69.1"), ("lg-user-1", "8.8.8.1"), ("lg-abuser-0", "200.160.0.200")}
    normal_agents = {agent for name, agent, _ in logins if name.startswith("lg-user-")}
    abuser_agents = {agent for name, agent, _ in logins if name == "lg-abuser-0"}
    assert normal_agents == {BROWSER_AGENT}
    assert len(abuser_agents - {BROWSER_AGENT}) == 1 and (abuser_agents - {BROWSER_AGENT}) < set(SCRIPTED_AGENTS)


def test_it_stops_by_itself_when_the_duration_is_over(live_server):
    started = time.monotonic()
    output = loadgen(base_url=live_server.url, users=2, duration=1.5)
    assert time.monotonic() - started < 15
    total = int(re.search(r"^total\s+(\d+)$", output, re.M).group(1))
    assert total > 5


@pytest.mark.parametrize("url", ["http://example.com:8000", "http://10.0.0.5", "ftp://127.0.0.1", "localhost:8000"])
def test_it_refuses_any_host_but_this_machine(url):
    with pytest.raises(CommandError, match=r"refusing|must look like"):
        loadgen(base_url=url, users=1, rounds=1)


def test_it_gives_up_waiting_for_a_server_that_never_answers(settings, monkeypatch):
    monkeypatch.setattr("examples.chatapp.management.commands.loadgen.READY_TIMEOUT", 1)
    with pytest.raises(CommandError, match="did not answer 200"):
        loadgen(base_url="http://127.0.0.1:9", users=1, rounds=1, wait_ready=True)


def test_it_makes_at_least_one_user_abusive_when_the_share_is_above_zero():
    assert [abusive_count(n, 0.2) for n in (1, 3, 10, 12)] == [1, 1, 2, 2]
    assert abusive_count(10, 0) == 0
    assert abusive_count(4, 1) == 4
