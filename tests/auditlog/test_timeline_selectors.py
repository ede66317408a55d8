"""auditlog.selectors: a user's timeline (events they did or that were about them) and its sign-in part."""

from __future__ import annotations

import pytest

from auditlog import selectors
from auditlog.actions import Action
from auditlog.services import record

pytestmark = pytest.mark.django_db


def test_it_lists_what_a_user_did_and_what_was_done_to_them_newest_first(member, operator):
    record(action=Action.LOGIN, actor=member)
    record(action=Action.CREDITS_GRANTED, actor=operator, subject=member)
    record(action=Action.LOGIN, actor=operator)
    record(action=Action.SETTINGS_CHANGED, actor="system", subject=member.pk)
    record(action=Action.LOGOUT, actor=member)
    timeline = [(e.action, e.actor_label) for e in selectors.timeline_of(member)]
    assert timeline == [
        ("auth.logout", "member@example.com"),
        ("account.settings_changed", "system"),
        ("ledger.credits_granted", "operator@example.com"),
        ("auth.login", "member@example.com"),
        ("account.created", "system"),  # by the auth receivers, when the fixture made the user
    ]
    assert list(selectors.timeline_of(member.pk)) == list(selectors.timeline_of(member))


def test_it_keeps_the_sign_ins_and_sign_outs_for_the_sessions_view(member, operator):
    record(action=Action.LOGIN, actor=member, ip="203.0.113.7")
    record(action=Action.PASSWORD_CHANGED, actor=member)
    record(action=Action.LOGIN_FAILED, actor="anonymous", subject=member, outcome="failure")
    record(action=Action.LOGIN, actor=operator)
    sessions = [(e.action, e.outcome) for e in selectors.sessions_of(member)]
    assert sessions == [("auth.login_failed", "failure"), ("auth.login", "success")]
