def invoice_total(lines: list[float]) -> float:
    return sum(lines)
