"""Three realistic next-edit cases: a file, the user's edit (a unified diff), the cursor, what a good
model answers (the region rewritten) and the file after the predicted edit. The emulator serves the
answers through the real Anthropic SDK; recorded, they are the sessions under ``sessions/`` that CI
replays and ``bench/next_edit.py`` scores."""

from __future__ import annotations

from dataclasses import dataclass

from server.nextedit.prompt import REGION_END, REGION_START


@dataclass(frozen=True)
class NextEditCase:
    name: str
    path: str  # as the workspace names it
    before: str  # the file before the user's edit
    user_edit: tuple[str, str]  # the user's edit: this text of `before` replaced by that
    cursor: tuple[int, int]  # LSP position after the user's edit
    expected: str  # the file after the predicted next edit
    region_start: int = 0  # the editable region's first line (it runs to the end of these small files)

    @property
    def current(self) -> str:
        """The file as the user left it (their edit made, the next one not yet)."""
        old, new = self.user_edit
        assert self.before.count(old) == 1, self.name
        return self.before.replace(old, new)

    @property
    def diff(self) -> str:
        """The user's edit as a unified diff (one hunk, the changed lines only)."""
        old, new = self.user_edit
        start = self.before.index(old)
        line_start = self.before.rfind("\n", 0, start) + 1
        line_end = self.before.index("\n", start + len(old)) + 1
        old_lines = self.before[line_start:line_end].splitlines()
        new_lines = self.current[line_start : line_end + len(new) - len(old)].splitlines()
        first = self.before.count("\n", 0, line_start) + 1
        body = [f"-{line}" for line in old_lines] + [f"+{line}" for line in new_lines]
        header = f"--- a/{self.path}\n+++ b/{self.path}\n@@ -{first},{len(old_lines)} +{first},{len(new_lines)} @@\n"
        return header + "\n".join(body) + "\n"

    @property
    def reply(self) -> str:
        """A good model's answer: the region (to the end of these small files) rewritten."""
        region = "".join(self.expected.splitlines(keepends=True)[self.region_start :])
        return f"{REGION_START}\n{region}{REGION_END}\n"


RENAME_PARAMETER = NextEditCase(
    "rename_parameter",
    "pricing.py",
    "def total_price(items, rate):\n"
    "    subtotal = sum(item.price for item in items)\n"
    "    return subtotal * (1 + rate)\n",
    ("(items, rate):", "(items, tax_rate):"),
    (0, 30),
    "def total_price(items, tax_rate):\n"
    "    subtotal = sum(item.price for item in items)\n"
    "    return subtotal * (1 + tax_rate)\n",
)

ADD_FIELD = NextEditCase(
    "add_field",
    "invoice.py",
    "class Invoice:\n"
    "    def __init__(self, number, customer):\n"
    "        self.number = number\n"
    "        self.customer = customer\n"
    "\n"
    "    def label(self):\n"
    '        return f"{self.number} for {self.customer}"\n',
    ("        self.customer = customer\n", "        self.customer = customer\n        self.currency = currency\n"),
    (4, 32),
    "class Invoice:\n"
    "    def __init__(self, number, customer, currency):\n"
    "        self.number = number\n"
    "        self.customer = customer\n"
    "        self.currency = currency\n"
    "\n"
    "    def label(self):\n"
    '        return f"{self.number} for {self.customer}"\n',
    region_start=1,  # the methods of the class body
)


CHANGE_SIGNATURE = NextEditCase(
    "change_signature",
    "readings.py",
    "def scale(values, factor):\n"
    "    return [value * factor for value in values]\n"
    "\n"
    "\n"
    "def report(readings):\n"
    "    doubled = scale(readings, 2)\n"
    "    return max(doubled)\n",
    ("def scale(values, factor):", "def scale(factor, values):"),
    (0, 25),
    "def scale(factor, values):\n"
    "    return [value * factor for value in values]\n"
    "\n"
    "\n"
    "def report(readings):\n"
    "    doubled = scale(2, readings)\n"
    "    return max(doubled)\n",
)

CASES = (RENAME_PARAMETER, ADD_FIELD, CHANGE_SIGNATURE)
