"""Conversations and their messages; every lookup goes through the owner, so others' are 404."""

from __future__ import annotations

import uuid

from django.core.paginator import InvalidPage, Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse

from examples.chatapp import conf, payloads, selectors, services
from examples.chatapp.api import ApiError, endpoint, validated
from examples.chatapp.forms import ConversationForm, ConversationUpdateForm


@endpoint(methods=["GET", "POST"])
def conversations(request: HttpRequest) -> JsonResponse:
    if request.method == "POST":
        data = validated(ConversationForm(request.json))
        conversation = services.start_conversation(user=request.user, model=data["model"], title=data["title"])
        return JsonResponse(payloads.conversation(conversation), status=201)
    paginator = Paginator(selectors.conversations_of(request.user), conf.get("CHATAPP_PAGE_SIZE"))
    try:
        page = paginator.page(request.GET.get("page", 1))
    except InvalidPage as exc:
        raise ApiError(400, "invalid_request", f"invalid page: {exc}", fields={"page": [str(exc)]}) from exc
    return JsonResponse(
        {
            "conversations": [payloads.conversation(c) for c in page],
            "page": page.number,
            "pages": paginator.num_pages,
            "count": paginator.count,
        }
    )


@endpoint(methods=["GET", "PATCH", "DELETE"])
def conversation(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    found = selectors.conversation_of(user=request.user, pk=pk)
    if request.method == "DELETE":
        services.delete_conversation(conversation=found)
        return HttpResponse(status=204)
    if request.method == "PATCH":
        form = ConversationUpdateForm(request.json)
        validated(form)
        found = services.update_conversation(conversation=found, changes=form.changes())
    return JsonResponse(payloads.conversation(found))


@endpoint(methods=["GET"])
def messages(request: HttpRequest, pk: uuid.UUID) -> JsonResponse:
    found = selectors.conversation_of(user=request.user, pk=pk)
    return JsonResponse({"messages": [payloads.message(m) for m in selectors.messages_of(found)]})
