from __future__ import annotations

import pytest

from server.config import ModelPrice
from server.models.prices import PriceTable
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
