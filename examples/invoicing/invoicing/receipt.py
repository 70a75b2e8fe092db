"""A one-line receipt for a paid invoice."""

from __future__ import annotations

from invoicing.invoice import Invoice
from invoicing.money import format_price


def receipt_line(invoice: Invoice, paid: float) -> str:
    """What the customer paid against the invoice, and what is still owed (if anything)."""
    owed = invoice.total - paid
    text = f"Received {format_price(paid)} from {invoice.customer} for invoice {invoice.number}"
    if owed > 0.005:
        text += f"; {format_price(owed)} still due"
    return text
