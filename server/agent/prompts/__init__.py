"""Prompts live in versioned Markdown files next to this module, never in code.

Each file starts with a header line ``<!-- prompt: NAME vN -->``: bump the version when the text
changes, so a reviewer sees it. Traces (when they store content) and recorded sessions hold the
prompts as sent, so a replayed session notices a changed prompt. Placeholders use ``$name``
(string.Template), so code samples with braces need no escaping.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from importlib import resources

_HEADER = re.compile(r"^<!-- prompt: (?P<name>[\w-]+) v(?P<version>\d+) -->\n")


@dataclass(frozen=True, slots=True)
class Prompt:
    name: str
    version: int
    template: str

    def render(self, **values: str) -> str:
        """Fill the placeholders; a missing value is an error (KeyError), never silent."""
        return string.Template(self.template).substitute(values)


@cache
def load_prompt(name: str) -> Prompt:
    text = resources.files(__name__).joinpath(f"{name}.md").read_text(encoding="utf-8")
    match = _HEADER.match(text)
    if match is None or match["name"] != name:
        raise ValueError(f"prompt {name}.md must start with '<!-- prompt: {name} vN -->'")
    return Prompt(name, int(match["version"]), text[match.end() :].strip() + "\n")
