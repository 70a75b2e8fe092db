class Unit:
    def __init__(self, symbol: str) -> None:
        self.symbol = symbol


def convert(value: float, unit: Unit) -> float:
    return value * FACTORS.get(unit.symbol, 1.0)


FACTORS = {"cm": 1.0, "m": 100.0}
