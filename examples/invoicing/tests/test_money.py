import unittest

from invoicing.money import format_price, round_cents


class FormatPriceTest(unittest.TestCase):
    def test_two_decimals_and_separators(self) -> None:
        self.assertEqual(format_price(1234.5), "1,234.50")
        self.assertEqual(format_price(0), "0.00")

    def test_negative_amounts_keep_their_sign(self) -> None:
        self.assertEqual(format_price(-12.3), "-12.30")


class RoundCentsTest(unittest.TestCase):
    def test_halves_round_away_from_zero(self) -> None:
        self.assertEqual(round_cents(0.125), 0.13)
        self.assertEqual(round_cents(-0.125), -0.13)


if __name__ == "__main__":
    unittest.main()
