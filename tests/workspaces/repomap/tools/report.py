from shop.cart import ShoppingCart
from shop.checkout import checkout, quick_buy


def daily_report(carts: list[ShoppingCart]) -> list[str]:
    return [checkout(cart) for cart in carts]


def smoke_test() -> str:
    return quick_buy("demo", 1999)
