"""Price updates from a LiteLLM price file: parsing (good and hostile), the preview, effective-dated overrides,
the proxy's /model/info over real HTTP, and the management command."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from auditlog.models import AuditEvent
from ledger import pricefile, services
from ledger.models import PriceOverride
from ledger.pricefile import PriceFileError
from ledger.validation import LedgerInputError

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_cached_prices")]


# An excerpt in LiteLLM's published shape (model_prices_and_context_window.json), costs in USD per token.
LITELLM = {
    "sample_spec": {"max_tokens": "LEGACY parameter", "input_cost_per_token": 0.0, "mode": "one of: chat, ..."},
    "gpt-4o": {"max_tokens": 16384, "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05,
               "cache_read_input_token_cost": 1.25e-06, "litellm_provider": "openai", "mode": "chat"},
    "acme-llm-1": {"input_cost_per_token": 5e-07, "output_cost_per_token": 1.5e-06, "litellm_provider": "acme",
                   "mode": "chat"},
    "claude-sonnet-4-5": {"input_cost_per_token": 3.3e-06, "output_cost_per_token": 1.5e-05,
                          "cache_creation_input_token_cost": 3.75e-06, "cache_read_input_token_cost": 3e-07,
                          "litellm_provider": "anthropic", "mode": "chat"},
    "text-embedding-3-small": {"input_cost_per_token": 2e-08, "output_cost_per_token": 0.0, "mode": "embedding"},
    "broken-model": {"input_cost_per_token": "free", "output_cost_per_token": 1e-06, "mode": "chat"},
    "negative-model": {"input_cost_per_token": -1e-06, "output_cost_per_token": 1e-06},
    "no-output-cost": {"input_cost_per_token": 1e-06},
    "list-model": [1, 2, 3],
}  # fmt: skip


def file_bytes(data=LITELLM) -> bytes:
    return json.dumps(data).encode()


def planned(data=LITELLM, **kwargs) -> pricefile.Plan:
    start = kwargs.pop("effective_from", timezone.now())
    return pricefile.plan(pricefile.load(file_bytes(data)), effective_from=start, source="test", **kwargs)


def test_it_reads_litellm_costs_as_credits_per_token():
    rates = pricefile.rates_of(LITELLM["claude-sonnet-4-5"])
    # 3.3e-06 USD a token = 3.3 USD per 1M tokens = 3.3 credits a token.
    assert (rates.prompt, rates.completion, rates.cache_write, rates.cache_read) == (3.3, 15.0, 3.75, 0.3)


def test_the_preview_lists_new_unchanged_and_skipped_models():
    plan = planned()
    changes = {change.model: change for change in plan.changes}

    assert set(changes) == {"acme-llm-1", "claude-sonnet-4-5"}
    # The shipped gpt-4o price is 2.5/10, cache read 1.25 and write 2.5: the file agrees (no cache write
    # cost means the prompt rate).
    assert plan.unchanged == ["gpt-4o"]
    assert changes["claude-sonnet-4-5"].old == pricefile.Rates(3.0, 15.0, 3.75, 0.3)
    assert changes["claude-sonnet-4-5"].new == pricefile.Rates(3.3, 15.0, 3.75, 0.3)
    assert changes["acme-llm-1"].old is None and changes["acme-llm-1"].old_key is None  # the default rate today
    assert changes["acme-llm-1"].new == pricefile.Rates(0.5, 1.5)
    skipped = dict(plan.skipped)
    assert skipped == {
        "text-embedding-3-small": "mode 'embedding' is not charged per token",
        "broken-model": "input_cost_per_token is not a number",
        "negative-model": "input_cost_per_token -1e-06 is not a price from 0 to 1 USD a token",
        "no-output-cost": "no output_cost_per_token",
        "list-model": "not an object",
    }


def test_only_keeps_the_models_named():
    assert [change.model for change in planned(only=("ACME",)).changes] == ["acme-llm-1"]


def test_applying_adds_effective_dated_overrides_and_past_rows_keep_their_price(funded, operator):
    before = services.spend_tokens(user=funded, model="acme-llm-1", prompt_tokens=1000)
    start = timezone.now() + timedelta(hours=1)

    created = services.import_price_plan(plan=planned(effective_from=start), actor=operator)

    assert sorted(row.pattern for row in created) == ["acme-llm-1", "claude-sonnet-4-5"]
    assert {row.effective_from for row in created} == {start}
    assert services.spend_tokens(user=funded, model="acme-llm-1", prompt_tokens=1000).prompt.rate == 6.0
    with time_machine.travel(start + timedelta(seconds=2)):
        after = services.spend_tokens(user=funded, model="acme-llm-1", prompt_tokens=1000)
        assert (after.prompt.rate, after.prompt.token_value) == (0.5, -500.0)
        # The same file again: nothing left to change at that start.
        again = planned(effective_from=start + timedelta(seconds=1))
        assert again.changes == [] and sorted(again.unchanged) == ["acme-llm-1", "claude-sonnet-4-5", "gpt-4o"]
    before.prompt.refresh_from_db()
    assert (before.prompt.rate, before.prompt.token_value) == (6.0, -6000.0)
    event = AuditEvent.objects.get(action="ledger.prices_imported")
    assert event.metadata["models"] == ["acme-llm-1", "claude-sonnet-4-5"] and event.metadata["skipped"] == 5


def test_it_refuses_to_start_prices_in_the_past():
    with pytest.raises(LedgerInputError, match="must start now or later"):
        services.import_price_plan(plan=planned(effective_from=timezone.now() - timedelta(days=1)))
    assert not PriceOverride.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[1, 2]", "a JSON object of model names"),
        (b'{"m": {"input_cost_per_token": NaN, "output_cost_per_token": 1}}', "NaN, which is not a number"),
        (b'{"m": {"input_cost_per_token": Infinity}}', "Infinity, which is not a number"),
        (b'{"m": {"input_cost_per_token": 1e999}}', "too large to be a price"),
        (b'{"m": ', "not JSON"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 8 levels"),
        (json.dumps({"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {}}}}}}}}}).encode(), "nested deeper"),
    ],
)
def test_a_hostile_file_is_refused_with_a_reason(data, message):
    with pytest.raises(PriceFileError, match=message):
        pricefile.load(data)


def test_a_file_naming_too_many_models_is_refused(monkeypatch):
    monkeypatch.setattr(pricefile, "MAX_MODELS", 3)
    with pytest.raises(PriceFileError, match="names 4 models, more than 3"):
        pricefile.load(file_bytes({f"m{i}": {} for i in range(4)}))


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path, settings):
    settings.LEDGER_PRICE_FILE_MAX_BYTES = 1000
    path = tmp_path / "prices.json"
    path.write_bytes(b'{"m": "' + b"x" * 5000 + b'"}')
    with pytest.raises(PriceFileError, match="larger than 1,000 bytes"):
        pricefile.read_path(path)


def test_a_rate_beyond_the_ledgers_limit_is_skipped():
    plan = planned({"gold-llm": {"input_cost_per_token": 5.0, "output_cost_per_token": 1e-06}})
    assert plan.skipped == [("gold-llm", "input_cost_per_token 5.0 is not a price from 0 to 1 USD a token")]


class ProxyHandler(BaseHTTPRequestHandler):
    """A LiteLLM proxy's /model/info, answered from the server's `body` (bytes), behind an API key."""

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != "Bearer sk-test":
            self.send_response(401)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def proxy():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ProxyHandler)
    server.body = json.dumps({"data": [
        {"model_name": "acme-llm-1", "litellm_params": {"model": "openai/acme-llm-1"},
         "model_info": {"key": "acme-llm-1", "input_cost_per_token": 5e-07, "output_cost_per_token": 1.5e-06,
                        "litellm_provider": "openai", "mode": "chat"}},
        {"model_name": "gpt-4o", "model_info": LITELLM["gpt-4o"]},
        {"litellm_params": {}},
    ]}).encode()  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def url_of(server) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/model/info"


def test_it_reads_a_proxys_model_info(proxy):
    specs = pricefile.load(pricefile.fetch_url(url_of(proxy), api_key="sk-test"))
    plan = pricefile.plan(specs, effective_from=timezone.now(), source="proxy")

    assert [change.model for change in plan.changes] == ["acme-llm-1"]
    assert plan.unchanged == ["gpt-4o"]
    assert plan.skipped == [("(entry 2: no model_name)", "not an object")]


def test_a_proxy_refusing_the_key_or_answering_too_much_is_an_error(proxy, settings):
    with pytest.raises(PriceFileError, match="answered HTTP 401"):
        pricefile.fetch_url(url_of(proxy), api_key="wrong")
    settings.LEDGER_PRICE_FILE_MAX_BYTES = 100
    with pytest.raises(PriceFileError, match="larger than 100 bytes"):
        pricefile.fetch_url(url_of(proxy), api_key="sk-test")
    with pytest.raises(PriceFileError, match="must start with http"):
        pricefile.fetch_url("file:///etc/passwd")


def test_a_proxy_that_never_answers_times_out(settings):
    silent = ThreadingHTTPServer(("127.0.0.1", 0), ProxyHandler)  # listening, never accepting a request
    settings.LEDGER_PRICE_FILE_TIMEOUT = 0.3
    try:
        with pytest.raises(PriceFileError, match="cannot fetch"):
            pricefile.fetch_url(url_of(silent))
    finally:
        silent.server_close()


def test_the_command_previews_then_applies(tmp_path, proxy):
    path = tmp_path / "model_prices_and_context_window.json"
    path.write_bytes(file_bytes())
    out = StringIO()
    call_command("ledger_import_prices", "--file", str(path), stdout=out)
    assert "new price  acme-llm-1: prompt $6.00 -> $0.5000, completion $6.00 -> $1.50 per 1M tokens" in out.getvalue()
    assert "2 new prices, 1 unchanged, 5 skipped" in out.getvalue()
    assert not PriceOverride.objects.exists()

    call_command("ledger_import_prices", "--url", url_of(proxy), "--api-key", "sk-test", "--apply", stdout=out)
    assert list(PriceOverride.objects.values_list("pattern", "prompt", "completion")) == [("acme-llm-1", 0.5, 1.5)]
    with pytest.raises(CommandError, match="not JSON"):
        (tmp_path / "bad.json").write_text("{")
        call_command("ledger_import_prices", "--file", str(tmp_path / "bad.json"), stdout=out)
