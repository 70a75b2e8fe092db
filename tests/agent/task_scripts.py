"""Scripted model replies for three realistic tasks on the fixture projects under
``tests/workspaces/agent_*``. The emulator serves them through the real SDKs; recorded, they are
the sessions the LSP tests replay."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORKSPACES = Path(__file__).resolve().parents[1] / "workspaces"


def call(tool: str, **arguments: Any) -> dict[str, Any]:
    return {"name": tool, "arguments": arguments}


def edit(path: str, *pairs: tuple[str, str]) -> dict[str, Any]:
    return call("propose_edit", path=path, edits=[{"search": s, "replace": r} for s, r in pairs])


@dataclass(frozen=True)
class TaskScript:
    name: str
    workspace: Path
    instruction: str
    replies: list[dict[str, Any]]
    changed: tuple[str, ...]  # files the plan must change


RENAME = TaskScript(
    "rename",
    WORKSPACES / "agent_rename",
    "Rename the function calc_total to compute_total and update its callers and tests.",
    [
        {"tool_calls": [call("find_symbol", name="calc_total")]},
        {
            "tool_calls": [
                call("read_file", path="shop/pricing.py"),
                call("read_file", path="shop/cart.py"),
                call("read_file", path="checks/check_pricing.py"),
            ]
        },
        {
            "text": "Renaming the definition, its two callers and the test.",
            "tool_calls": [
                edit("shop/pricing.py", ("def calc_total(", "def compute_total(")),
                edit(
                    "shop/cart.py",
                    ("from shop.pricing import calc_total", "from shop.pricing import compute_total"),
                    ("return calc_total(self.prices)", "return compute_total(self.prices)"),
                    ("return calc_total(self.prices, discount=0.1)", "return compute_total(self.prices, discount=0.1)"),
                ),
                edit(
                    "checks/check_pricing.py",
                    ("from shop.pricing import calc_total", "from shop.pricing import compute_total"),
                    (
                        "def test_calc_total() -> None:\n    assert calc_total([1.0, 2.5]) == 3.5",
                        "def test_compute_total() -> None:\n    assert compute_total([1.0, 2.5]) == 3.5",
                    ),
                ),
            ],
        },
        {"text": "Renamed calc_total to compute_total in shop/pricing.py, shop/cart.py and the tests."},
    ],
    ("checks/check_pricing.py", "shop/cart.py", "shop/pricing.py"),
)

FIX_TEST = TaskScript(
    "fix_test",
    WORKSPACES / "agent_fix_test",
    "The tests in checks/check_slug.py fail. Fix the code so they pass.",
    [
        {"tool_calls": [call("read_file", path="checks/check_slug.py"), call("read_file", path="textutil/slug.py")]},
        {
            "tool_calls": [
                edit("textutil/slug.py", ('return "-".join(words)', 'return "-".join(word.lower() for word in words)'))
            ]
        },
        {"text": "slugify now lowercases each word, which is what both tests expect."},
    ],
    ("textutil/slug.py",),
)

ADD_PARAM = TaskScript(
    "add_param",
    WORKSPACES / "agent_add_param",
    "Add a `currency` parameter (default: empty string) to format_amount that prefixes the amount; "
    "let summary_line pass one through, and test it.",
    [
        {"tool_calls": [call("find_symbol", name="format_amount")]},
        {
            "tool_calls": [
                call("read_file", path="report/money.py"),
                call("read_file", path="report/summary.py"),
                call("read_file", path="checks/check_money.py"),
            ]
        },
        {
            "tool_calls": [
                edit(
                    "report/money.py",
                    (
                        "def format_amount(value: float) -> str:",
                        'def format_amount(value: float, currency: str = "") -> str:',
                    ),
                    ('    return f"{value:,.2f}"', '    return f"{currency}{value:,.2f}"'),
                ),
                edit(
                    "report/summary.py",
                    (
                        "def summary_line(label: str, value: float) -> str:\n"
                        '    return f"{label}: {format_amount(value)}"',
                        'def summary_line(label: str, value: float, currency: str = "") -> str:\n'
                        '    return f"{label}: {format_amount(value, currency=currency)}"',
                    ),
                ),
                edit(
                    "checks/check_money.py",
                    (
                        '    assert format_amount(1234.5) == "1,234.50"\n',
                        '    assert format_amount(1234.5) == "1,234.50"\n'
                        '    assert format_amount(2.5, currency="$") == "$2.50"\n',
                    ),
                ),
            ]
        },
        {"text": "format_amount takes an optional currency prefix; summary_line passes it through."},
    ],
    ("checks/check_money.py", "report/money.py", "report/summary.py"),
)

TASKS = (RENAME, FIX_TEST, ADD_PARAM)
