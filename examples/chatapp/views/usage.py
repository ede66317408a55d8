"""The signed-in user's own pages: "My usage" (balance, next refill, spend, their cap) and a conversation with
the cost under each reply. Every figure comes from ledger.selfservice, so the pages show what the ledger
charged; a conversation is found only through its owner (another user's is 404)."""

from __future__ import annotations

import uuid

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from chatmon.monitoring import feedback
from examples.chatapp import selectors
from ledger import caps, conf, money, selfservice
from ledger.validation import ABSURD


class CapForm(forms.Form):
    period = forms.ChoiceField(choices=[("", "no limit"), *((p, f"per {p}") for p in caps.PERIODS)], required=False)
    credits = forms.FloatField(min_value=0, max_value=ABSURD, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("period") and data.get("credits") is None:
            self.add_error("credits", "Say how many credits you allow yourself.")
        return data


def signed_in_only(view):
    """Anonymous visitors get the sign-in page (401), which signs in through the chat app's rate-limited
    JSON login rather than a second, unguarded login form."""

    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return TemplateResponse(request, "chatapp/signin.html", {"next": request.path}, status=401)
        return view(request, *args, **kwargs)

    return wrapper


@require_http_methods(["GET", "POST"])
@signed_in_only
def usage_page(request: HttpRequest) -> HttpResponse:
    form = CapForm(request.POST if request.method == "POST" else None, initial=_current_cap(request.user))
    if form.is_valid():
        period = form.cleaned_data["period"] or None
        selfservice.set_spend_cap(
            user=request.user, period=period, credits=form.cleaned_data["credits"] if period else None
        )
        return redirect("chatapp:usage_page")
    within = selfservice.Range.checked(None, None)
    days = selfservice.spend_by_day(request.user, within)
    peak = max((day["credits"] for day in days), default=0.0) or 1.0
    conversations = selfservice.conversation_costs(request.user, within, limit=20)
    titles = dict(
        selectors.conversations_of(request.user)
        .filter(pk__in=[_uuid(row["conversation_id"]) for row in conversations if _uuid(row["conversation_id"])])
        .values_list("pk", "title")
    )
    context = {
        "account": selfservice.account(request.user),
        "range": within,
        "days": [{**day, "share": day["credits"] / peak} for day in days],
        "models": selfservice.spend_by_model(request.user, within),
        "conversations": [
            {**row, "uuid": _uuid(row["conversation_id"]), "title": titles.get(_uuid(row["conversation_id"]), "")}
            for row in conversations
        ],
        "total": sum(day["credits"] for day in days),
        "form": form,
        "exchange": money.exchange_note(),
        "zone": conf.refill_time_zone().key,
    }
    return TemplateResponse(request, "chatapp/usage.html", context)


@require_http_methods(["GET"])
@signed_in_only
def conversation_page(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    conversation = selectors.conversation_of(user=request.user, pk=pk)
    messages = list(selectors.messages_of(conversation))
    costs = selfservice.message_costs(request.user, message_ids=[m.id for m in messages])
    [total] = selfservice.conversation_costs(request.user, ids=[str(conversation.id)]) or [None]
    context = {
        "conversation": conversation,
        "messages": [(message, costs.get(str(message.id))) for message in messages],
        "total": total,
        "exchange": money.exchange_note(),
        "feedback_tags": feedback.TAGS,  # the thumbs and tag control under each reply (_feedback.html)
    }
    return TemplateResponse(request, "chatapp/conversation.html", context)


def _current_cap(user) -> dict:
    period, credits = selfservice.cap_setting(user)
    if credits is not None and credits.is_integer():
        credits = int(credits)  # the form shows 50000, not 50000.0
    return {"period": period or "", "credits": credits}


def _uuid(value: str) -> uuid.UUID | None:
    # A conversation id in the ledger is whatever the caller sent: only the chat app's own are UUIDs.
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        return None
