"""Order handling."""

from .. import pricing as prices
from ..models import Record
from shop import Customer as Buyer
from shop.pricing import *  # noqa: F403
from .compat import open
from .registry import registry


class Order(Record):
    def total(self, amount: float) -> float:
        buyer = Buyer()
        discounted = apply_discount(amount, 10)
        hidden_helper(discounted)
        log = open("orders.log")
        self.save()
        owner = registry.owner_of(1)
        
        return prices.apply_discount(discounted, 0)
