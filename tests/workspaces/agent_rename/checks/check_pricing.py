from shop.cart import Cart
from shop.pricing import calc_total


def test_calc_total() -> None:
    assert calc_total([1.0, 2.5]) == 3.5


def test_cart_totals() -> None:
    cart = Cart()
    cart.add(10.0)
    cart.add(20.0)
    assert cart.total() == 30.0
    assert cart.total_for_member() == 27.0
