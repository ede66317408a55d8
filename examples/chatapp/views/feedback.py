"""PUT /api/messages/<conversation>/<message>/feedback: a rating on a reply, as LibreChat's route takes it.

Body: {"feedback": {"rating": "thumbsUp" | "thumbsDown", "tag": "<one of LibreChat's tags>", "text": "..."}},
or {"feedback": null} to withdraw the rating. chatmon keeps the rating and counts it for the reply's model.
"""

from __future__ import annotations

import uuid

from django import forms
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404

from chatmon.monitoring.feedback import MAX_TEXT, record_feedback
from examples.chatapp import selectors
from examples.chatapp.api import ApiError, JSONForm, endpoint, validated
from examples.chatapp.models import Message
from examples.chatapp.provider import DEFAULT_PROFILE, PROFILES


class FeedbackForm(JSONForm):
    rating = forms.ChoiceField(choices=[("thumbsUp", "thumbs up"), ("thumbsDown", "thumbs down")])
    tag = forms.CharField(max_length=64, required=False)
    text = forms.CharField(max_length=MAX_TEXT, required=False)


@endpoint(methods=["PUT"])
def feedback(request: HttpRequest, conversation_id: uuid.UUID, message_id: uuid.UUID) -> JsonResponse:
    conversation = selectors.conversation_of(user=request.user, pk=conversation_id)
    reply = get_object_or_404(conversation.messages, pk=message_id, role=Message.Role.ASSISTANT)
    given = request.json.get("feedback")
    if given is not None and not isinstance(given, dict):
        raise ApiError(400, "invalid_request", "feedback must be an object or null", fields={"feedback": ["invalid"]})
    data = validated(FeedbackForm(given)) if given is not None else None
    try:
        record_feedback(
            message_id=str(reply.id), model=reply.model, provider=PROFILES.get(reply.model, DEFAULT_PROFILE).provider,
            rating=data and data["rating"], tag=data and data["tag"], text=data["text"] if data else "",
            user_id=str(request.user.pk),
        )  # fmt: skip
    except ValueError as exc:  # a tag that is not one of the rating's
        raise ApiError(400, "invalid_request", str(exc), fields={"tag": [str(exc)]}) from exc
    return JsonResponse({"messageId": str(reply.id), "feedback": data})
