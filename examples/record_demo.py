"""Re-record the demo session (``sessions/add_currency.jsonl``) after a prompt or tool change.

    .venv/bin/python examples/record_demo.py

It scripts the wire-protocol emulator (``tests/emulator``) with the replies a good model gives for
the task below (the tool calls and edits), runs ``outrider refactor --record --apply`` against it
through the real Anthropic SDK on a copy of ``invoicing/``, checks that the example's tests pass on
the result, and only then replaces the session file. Needs the test dependencies (``make
install-test``); no network, no key.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from server.commands.demo import EXAMPLE, EXAMPLES, SESSION, python_command  # noqa: E402
from tests.emulator import Emulator  # noqa: E402

INSTRUCTION = (
    "Add a `currency` parameter to format_price (default None: no symbol, as today). USD, EUR and GBP "
    "put their symbol before the amount; other codes go after it. Give Invoice a currency and pass it "
    "at every call site, and add tests."
)
PAUSE = {"first_byte_delay_s": 0.35, "chunk_delay_s": 0.02}  # a model's pace, for the realtime replay


def call(tool: str, **arguments: Any) -> dict[str, Any]:
    return {"name": tool, "arguments": arguments}


def edit(path: str, *pairs: tuple[str, str]) -> dict[str, Any]:
    return call("propose_edit", path=path, edits=[{"search": s, "replace": r} for s, r in pairs])


MONEY_OLD = '''def format_price(amount: float) -> str:
    """Two decimals with thousands separators: 1234.5 -> '1,234.50'; negatives keep their sign."""
    return f"{amount:,.2f}"
'''
MONEY_NEW = '''SYMBOLS = {"USD": "$", "EUR": "\u20ac", "GBP": "\u00a3"}


def format_price(amount: float, currency: str | None = None) -> str:
    """Two decimals with thousands separators: 1234.5 -> '1,234.50'; negatives keep their sign.

    With a `currency` code, USD, EUR and GBP put their symbol first ('$1,234.50', '-\u20ac3.00');
    other codes follow the amount ('1,234.50 CHF').
    """
    text = f"{amount:,.2f}"
    if currency is None:
        return text
    code = currency.upper()
    symbol = SYMBOLS.get(code)
    if symbol is None:
        return f"{text} {code}"
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    return f"{sign}{symbol}{digits}"
'''
INVOICE_EDITS = (
    ("    tax_rate: float = 0.0\n", "    tax_rate: float = 0.0\n    currency: str | None = None\n"),
    (
        "        unit, total = format_price(item.unit_price), format_price(item.total)\n",
        "        unit, total = format_price(item.unit_price, self.currency), format_price(item.total, self.currency)\n",
    ),
    (
        "            f\"{'Subtotal':<43} {format_price(self.subtotal):>10}\",\n"
        "            f\"{'Tax':<43} {format_price(self.tax):>10}\",\n"
        "            f\"{'Total':<43} {format_price(self.total):>10}\",\n",
        "            f\"{'Subtotal':<43} {format_price(self.subtotal, self.currency):>10}\",\n"
        "            f\"{'Tax':<43} {format_price(self.tax, self.currency):>10}\",\n"
        "            f\"{'Total':<43} {format_price(self.total, self.currency):>10}\",\n",
    ),
)
RECEIPT_EDITS = (
    (
        '    text = f"Received {format_price(paid)} from',
        '    currency = invoice.currency\n    text = f"Received {format_price(paid, currency)} from',
    ),
    ('text += f"; {format_price(owed)} still due"', 'text += f"; {format_price(owed, currency)} still due"'),
)
MONEY_TEST_EDIT = (
    '        self.assertEqual(format_price(-12.3), "-12.30")\n',
    '        self.assertEqual(format_price(-12.3), "-12.30")\n\n'
    "    def test_currency_symbol_before_the_amount(self) -> None:\n"
    '        self.assertEqual(format_price(1234.5, "USD"), "$1,234.50")\n'
    '        self.assertEqual(format_price(-3, "eur"), "-\u20ac3.00")\n'
    '        self.assertEqual(format_price(7, "GBP"), "\u00a37.00")\n\n'
    "    def test_other_currencies_after_the_amount(self) -> None:\n"
    '        self.assertEqual(format_price(1234.5, "CHF"), "1,234.50 CHF")\n',
)
INVOICE_TEST_EDIT = (
    "    def test_full_payment(self) -> None:\n",
    "    def test_currency_reaches_every_amount(self) -> None:\n"
    "        invoice = sample_invoice()\n"
    '        invoice.currency = "EUR"\n'
    '        self.assertTrue(invoice.render().endswith("\u20ac2,541.00"))\n'
    '        self.assertIn("\u20ac541.00 still due", receipt_line(invoice, 2000))\n\n'
    "    def test_full_payment(self) -> None:\n",
)

REPLIES: list[dict[str, Any]] = [
    {
        "text": "I'll find format_price and everything that calls it.",
        "tool_calls": [call("find_symbol", name="format_price")],
        "usage": {"input_tokens": 2140, "output_tokens": 38},
    },
    {
        "tool_calls": [
            call("read_file", path="invoicing/money.py"),
            call("read_file", path="invoicing/invoice.py"),
            call("read_file", path="invoicing/receipt.py"),
            call("read_file", path="tests/test_money.py"),
            call("read_file", path="tests/test_invoice.py"),
        ],
        "usage": {"input_tokens": 2610, "output_tokens": 121},
    },
    {
        "text": (
            "format_price is called from Invoice.render_line, Invoice.render and receipt_line. I'll add the "
            "parameter with a None default so existing output is unchanged, store the currency on Invoice, "
            "pass it at all seven call sites, and add tests."
        ),
        "tool_calls": [
            edit("invoicing/money.py", (MONEY_OLD, MONEY_NEW)),
            edit("invoicing/invoice.py", *INVOICE_EDITS),
            edit("invoicing/receipt.py", *RECEIPT_EDITS),
            edit("tests/test_money.py", MONEY_TEST_EDIT),
            edit("tests/test_invoice.py", INVOICE_TEST_EDIT),
        ],
        "usage": {"input_tokens": 5320, "output_tokens": 1480},
    },
    {
        "text": (
            "Done. format_price(amount, currency=None) puts $, \u20ac or \u00a3 before the amount and other codes "
            "after it; Invoice.currency flows into every line, the totals and the receipt. Without a currency the "
            "output is exactly as before. New tests cover symbols, negative amounts, unknown codes and an EUR "
            "invoice."
        ),
        "usage": {"input_tokens": 7050, "output_tokens": 92},
    },
]


def record(out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="outrider-record-") as scratch_dir:
        scratch = Path(scratch_dir).resolve()
        work = scratch / EXAMPLE
        shutil.copytree(EXAMPLES / EXAMPLE, work, ignore=shutil.ignore_patterns("__pycache__"))
        config = scratch / "config" / "outrider" / "config.toml"
        config.parent.mkdir(parents=True)
        command = python_command(scratch)
        config.write_text(f"[agent]\ntest_commands = [{command!r}]\n".replace("'", '"'), encoding="utf-8")
        draft = scratch / "session.jsonl"
        with Emulator() as emulator:
            emulator.script(*({**reply, **PAUSE} for reply in REPLIES))
            env = {
                **os.environ,
                "ANTHROPIC_API_KEY": "sk-ant-demo-recording",
                "XDG_CONFIG_HOME": str(scratch / "config"),
                "OUTRIDER_HOME": str(scratch / "state"),
            }
            argv = [
                sys.executable,
                "-c",
                "import sys; from server.cli import main; sys.exit(main())",
                "refactor",
                INSTRUCTION,
                "--apply",
                "--workspace",
                str(work),
            ]
            argv += ["--provider", "anthropic", "--base-url", emulator.anthropic_base_url, "--record", str(draft)]
            done = subprocess.run(argv, cwd=REPO, env=env, check=False)
        if done.returncode != 0:
            raise SystemExit(f"record_demo: the refactor failed (exit code {done.returncode}); session not replaced")
        tests = subprocess.run(command, cwd=work, check=False)
        if tests.returncode != 0:
            raise SystemExit("record_demo: the example's tests fail after the refactor; session not replaced")
        shutil.copyfile(draft, out)
    sys.stderr.write(f"record_demo: wrote {out}\n")


if __name__ == "__main__":
    record(EXAMPLES / SESSION)
