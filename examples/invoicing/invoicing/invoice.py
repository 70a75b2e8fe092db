"""Invoices: line items, subtotal, tax and the printable text."""

from __future__ import annotations

from dataclasses import dataclass, field

from invoicing.money import format_price, round_cents


@dataclass(frozen=True)
class LineItem:
    description: str
    quantity: int
    unit_price: float

    @property
    def total(self) -> float:
        return round_cents(self.quantity * self.unit_price)


@dataclass
class Invoice:
    number: str
    customer: str
    tax_rate: float = 0.0
    items: list[LineItem] = field(default_factory=list)

    def add(self, description: str, quantity: int, unit_price: float) -> None:
        self.items.append(LineItem(description, quantity, unit_price))

    @property
    def subtotal(self) -> float:
        return round_cents(sum(item.total for item in self.items))

    @property
    def tax(self) -> float:
        return round_cents(self.subtotal * self.tax_rate)

    @property
    def total(self) -> float:
        return round_cents(self.subtotal + self.tax)

    def render_line(self, item: LineItem) -> str:
        unit, total = format_price(item.unit_price), format_price(item.total)
        return f"{item.description:<24} {item.quantity:>3} x {unit:>10} = {total:>10}"

    def render(self) -> str:
        lines = [f"Invoice {self.number} for {self.customer}", ""]
        lines += [self.render_line(item) for item in self.items]
        lines += [
            "",
            f"{'Subtotal':<43} {format_price(self.subtotal):>10}",
            f"{'Tax':<43} {format_price(self.tax):>10}",
            f"{'Total':<43} {format_price(self.total):>10}",
        ]
        return "\n".join(lines)
