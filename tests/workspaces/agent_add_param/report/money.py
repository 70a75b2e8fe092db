"""Formatting amounts of money."""


def format_amount(value: float) -> str:
    """1234.5 -> '1,234.50'."""
    return f"{value:,.2f}"
