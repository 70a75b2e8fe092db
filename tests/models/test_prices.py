from __future__ import annotations

import pytest

from server.config import ModelPrice
from server.models.prices import DEFAULT_PRICES, PriceTable
from server.models.types import Usage


def test_dated_and_gateway_names_match_the_family() -> None:
    table = PriceTable()
    sonnet = table.price_for("claude-sonnet-4-5")
    assert table.price_for("claude-sonnet-4-5-20250929") == sonnet
    assert table.price_for("anthropic/claude-sonnet-4-5") == sonnet
    assert table.price_for("gpt-4.1-mini") != table.price_for("gpt-4.1")
    assert table.price_for("qwen2.5-coder:7b") is None


def test_cost_counts_cache_reads_and_writes() -> None:
    table = PriceTable({"mine": ModelPrice(input=2.0, output=10.0, cache_read=0.2)})
    usage = Usage(input_tokens=1_000_000, output_tokens=100_000, cache_read_tokens=500_000, cache_write_tokens=10)
    # cache writes without a price cost the input price
    assert table.cost(usage, "mine") == pytest.approx(2.0 + 1.0 + 0.1 + 10 * 2.0 / 1e6)
    assert table.cost(usage, "unknown-local-model") == 0.0


def test_newer_models_of_known_families_are_priced_conservatively() -> None:
    table = PriceTable()
    opus = table.price_for("claude-opus-5")
    assert opus is not None and table.is_estimate("claude-opus-5")
    assert opus.output == max(p.output for n, p in DEFAULT_PRICES.items() if n.startswith("claude-opus"))
    sonnet = table.price_for("claude-sonnet-5")
    assert sonnet is not None and sonnet.output >= 15.0
    gpt = table.price_for("gpt-5.4")
    assert gpt is not None and gpt.output == max(p.output for n, p in DEFAULT_PRICES.items() if n.startswith("gpt-"))
    assert table.price_for("qwen2.5-coder:7b") is None
    assert not table.is_estimate("claude-sonnet-4-5")
