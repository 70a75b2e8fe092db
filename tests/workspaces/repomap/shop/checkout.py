from shop.cart import ShoppingCart
from shop.models import Product, format_cents

TAX_RATE_PERCENT = 8


def apply_tax(cents: int) -> int:
    return cents + cents * TAX_RATE_PERCENT // 100


def checkout(cart: ShoppingCart) -> str:
    total = apply_tax(cart.total_cents())
    return format_cents(total)


def quick_buy(sku: str, price_cents: int) -> str:
    cart = ShoppingCart()
    cart.add_product(Product(sku, price_cents))
    return checkout(cart)
