"""Demo data: a few users with published passwords, each with conversations the fake provider answered.

Safe to run on every start: rows have fixed keys (user names, UUIDv5 conversation ids), so a second run
finds them with two queries and writes nothing.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from examples.chatapp import conf, services
from examples.chatapp.demo_alerts import ensure_alert_rules
from examples.chatapp.models import Conversation, Message
from examples.chatapp.provider import FakeStream

# Published in docs/chatapp.md: these accounts exist only where CHATAPP_DEMO_DATA is on (never in production).
DEMO_USERS = {"alice": "alice-demo-pass", "bob": "bob-demo-pass", "carol": "carol-demo-pass"}
NAMESPACE = uuid.UUID("6f1d2c1e-6a39-4d2b-9a57-0c3f1d5f7a10")
CONVERSATIONS = (
    ("Trip to Lisbon", ["Plan three days in Lisbon on a budget.", "Which neighbourhood should we stay in?"]),
    ("Python help", ["How do I read a CSV file with the csv module?", "And write one back out?"]),
)


def ensure_demo_data() -> dict[str, str]:
    """Create whatever demo rows are missing; returns the user names and passwords created by this call."""
    created = _ensure_users()
    ensure_alert_rules()
    if apps.is_installed("chatmon.analytics"):
        _ensure_analytics()
    if apps.is_installed("chatmon.policies"):
        from examples.chatapp.demo_policies import ensure_demo_policies

        ensure_demo_policies()
    users = get_user_model().objects.filter(username__in=DEMO_USERS)
    wanted = {
        _conversation_id(user.username, title): (user, title, texts) for user in users for title, texts in CONVERSATIONS
    }
    existing = set(Conversation.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    models = conf.get("CHATAPP_MODELS")
    for n, (pk, (user, title, texts)) in enumerate(sorted(wanted.items())):
        if pk not in existing:
            _create_conversation(pk, user, title, texts, models[n % len(models)])
    return created


# Sign-ups of the last COHORT_WEEKS weeks, each signing in from a country in the weeks after it joined (fewer
# each week), through chatmon's own sign-in counter: the cohort triangle and the country panel have history.
COHORT_WEEKS, COHORT_SIZE = 8, 6
COUNTRY_ADDRESSES = ["81.2.69.10", "8.8.8.10", "193.0.6.10", "1.1.1.10", "202.12.27.10", "200.160.0.10"]


def _ensure_analytics() -> None:
    from chatmon.analytics import cohorts, places
    from chatmon.analytics.models import Experiment, Funnel, Kpi
    from examples.chatapp.analytics import EXPERIMENT, TURN_EVENT

    Experiment.objects.get_or_create(slug=EXPERIMENT, defaults={
        "name": "Demo: a shorter system prompt", "metric": Experiment.Metric.MESSAGES,
        "variants": [{"name": "control", "weight": 50}, {"name": "short-prompt", "weight": 50}],
    })  # fmt: skip
    Funnel.objects.get_or_create(name="Activation", defaults={
        "steps": ["registered", "signed_in", "first_spend", "spent_again_next_day"], "window_days": 30,
    })  # fmt: skip
    Funnel.objects.get_or_create(name="First chat", defaults={
        "steps": ["registered", "signed_in", f"event:{TURN_EVENT}", "spent_again_next_day"], "window_days": 30,
    })  # fmt: skip
    Kpi.objects.get_or_create(slug="chat-turns", defaults={"name": "Chat turns", "numerator": TURN_EVENT})
    User = get_user_model()
    if User.objects.filter(username__startswith="cohort-").exists():
        return
    now = timezone.now()
    # Members join between the start of their week (a UTC week from Monday, as cohorts count) and the same
    # moment of it as now, so that each week's six stay one cohort even when the demo loads early on a Monday.
    week_start = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=now.weekday())
    for week in range(COHORT_WEEKS):
        for n in range(COHORT_SIZE):
            joined = week_start + (now - week_start) * n / COHORT_SIZE - timedelta(weeks=week)
            user = User.objects.create_user(username=f"cohort-w{week}-{n}", date_joined=joined, is_active=False)
            for later in range(week + 1):
                if n < COHORT_SIZE - later:  # one user fewer each week after joining
                    address = COUNTRY_ADDRESSES[(week + n) % len(COUNTRY_ADDRESSES)]
                    places.record_sign_in(user_id=user.pk, address=address, when=joined + timedelta(weeks=later))
    # The cohort job runs hourly: run it once now so a fresh demo shows the triangle on its first page view
    # (loadgen's sign-ups join this week's row at the job's next run).
    cohorts.compute()


def _ensure_users() -> dict[str, str]:
    User = get_user_model()
    present = set(User.objects.filter(username__in=DEMO_USERS).values_list("username", flat=True))
    created = {}
    for username, password in DEMO_USERS.items():
        if username not in present:
            services.register_user(username=username, email=f"{username}@example.com", password=password)
            created[username] = password
    return created


def _conversation_id(username: str, title: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, f"{username}/{title}")


@transaction.atomic  # all or nothing: a later run only checks that the conversation exists
def _create_conversation(pk: uuid.UUID, user, title: str, texts: list[str], model: str) -> None:
    conversation = Conversation.objects.create(id=pk, user=user, title=title, model=model)
    for text in texts:
        services.add_user_message(conversation=conversation, text=text, model=model)
        reply = FakeStream(
            model=model, text=text, max_tokens=conf.get("CHATAPP_DEFAULT_MAX_TOKENS"), delay_ms=0, failure_rate=0
        )
        services.save_reply(
            conversation=conversation,
            message_id=uuid.uuid4(),
            text="".join(reply),
            usage=reply.usage,
            status=Message.Status.COMPLETE,
        )
