"""The fake provider is deterministic: reply, usage and failures follow from the input alone."""

from __future__ import annotations

import pytest

from examples.chatapp.provider import FakeStream, ProviderError, count_prompt_tokens


def reply(model="gpt-4o-mini", text="hello there, how are you today", max_tokens=512, **kwargs):
    stream = FakeStream(model=model, text=text, max_tokens=max_tokens, delay_ms=0, **kwargs)
    return "".join(stream), stream.usage


def test_it_gives_the_same_reply_and_usage_for_the_same_input():
    assert reply() == reply()
    assert reply()[0] != reply(text="something else entirely")[0]


def test_it_counts_about_1_3_prompt_tokens_per_word():
    assert count_prompt_tokens("one two three four five six seven eight nine ten") == 13
    assert count_prompt_tokens("hi") == 1
    assert reply(text="one two three four five six seven eight nine ten")[1].prompt_tokens == 13


def test_it_counts_one_completion_token_per_word_and_caps_them_at_max_tokens():
    text, usage = reply()
    assert usage.completion_tokens == len(text.split()) >= 8
    capped_text, capped = reply(max_tokens=5)
    assert capped.completion_tokens == len(capped_text.split()) == 5


def test_it_reports_openai_style_usage_for_other_models():
    _, usage = reply(model="gpt-4o")
    assert not usage.structured
    assert usage.provider_usage() == {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.prompt_tokens + usage.completion_tokens,
    }
    assert usage.ledger_tokens() == {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens}


def test_it_splits_the_prompt_into_cache_fields_for_claude_models():
    long_prompt = " ".join(f"word{i}" for i in range(200))
    usages = [reply(model="claude-sonnet-4", text=f"{n} {long_prompt}")[1] for n in range(20)]
    for usage in usages:
        reported = usage.provider_usage()
        assert set(reported) == {
            "input_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
            "output_tokens",
        }
        parts = reported["input_tokens"] + reported["cache_creation_input_tokens"] + reported["cache_read_input_tokens"]
        assert parts == usage.prompt_tokens
        assert usage.ledger_tokens()["prompt_tokens"] == {
            "input": reported["input_tokens"],
            "write": reported["cache_creation_input_tokens"],
            "read": reported["cache_read_input_tokens"],
        }
    assert any(u.cache_read_tokens for u in usages) and any(u.cache_write_tokens for u in usages)


def test_it_fails_the_share_of_inputs_the_failure_rate_asks_for_and_always_the_same_ones():
    texts = [f"question number {n}" for n in range(400)]
    failing = [t for t in texts if FakeStream(model="gpt-4o", text=t, max_tokens=100, failure_rate=0.25).fails]
    assert 60 < len(failing) < 140
    assert failing == [t for t in texts if FakeStream(model="gpt-4o", text=t, max_tokens=100, failure_rate=0.25).fails]
    assert not any(FakeStream(model="gpt-4o", text=t, max_tokens=100, failure_rate=0).fails for t in texts)


def test_it_raises_part_way_and_counts_only_what_it_produced():
    stream = FakeStream(model="gpt-4o", text="fail please", max_tokens=512, delay_ms=0, failure_rate=1)
    produced = []
    with pytest.raises(ProviderError):
        for chunk in stream:
            produced.append(chunk)
    assert stream.usage.completion_tokens == len("".join(produced).split())
    assert len(produced) == stream.fail_at < len(stream.chunks)


def test_a_caller_naming_its_failure_rate_gets_no_profile_failures(settings):
    """load_demo seeds replies with failure_rate=0 while the demo turns the models' failure profiles on."""
    settings.CHATAPP_FAKE_MODEL_FAILURES = True
    texts = [f"question {n}" for n in range(300)]
    assert any(FakeStream(model="gpt-4o", text=t, max_tokens=100).fails for t in texts)
    assert not any(FakeStream(model="gpt-4o", text=t, max_tokens=100, failure_rate=0).fails for t in texts)
