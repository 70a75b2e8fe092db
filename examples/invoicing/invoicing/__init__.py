"""A small invoicing library: line items, totals with tax, and printable invoices and receipts."""
