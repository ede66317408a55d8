"""A deterministic fake LLM provider: the reply, its token usage and any failure follow from the input.

Nothing is random between runs (a SHA-256 of the input seeds everything), so tests and load generation can
predict the usage a request will report, and pick inputs that fail.
"""

from __future__ import annotations

import dataclasses
import hashlib
import random
import time
from collections.abc import Iterator

from examples.chatapp import conf

VOCABULARY = (
    "the", "model", "considers", "your", "question", "and", "answers", "with", "a", "short", "deterministic",
    "reply", "about", "tokens", "balances", "latency", "streaming", "caches", "violations", "prompts", "budgets",
    "dashboards", "queues", "metrics", "alerts",
)  # fmt: skip
WORDS_PER_CHUNK = 4


class ProviderError(Exception):
    """The provider failed part way through a reply (the fake one does so on purpose, by hash of the input)."""

    outcome = "provider_error"  # the generation's outcome class (chatmon.monitoring.generations)
    label = "failure"


class ProviderRateLimit(ProviderError):
    """The provider refused the call (HTTP 429): no token came."""

    outcome = "provider_rate_limit"
    label = "rate limit (429)"


class ProviderTimeout(ProviderError):
    """The provider stopped answering part way and the call timed out."""

    outcome = "provider_timeout"
    label = "timeout"


@dataclasses.dataclass(frozen=True)
class ModelProfile:
    """How a fake model behaves. Waits are multiples of CHATAPP_FAKE_DELAY_MS (0 in tests: no waiting);
    failure shares apply when CHATAPP_FAKE_MODEL_FAILURES is on (the demo), chosen by hash of the input."""

    provider: str  # the endpoint it is served by, as LibreChat names endpoints
    first_token_delays: float  # wait before the first chunk
    chunk_delays: float  # wait before each later chunk
    rate_limit: float  # share of inputs refused with a rate limit before any token
    timeout: float  # share that time out part way
    error: float  # share that fail part way


# The demo's models differ visibly on the Models page: the small models are fast and reliable, Sonnet is slow
# to start and the most often rate-limited, gpt-4o sits between. At the demo's 20 ms each model's first token
# falls in its own bucket of the TTFT histogram (up to 100, 250, 500, 750 ms), so the page's percentiles, read
# from those buckets, tell all four apart (at 6 waits gpt-4o-mini shared haiku's bucket and its figures).
PROFILES = {
    "gpt-4o-mini": ModelProfile("openAI", first_token_delays=3, chunk_delays=0.5, rate_limit=0.01, timeout=0.0,
                                error=0.01),
    "gpt-4o": ModelProfile("openAI", first_token_delays=15, chunk_delays=1.0, rate_limit=0.03, timeout=0.01,
                           error=0.02),
    "claude-3-5-haiku": ModelProfile("anthropic", first_token_delays=9, chunk_delays=0.6, rate_limit=0.02,
                                     timeout=0.01, error=0.01),
    "claude-sonnet-4": ModelProfile("anthropic", first_token_delays=30, chunk_delays=1.4, rate_limit=0.06,
                                    timeout=0.03, error=0.03),
}  # fmt: skip
DEFAULT_PROFILE = ModelProfile("openAI", first_token_delays=1, chunk_delays=1, rate_limit=0, timeout=0, error=0)


@dataclasses.dataclass(frozen=True)
class TokenUsage:
    """Token usage of one reply, in the shapes the provider reports and the ledger spends.

    `prompt_tokens` counts every prompt token; for Anthropic-style models part of it was written to or read
    from the prompt cache (`cache_write_tokens`, `cache_read_tokens`), and the rest is plain input.
    """

    model: str
    prompt_tokens: int
    completion_tokens: int
    structured: bool = False
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0

    @property
    def input_tokens(self) -> int:
        return self.prompt_tokens - self.cache_write_tokens - self.cache_read_tokens

    def provider_usage(self) -> dict[str, int]:
        """Usage as the provider's API reports it (Anthropic's field names for Anthropic-style models)."""
        if self.structured:
            return {
                "input_tokens": self.input_tokens,
                "cache_creation_input_tokens": self.cache_write_tokens,
                "cache_read_input_tokens": self.cache_read_tokens,
                "output_tokens": self.completion_tokens,
            }
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        }

    def ledger_tokens(self) -> dict:
        """Keyword arguments for the ledger: `spend_structured_tokens` when `structured`, else `spend_tokens`."""
        if self.structured:
            prompt = {"input": self.input_tokens, "write": self.cache_write_tokens, "read": self.cache_read_tokens}
            return {"prompt_tokens": prompt, "completion_tokens": self.completion_tokens}
        return {"prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens}


# Commands that make the fake provider "call a tool" before it answers: the calls are priced per call by the
# ledger (ledger/calls.py), beside the reply's tokens. `/image <prompt>` generates one image, `/search <query>`
# runs one to three web searches (by hash of the input).
IMAGE_COMMAND, SEARCH_COMMAND = "/image", "/search"
IMAGE_MODEL, IMAGE_SIZE, IMAGE_QUALITY = "dall-e-3", "1024x1024", "standard"
SEARCH_PROVIDER = "openai"


def tool_calls(text: str) -> list[dict]:
    """The priced calls a message makes, as ledger.services.spend_calls items (empty for a plain message)."""
    command = text.split(maxsplit=1)[0].lower() if text.strip() else ""
    if command == IMAGE_COMMAND:
        return [{"kind": "image", "name": IMAGE_MODEL, "size": IMAGE_SIZE, "quality": IMAGE_QUALITY, "quantity": 1}]
    if command == SEARCH_COMMAND:
        return [{"kind": "web_search", "name": SEARCH_PROVIDER, "quantity": 1 + _digest(text) % 3}]
    return []


def _digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest(), "big")


def count_prompt_tokens(text: str) -> int:
    """About 1.3 tokens per word, as tokenizers average on English text; never 0 for a non-empty prompt."""
    return max(1, round(len(text.split()) * 1.3))


def uses_prompt_cache(model: str) -> bool:
    return "claude" in model.lower()


class FakeStream:
    """One streamed reply. Iterate it for the text chunks; `usage` covers what has been produced so far."""

    def __init__(
        self,
        *,
        model: str,
        text: str,
        max_tokens: int,
        delay_ms: float | None = None,
        failure_rate: float | None = None,
    ) -> None:
        digest = _digest(model, text)
        self.model = model
        self.prompt_tokens = count_prompt_tokens(text)
        length = min(8 + digest % 120, max_tokens)
        rng = random.Random(digest)
        words = [rng.choice(VOCABULARY) for _ in range(length)]
        self.chunks = [" ".join(words[i : i + WORDS_PER_CHUNK]) for i in range(0, length, WORDS_PER_CHUNK)]
        self.delay = (conf.get("CHATAPP_FAKE_DELAY_MS") if delay_ms is None else delay_ms) / 1000
        rate = conf.get("CHATAPP_FAKE_FAILURE_RATE") if failure_rate is None else failure_rate
        # The failure roll and the chunk it fails at come from bits of the digest the reply does not use.
        self.profile = PROFILES.get(model, DEFAULT_PROFILE)
        self.failure = ProviderError if (digest >> 32) % 10_000 < rate * 10_000 else None
        # A caller naming its failure rate (the demo's seeded replies: 0) gets just that, no profile failures.
        if self.failure is None and failure_rate is None and conf.get("CHATAPP_FAKE_MODEL_FAILURES"):
            self.failure = self._profile_failure((digest >> 128) % 10_000 / 10_000)
        # A rate limit comes before any token; other failures part way.
        self.fail_at = 0 if self.failure is ProviderRateLimit else (digest >> 64) % max(len(self.chunks), 1)
        self.cache_split = ((digest >> 96) % 5, (digest >> 112) % 3)  # tenths of the prompt read, written
        self.produced_words = 0
        # Made before the first chunk (as a tool call precedes the answer), so charged however the reply ends.
        self.calls = tool_calls(text)

    @property
    def provider(self) -> str:
        return self.profile.provider

    @property
    def fails(self) -> bool:
        return self.failure is not None

    def _profile_failure(self, roll: float) -> type[ProviderError] | None:
        profile = self.profile
        for failure, share in ((ProviderRateLimit, profile.rate_limit), (ProviderTimeout, profile.timeout),
                               (ProviderError, profile.error)):  # fmt: skip
            if roll < share:
                return failure
            roll -= share
        return None

    def __iter__(self) -> Iterator[str]:
        for index, chunk in enumerate(self.chunks):
            if self.failure and index == self.fail_at:
                raise self.failure(f"fake provider {self.failure.label} after {index} chunks")
            if self.delay:
                time.sleep(self.delay * (self.profile.chunk_delays if index else self.profile.first_token_delays))
            self.produced_words += len(chunk.split())
            yield chunk if index == 0 else " " + chunk

    @property
    def usage(self) -> TokenUsage:
        if not uses_prompt_cache(self.model):
            return TokenUsage(self.model, self.prompt_tokens, self.produced_words)
        read_tenths, write_tenths = self.cache_split
        return TokenUsage(
            self.model,
            self.prompt_tokens,
            self.produced_words,
            structured=True,
            cache_write_tokens=self.prompt_tokens * write_tenths // 10,
            cache_read_tokens=self.prompt_tokens * read_tenths // 10,
        )
