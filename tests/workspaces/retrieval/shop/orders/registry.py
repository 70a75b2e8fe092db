"""Which order belongs to whom."""

from shop.models import Customer


class Registry:
    """Order lookups."""

    def owner_of(self, order_id: int) -> Customer:
        return Customer()


registry: Registry = Registry()
