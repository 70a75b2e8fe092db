from shop.models import LineItem, Product, format_cents


class ShoppingCart:
    def __init__(self) -> None:
        self.items: list[LineItem] = []

    def add_product(self, product: Product, quantity: int = 1) -> LineItem:
        item = LineItem(product, quantity)
        self.items.append(item)
        return item

    def total_cents(self) -> int:
        return sum(item.total_cents() for item in self.items)

    def receipt(self) -> str:
        return "\n".join(format_cents(item.total_cents()) for item in self.items)


def _debug_dump(cart: ShoppingCart) -> str:
    return repr(cart.items)
