"""A failed notice is retried by later evaluations with backoff until the receiver takes it, and never sent
again once it was; a receiver that never recovers gets a bounded number of attempts."""

from __future__ import annotations

import pytest
from django.core import mail

from chatmon.alerting import notify
from chatmon.alerting.evaluation import evaluate_all
from chatmon.alerting.models import Delivery, Incident, NotificationChannel
from tests.alerting.test_webhook_delivery import spike

pytestmark = pytest.mark.django_db


def events(receiver) -> list[str]:
    return [body["chatmon"]["event"] for body in receiver.bodies]


def test_it_retries_a_failed_notice_after_the_backoff_and_sends_it_once(make_rule, receiver, clock):
    receiver.statuses = [503]  # down for the first attempt, then up
    make_rule("violation_spike", threshold=0, window_minutes=60)
    spike(1)

    evaluate_all()
    clock(seconds=30)
    assert evaluate_all()["retried"] == 0  # the first retry waits a minute
    clock(seconds=31)
    assert evaluate_all()["delivered"] == 1
    clock(minutes=10)
    evaluate_all()

    assert events(receiver) == ["opened", "opened"]  # the failed attempt, then the retry
    delivery = Incident.objects.get().deliveries.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert delivery.sent_at is not None


def test_it_gives_up_after_the_configured_attempts(make_rule, receiver, clock, settings):
    settings.ALERTING_DELIVERY_ATTEMPTS = 3
    receiver.status = 500
    make_rule("violation_spike", threshold=0, window_minutes=120)
    spike(1)

    evaluate_all()  # attempt 1, retry in 1 min
    for minutes in (1, 2, 4, 8):  # attempt 2 after 1 min, attempt 3 after 2 more, then nothing
        clock(minutes=minutes, seconds=1)
        evaluate_all()

    assert events(receiver) == ["opened"] * 3
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert "500" in delivery.last_error


def test_it_sends_an_attempt_once_when_two_workers_claim_it(make_rule, receiver, clock):
    receiver.status = 500  # still failing, so the delivery stays pending and only the claim stops a double send
    make_rule("violation_spike", threshold=0, window_minutes=60)
    spike(1)
    evaluate_all()
    clock(minutes=1, seconds=1)
    stale = Delivery.objects.select_related("incident__rule", "channel").get()  # both workers read it as due

    assert notify.attempt(stale) is False  # attempted (and failed) by the first worker
    assert notify.attempt(stale) is False  # the second one's claim no longer matches
    assert events(receiver) == ["opened", "opened"]
    assert Delivery.objects.get().attempts == 2


def test_it_retries_only_the_channel_that_failed(make_rule, receiver, clock, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    rule = make_rule("violation_spike", threshold=0, window_minutes=60)
    rule.channels.add(NotificationChannel.objects.create(name="ops-mail", kind="email", target="ops@example.com"))
    receiver.statuses = [500]
    spike(1)

    evaluate_all()
    clock(minutes=1, seconds=1)
    evaluate_all()

    assert events(receiver) == ["opened", "opened"]
    assert len(mail.outbox) == 1  # the e-mail went out the first time and is not sent again
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
