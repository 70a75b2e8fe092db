from report.money import format_amount


def summary_line(label: str, value: float) -> str:
    return f"{label}: {format_amount(value)}"


def totals(values: dict[str, float]) -> list[str]:
    return [summary_line(label, values[label]) for label in sorted(values)]
