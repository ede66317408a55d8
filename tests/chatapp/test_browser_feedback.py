"""A user rates a reply on the conversation page in Chromium: thumbs down with a tag reaches chatmon's
feedback (the row and the model's count), and a tag of the other rating is left out rather than refused."""

from __future__ import annotations

import pytest

from chatmon.monitoring.generations import model_label
from chatmon.monitoring.models import MessageFeedback
from examples.chatapp.models import Message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_a_reply_is_rated_from_its_page(page, member, output_dir):
    assert page.request.post("/api/auth/login", data={"username": "member", "password": "member-pass-1"}).ok
    chat = page.request.post("/api/chat/", data={"model": "claude-3-5-haiku", "text": "rate this reply"})
    assert chat.ok
    reply = Message.objects.get(role="assistant")

    page.goto(f"/conversations/{reply.conversation_id}/")
    control = page.locator(f"[data-message='{reply.id}'] form.feedback")
    control.locator("select[name=tag]").select_option("lazy")
    control.locator("button[value=thumbsDown]").click()
    page.wait_for_selector(f"[data-message='{reply.id}'] form.feedback[data-rated=thumbsDown]")
    assert control.locator("[data-feedback-status]").inner_text() == "Thanks!"
    row = MessageFeedback.objects.get()
    assert (row.message_id, row.model, row.rating, row.tag) == (str(reply.id), model_label("claude-3-5-haiku"),
                                                                 "thumbsDown", "lazy")  # fmt: skip

    control.locator("button[value=thumbsUp]").click()  # "lazy" is not a thumbs-up tag: sent without it
    page.wait_for_selector(f"[data-message='{reply.id}'] form.feedback[data-rated=thumbsUp]")
    row.refresh_from_db()
    assert (row.rating, row.tag) == ("thumbsUp", "")
    page.screenshot(path=output_dir / "chatapp-feedback.png", full_page=True)
