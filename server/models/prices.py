"""Model prices (US dollars per million tokens) and the cost of a call.

Defaults cover current Anthropic and OpenAI models; ``settings.prices`` overrides or extends them.
A model is matched exactly, else by the longest known prefix (``claude-sonnet-4-5-20250929``
-> ``claude-sonnet-4-5``). A newer model of a known vendor family (``claude-opus-4-8``,
``gpt-5.4``) is priced at the most expensive known model of that family, so a dollar budget stays
hard until the user adds the real price to ``settings.prices``. Other unknown models (local ones,
say) cost nothing and say so.
"""

from __future__ import annotations

from collections.abc import Mapping

from server.config import ModelPrice
from server.models.types import Usage


def _p(inp: float, out: float, read: float, write: float | None = None) -> ModelPrice:
    return ModelPrice(input=inp, output=out, cache_read=read, cache_write=write)


DEFAULT_PRICES: dict[str, ModelPrice] = {
    # Anthropic: cache writes (5-minute) cost 1.25x input, cache reads 0.1x.
    "claude-opus-4-5": _p(5.0, 25.0, 0.50, 6.25),
    "claude-opus-4-1": _p(15.0, 75.0, 1.50, 18.75),
    "claude-opus-4": _p(15.0, 75.0, 1.50, 18.75),
    "claude-sonnet-4-5": _p(3.0, 15.0, 0.30, 3.75),
    "claude-sonnet-4": _p(3.0, 15.0, 0.30, 3.75),
    "claude-3-7-sonnet": _p(3.0, 15.0, 0.30, 3.75),
    "claude-haiku-4-5": _p(1.0, 5.0, 0.10, 1.25),
    "claude-3-5-haiku": _p(0.80, 4.0, 0.08, 1.0),
    # OpenAI: cached input is discounted, there is no cache-write surcharge.
    "gpt-5": _p(1.25, 10.0, 0.125),
    "gpt-5-mini": _p(0.25, 2.0, 0.025),
    "gpt-5-nano": _p(0.05, 0.40, 0.005),
    "gpt-4.1": _p(2.0, 8.0, 0.50),
    "gpt-4.1-mini": _p(0.40, 1.60, 0.10),
    "gpt-4.1-nano": _p(0.10, 0.40, 0.025),
    "gpt-4o": _p(2.50, 10.0, 1.25),
    "gpt-4o-mini": _p(0.15, 0.60, 0.075),
    "o3": _p(2.0, 8.0, 0.50),
    "o4-mini": _p(1.10, 4.40, 0.275),
}


# Vendor families, most specific first: an unknown model matching one is charged at the family's
# highest known price (an overestimate, never an underestimate).
FAMILIES: tuple[str, ...] = ("claude-opus", "claude-sonnet", "claude-haiku", "claude-", "gpt-", "o")


def _family(name: str) -> str | None:
    for family in FAMILIES:
        if family == "o":
            if len(name) > 1 and name[0] == "o" and name[1].isdigit():
                return family
        elif name.startswith(family):
            return family
    return None


class PriceTable:
    """Defaults overlaid with the user's table."""

    def __init__(self, overrides: Mapping[str, ModelPrice] | None = None) -> None:
        self._prices: dict[str, ModelPrice] = dict(DEFAULT_PRICES)
        self._prices.update(overrides or {})
        self._by_length = sorted(self._prices, key=lambda name: (-len(name), name))

    def price_for(self, model: str) -> ModelPrice | None:
        if model in self._prices:
            return self._prices[model]
        bare = model.rsplit("/", 1)[-1]  # "anthropic/claude-sonnet-4-5" through a gateway
        for name in self._by_length:
            if bare == name or bare.startswith((name + "-", name + "@")):
                return self._prices[name]
        return self.family_estimate(bare)

    def family_estimate(self, model: str) -> ModelPrice | None:
        """The highest known price in `model`'s vendor family, or None for a model of no known family."""
        family = _family(model)
        if family is None:
            return None
        known = [price for name, price in sorted(self._prices.items()) if _family(name) == family]
        if not known:
            return None
        return max(known, key=lambda p: (p.output, p.input))

    def is_estimate(self, model: str) -> bool:
        """True when `model` is charged at a family estimate rather than a listed price."""
        bare = model.rsplit("/", 1)[-1]
        listed = any(bare == n or bare.startswith((n + "-", n + "@")) for n in self._prices)
        return not listed and self.family_estimate(bare) is not None

    def cost(self, usage: Usage, model: str) -> float:
        """Dollars for `usage` on `model`; 0.0 for a model without a known price."""
        price = self.price_for(model)
        if price is None:
            return 0.0
        read = price.cache_read if price.cache_read is not None else price.input
        write = price.cache_write if price.cache_write is not None else price.input
        total = (
            usage.input_tokens * price.input
            + usage.output_tokens * price.output
            + usage.cache_read_tokens * read
            + usage.cache_write_tokens * write
        )
        return total / 1_000_000
