"""Operators read users' feedback in the admin: listed newest first, filtered by rating and model, searched by
text, the text shown as text; never added, edited or deleted there (the rollups' thumbs counts follow
record_feedback only)."""

from __future__ import annotations

import pytest

from chatmon.monitoring.feedback import record_feedback
from chatmon.monitoring.models import MessageFeedback

pytestmark = pytest.mark.django_db
LIST = "/admin/chatmon_monitoring/messagefeedback/"


@pytest.fixture
def ratings():
    record_feedback(message_id="m1", model="gpt-4o", provider="openAI", rating="thumbsUp", tag="helpful")
    return record_feedback(
        message_id="m2", model="claude-sonnet-4", provider="anthropic", rating="thumbsDown", tag="incorrect",
        text="wrong <b>date</b> in the answer",
    )  # fmt: skip


def test_it_lists_filters_and_searches_feedback(client, operator, ratings):
    client.force_login(operator)
    page = client.get(LIST).content.decode()
    assert "m1" in page and "m2" in page
    assert "wrong &lt;b&gt;date&lt;/b&gt; in the answer" in page  # text, not markup

    down = client.get(LIST, {"rating__exact": "thumbsDown"}).content.decode()
    assert "m2" in down and ">m1<" not in down
    found = client.get(LIST, {"q": "date"}).content.decode()
    assert "m2" in found and ">m1<" not in found


def test_it_is_read_only(client, operator, ratings):
    client.force_login(operator)
    assert client.get(f"{LIST}add/").status_code == 403
    assert client.post(f"{LIST}{ratings.pk}/change/", {"rating": "thumbsUp"}).status_code == 403
    assert client.post(f"{LIST}{ratings.pk}/delete/", {"post": "yes"}).status_code == 403
    assert MessageFeedback.objects.get(pk=ratings.pk).rating == "thumbsDown"
