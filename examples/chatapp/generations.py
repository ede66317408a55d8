"""What the chat app tells chatmon about each reply: one generation report (outcome, speed, tokens), recorded
in process memory by chatmon.monitoring.generations (no network call on the reply's path).

Every reply is reported however it ends: complete (`ok`), cut off by the user (`cancelled`), failed by the
provider (its error's class: rate limit, timeout, error), or refused by our balance check (`refused`).
"""

from __future__ import annotations

import time

from chatmon.core import context
from chatmon.monitoring.generations import GenerationReport, record_generation
from examples.chatapp.provider import DEFAULT_PROFILE, PROFILES, FakeStream, TokenUsage


class Timer:
    """The provider call's start, first token and end on the monotonic clock, and the request it served."""

    def __init__(self) -> None:
        self.started: float | None = None
        self.first_token_at: float | None = None
        ctx = context.current.get()
        # Read when the view runs: a reply may finish in close(), after the request's context is gone.
        self.request_id = ctx.request_id if ctx else ""

    def start(self) -> None:
        self.started = time.perf_counter()

    def token(self) -> None:
        if self.first_token_at is None:
            self.first_token_at = time.perf_counter()

    def milliseconds(self) -> tuple[float | None, float]:
        """(time to first token, total duration) in ms; a reply never started took no time."""
        if self.started is None:
            return None, 0.0
        ttft = None if self.first_token_at is None else (self.first_token_at - self.started) * 1000
        return ttft, (time.perf_counter() - self.started) * 1000


def report_reply(*, provider: FakeStream, outcome: str, timer: Timer, regeneration: bool = False) -> None:
    ttft_ms, duration_ms = timer.milliseconds()
    usage: TokenUsage = provider.usage
    record_generation(
        GenerationReport(
            model=provider.model, provider=provider.provider, outcome=outcome, ttft_ms=ttft_ms,
            duration_ms=duration_ms, prompt_tokens=usage.prompt_tokens, completion_tokens=usage.completion_tokens,
            cache_read_tokens=usage.cache_read_tokens, cache_write_tokens=usage.cache_write_tokens,
            request_id=timer.request_id, regeneration=regeneration,
        )
    )  # fmt: skip


def report_refusal(*, model: str, regeneration: bool = False) -> None:
    """Our own refusal (the balance check said no): no provider call, no tokens."""
    ctx = context.current.get()
    record_generation(
        GenerationReport(
            model=model, provider=PROFILES.get(model, DEFAULT_PROFILE).provider, outcome="refused", duration_ms=0.0,
            request_id=ctx.request_id if ctx else "", regeneration=regeneration,
        )
    )  # fmt: skip
