import unittest

from invoicing.invoice import Invoice
from invoicing.receipt import receipt_line


def sample_invoice() -> Invoice:
    invoice = Invoice("2026-017", "Ada Lovelace", tax_rate=0.2)
    invoice.add("Analytical engine oil", 3, 12.5)
    invoice.add("Punched cards (box)", 2, 1040.0)
    return invoice


class InvoiceTest(unittest.TestCase):
    def test_totals(self) -> None:
        invoice = sample_invoice()
        self.assertEqual(invoice.subtotal, 2117.5)
        self.assertEqual(invoice.tax, 423.5)
        self.assertEqual(invoice.total, 2541.0)

    def test_render_shows_every_line_and_the_total(self) -> None:
        text = sample_invoice().render()
        self.assertIn("Invoice 2026-017 for Ada Lovelace", text)
        self.assertIn("Punched cards (box)", text)
        self.assertTrue(text.endswith("2,541.00"))


class ReceiptTest(unittest.TestCase):
    def test_partial_payment_says_what_is_due(self) -> None:
        line = receipt_line(sample_invoice(), 2000)
        self.assertEqual(line, "Received 2,000.00 from Ada Lovelace for invoice 2026-017; 541.00 still due")

    def test_full_payment(self) -> None:
        self.assertNotIn("due", receipt_line(sample_invoice(), 2541))


if __name__ == "__main__":
    unittest.main()
