"""Formatting amounts of money for invoices and receipts."""

from __future__ import annotations


def format_price(amount: float) -> str:
    """Two decimals with thousands separators: 1234.5 -> '1,234.50'; negatives keep their sign."""
    return f"{amount:,.2f}"


def round_cents(amount: float) -> float:
    """Round to whole cents, halves away from zero (as invoices do)."""
    cents = abs(amount) * 100 + 0.5 + 1e-9
    return (int(cents) / 100) * (1 if amount >= 0 else -1)
