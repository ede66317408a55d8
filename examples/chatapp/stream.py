"""The chat reply as LibreChat-style server-sent events, saved exactly once however the stream ends.

Events, in order: `message` {"created": true, "message": <the user's message>}; one `message`
{"text": <chunk>, ...} per provider chunk; then either the final `message` {"final": true, ..., "usage"} or,
when the provider fails, LibreChat's `error` event {"error": true, "final": true, "text": ...}.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import StreamingHttpResponse

from chatmon.logging import tracing
from examples.chatapp import generations, payloads, services
from examples.chatapp.models import Conversation, Message
from examples.chatapp.provider import FakeStream, ProviderError
from ledger import services as ledger


def sse(event: str, data: dict) -> str:
    # json.dumps escapes newlines, so each event's data fits the one `data:` line SSE requires.
    return f"event: {event}\ndata: {json.dumps(data, cls=DjangoJSONEncoder)}\n\n"


def event_stream(events) -> StreamingHttpResponse:
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx would otherwise hold the chunks back
    return response


class ChatReply:
    """Iterate for the events. The reply is saved when the stream ends, fails, or is closed part way.

    The WSGI server calls `close()` when the response is done, including when the client disconnected
    part way (Django hands our `close` to the response); a reply not yet saved is then saved as
    `disconnected` with the text produced so far, even if iteration never started.
    """

    def __init__(
        self, *, conversation: Conversation, question: Message, provider: FakeStream, regeneration: bool = False
    ) -> None:
        self.conversation = conversation
        self.question = question
        self.provider = provider
        self.regeneration = regeneration
        self.timer = generations.Timer()
        self.outcome = "ok"
        self.message_id = uuid.uuid4()
        self.parts: list[str] = []
        self.saved: Message | None = None

    def __iter__(self) -> Iterator[str]:
        yield sse("message", {"created": True, "message": payloads.message(self.question)})
        # The provider call and its wait for the first token are child spans of the request's span.
        model = {"llm.model": self.provider.model}
        chunks = tracing.traced_iteration(
            self.provider, "chat.provider_call", first_item="chat.first_token", attributes=model
        )
        self.timer.start()
        try:
            for chunk in chunks:
                self.timer.token()
                self.parts.append(chunk)
                yield sse("message", {"text": chunk, **self._ids()})
        except ProviderError as exc:
            self.outcome = exc.outcome
            self.finish(Message.Status.ERROR)
            yield sse("error", self._error(str(exc)))
            return
        reply = self.finish(Message.Status.COMPLETE)
        yield sse("message", self._final(reply))

    def close(self) -> None:
        self.finish(Message.Status.DISCONNECTED)

    def finish(self, status: str) -> Message:
        """Charge the reply's usage and save it, once, in one transaction: a reply is saved if and only if it
        is charged. A reply cut short is charged as LibreChat's `incomplete` context (completion surcharge);
        the message id makes the charge idempotent. The charge comes first so that the balance row is always
        locked before the audit chain's head (as grants and refills do), never the other way round."""
        if self.saved is None:
            usage = self.provider.usage
            spend = ledger.spend_structured_tokens if usage.structured else ledger.spend_tokens
            with tracing.span("chat.spend", {"llm.model": usage.model, "chat.status": status}), transaction.atomic():
                spend(
                    user=self.conversation.user,
                    model=usage.model,
                    conversation_id=str(self.conversation.id),
                    message_id=str(self.message_id),
                    context="message" if status == Message.Status.COMPLETE else "incomplete",
                    **usage.ledger_tokens(),
                )
                if self.provider.calls:  # an image or web searches: priced per call, once per message and item
                    ledger.spend_calls(
                        user=self.conversation.user,
                        items=self.provider.calls,
                        conversation_id=str(self.conversation.id),
                        message_id=str(self.message_id),
                    )
                self.saved = services.save_reply(
                    conversation=self.conversation,
                    message_id=self.message_id,
                    text="".join(self.parts),
                    usage=usage,
                    status=status,
                )
            # After the commit, in memory only: chatmon's generation report (a reply cut off was cancelled).
            outcome = "cancelled" if status == Message.Status.DISCONNECTED else self.outcome
            generations.report_reply(
                provider=self.provider, outcome=outcome, timer=self.timer, regeneration=self.regeneration
            )
        return self.saved

    def _ids(self) -> dict:
        return {
            "messageId": self.message_id,
            "parentMessageId": self.question.id,
            "conversationId": self.conversation.id,
        }

    def _final(self, reply: Message) -> dict:
        return {
            "final": True,
            "conversation": payloads.conversation(self.conversation),
            "requestMessage": payloads.message(self.question),
            "responseMessage": payloads.message(reply),
            "usage": self.provider.usage.provider_usage(),
        }

    def _error(self, text: str) -> dict:
        # LibreChat's sendError shape (denyRequest.js / error.js): HTTP stays 200, the event says it all.
        return {
            "sender": self.provider.model,
            **self._ids(),
            "unfinished": False,
            "error": True,
            "final": True,
            "text": text,
            "isCreatedByUser": False,
        }


def balance_denied(payload: dict, *, model: str) -> Iterator[str]:
    """LibreChat's answer to a failed balance check: one SSE error whose text is the denial as JSON."""
    yield sse("error", {"sender": model, "error": True, "final": True, "text": json.dumps(payload)})
