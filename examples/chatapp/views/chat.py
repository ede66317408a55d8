"""POST /api/chat/: one user turn in, one streamed assistant reply out."""

from __future__ import annotations

from django.http import HttpRequest, StreamingHttpResponse

from examples.chatapp import analytics, generations, selectors, services
from examples.chatapp.api import endpoint, validated
from examples.chatapp.forms import ChatForm
from examples.chatapp.provider import FakeStream, count_prompt_tokens, tool_calls
from examples.chatapp.stream import ChatReply, balance_denied, event_stream
from ledger import services as ledger


@endpoint(methods=["POST"])
def chat(request: HttpRequest) -> StreamingHttpResponse:
    """The whole flow of a chat request, in order:

    1. authenticate (the `endpoint` decorator: 401 for anonymous callers) and validate the input;
    2. balance check: the ledger's `check_balance` on the prompt and the priced calls it asks for (`/image`,
       `/search`), before anything is saved or streamed; an admitted check holds the estimated cost, a denial
       is LibreChat's `token_balance` SSE error;
    3. provider stream: `ChatReply` relays the provider's chunks as server-sent events;
    4. save: `ChatReply.finish` saves the reply once, when the stream ends, fails or is cut off;
    5. spend: `ChatReply.finish` then charges the reported usage (which settles the hold), once per reply.
    """
    data = validated(ChatForm(request.json))
    check = ledger.check_balance(
        user=request.user,
        model=data["model"],
        amount=count_prompt_tokens(data["text"]),
        items=tool_calls(data["text"]),  # an image or web searches: their price is held with the prompt's
    )
    if not check.allowed:
        generations.report_refusal(model=data["model"], regeneration=data["regenerate"])
        return event_stream(balance_denied(check.payload, model=data["model"]))
    if data["conversation_id"]:
        conversation = selectors.conversation_of(user=request.user, pk=data["conversation_id"])
    else:
        conversation = services.start_conversation(user=request.user, model=data["model"])
    question = services.add_user_message(conversation=conversation, text=data["text"], model=data["model"])
    analytics.note_chat_turn(request.user)  # a feature event, and the demo experiment's exposure
    provider = FakeStream(model=data["model"], text=data["text"], max_tokens=data["max_tokens"])
    reply = ChatReply(conversation=conversation, question=question, provider=provider, regeneration=data["regenerate"])
    return event_stream(reply)
