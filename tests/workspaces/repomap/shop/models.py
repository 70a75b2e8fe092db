from dataclasses import dataclass


@dataclass
class Product:
    sku: str
    price_cents: int

    def display_price(self) -> str:
        return format_cents(self.price_cents)


@dataclass
class LineItem:
    product: Product
    quantity: int

    def total_cents(self) -> int:
        return self.product.price_cents * self.quantity


def format_cents(cents: int) -> str:
    return f"${cents // 100}.{cents % 100:02d}"
