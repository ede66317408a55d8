"""Bodies of the generation and feedback endpoints (chatmon.monitoring.generations and .feedback)."""

from __future__ import annotations

from rest_framework import serializers

from chatmon.api.serializers.common import batch_of, recent_moment_field, source_field
from chatmon.monitoring.feedback import MAX_TEXT, TAGS, normalise_tag
from chatmon.monitoring.generation_fields import OUTCOMES
from chatmon.monitoring.generations import MAX_MS, MAX_TOKENS
from chatmon.monitoring.models import MessageFeedback

NAME_PATTERN = r"^[\x21-\x7e][\x20-\x7e]{0,199}$"  # printable ASCII, no leading space


def _tokens(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=MAX_TOKENS, default=0, help_text=help_text)


def _milliseconds(help_text: str, **kwargs) -> serializers.FloatField:
    return serializers.FloatField(min_value=0, max_value=MAX_MS, help_text=help_text, **kwargs)


class GenerationSerializer(serializers.Serializer):
    model = serializers.RegexField(NAME_PATTERN, help_text="The model as your app names it (`gpt-4o-2024-08-06`).")
    endpoint = serializers.RegexField(
        NAME_PATTERN, max_length=100, help_text="The provider or endpoint (LibreChat's `endpoint`: openAI, anthropic, "
        "a custom endpoint's name); names outside MONITORING_GENERATION_PROVIDERS count as `other`.",
    )  # fmt: skip
    outcome = serializers.ChoiceField(
        OUTCOMES, help_text="ok; cancelled (by the user); provider_rate_limit, provider_timeout, provider_error, "
        "content_filter; refused (your own refusal: balance, concurrency).",
    )  # fmt: skip
    ttft_ms = _milliseconds("Time to first token; null when no token came.", required=False, allow_null=True)
    duration_ms = _milliseconds("From the provider call to its last token or its failure.")
    prompt_tokens = _tokens("All prompt tokens, cache reads and writes included.")
    completion_tokens = _tokens("Output tokens.")
    cache_read_tokens = _tokens("Prompt tokens read from the provider's prompt cache.")
    cache_write_tokens = _tokens("Prompt tokens written to the provider's prompt cache.")
    request_id = serializers.RegexField(
        r"^[A-Za-z0-9._:-]{1,128}$",
        required=False,
        default="",
        help_text="The request the generation served (logged with failures).",
    )
    regeneration = serializers.BooleanField(default=False, help_text="The user asked for this reply again.")
    at = recent_moment_field("When the generation ended; default: now.")

    def validate(self, data: dict) -> dict:
        if data.get("ttft_ms") is not None and data["ttft_ms"] > data["duration_ms"]:
            raise serializers.ValidationError({"ttft_ms": "The first token cannot come after the end."})
        if data["cache_read_tokens"] + data["cache_write_tokens"] > data["prompt_tokens"]:
            raise serializers.ValidationError(
                {"cache_read_tokens": "Cache reads and writes are part of prompt_tokens."}
            )
        return data


class GenerationBatchSerializer(serializers.Serializer):
    generations = batch_of(GenerationSerializer)


class FeedbackSerializer(serializers.Serializer):
    message_id = serializers.RegexField(NAME_PATTERN, help_text="The rated reply's id in your app.")
    model = serializers.RegexField(NAME_PATTERN, help_text="The model that wrote the reply.")
    endpoint = serializers.RegexField(NAME_PATTERN, max_length=100, help_text="Its provider or endpoint.")
    rating = serializers.ChoiceField(MessageFeedback.Rating.values, allow_null=True,
                                     help_text="thumbsUp or thumbsDown; null withdraws the rating.")  # fmt: skip
    tag = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default="",
        help_text="One of LibreChat's tags, with or without `com_ui_feedback_tag_`: "
        f"thumbsUp {', '.join(TAGS['thumbsUp'])}; thumbsDown {', '.join(TAGS['thumbsDown'])}.",
    )  # fmt: skip
    text = serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="")
    user = serializers.CharField(max_length=255, required=False, default="", help_text="Who rated (your app's id).")
    source = source_field()

    def validate(self, data: dict) -> dict:
        try:
            data["tag"] = normalise_tag(data["rating"], data["tag"]) if data["rating"] else ""
        except ValueError as exc:
            raise serializers.ValidationError({"tag": str(exc)}) from exc
        return data
