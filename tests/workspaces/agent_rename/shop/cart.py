from shop.pricing import calc_total


class Cart:
    def __init__(self) -> None:
        self.prices: list[float] = []

    def add(self, price: float) -> None:
        self.prices.append(price)

    def total(self) -> float:
        return calc_total(self.prices)

    def total_for_member(self) -> float:
        return calc_total(self.prices, discount=0.1)
