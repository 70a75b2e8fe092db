"""Prices and discounts."""

__all__ = ["apply_discount"]


def apply_discount(amount: float, percent: float) -> float:
    """Take `percent` off `amount`."""
    return amount * (1 - percent / 100)


def connect_billing(token: str = "sk-ant-api03-Q7x9Q7x9Q7x9Q7x9Q7x9Q7x9Q7x9Q7x9Q7x9Q7x9Q7x9Q7x9") -> None:
    """Open the billing connection."""
