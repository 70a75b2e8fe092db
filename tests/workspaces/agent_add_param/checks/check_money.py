from report.money import format_amount
from report.summary import totals


def test_format_amount() -> None:
    assert format_amount(1234.5) == "1,234.50"


def test_totals() -> None:
    assert totals({"b": 2.0, "a": 1000.0}) == ["a: 1,000.00", "b: 2.00"]
