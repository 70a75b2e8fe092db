"""What a model is told for one completion: the packed pieces, and how they are shown to people.

:class:`PackedContext` is the result of :func:`context.packing.pack.pack_completion_context`;
:meth:`PackedContext.related_blocks` is what a prompt puts before the code, :meth:`PackedContext.render`
what ``outrider context`` prints, :meth:`PackedContext.to_json` its ``--json`` form. The counter
that measured the pieces (an exact tokenizer, or the bound) is named in both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from context.source.positions import Position


@dataclass(frozen=True, slots=True)
class Section:
    """A titled block of related context (a repo-map slice, nearby symbols ...)."""

    title: str
    text: str


@dataclass(frozen=True, slots=True)
class PackedContext:
    """What a model is told for a completion at one position."""

    path: str
    language: str | None
    position: Position  # 0-based line, UTF-16 character
    budget: int
    model: str | None
    scopes: str
    sections: tuple[Section, ...]  # imports, nearby definitions, extra sections (non-empty only)
    prefix: str
    suffix: str
    multi_line: bool
    indentation: str
    tokens: dict[str, int] = field(default_factory=dict)  # per piece
    redactions: int = 0
    dropped: tuple[str, ...] = ()  # what did not fit, e.g. "imports: 3 of 9 lines"
    counter: str = ""  # what counted the tokens, e.g. "o200k_base (exact)"

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens.values())

    def related_blocks(self) -> tuple[str, ...]:
        """The non-code context as text blocks (for a prompt's "related code" part)."""
        blocks = [f"Scope: {self.scopes}"] if self.scopes else []
        blocks.extend(f"{s.title}:\n{s.text}" for s in self.sections)
        return tuple(blocks)

    def render(self) -> str:
        """For people: every piece the model gets, with the cursor marked."""
        header = (
            f"# {self.path}:{self.position.line + 1}:{self.position.character + 1}"
            f" ({self.language or 'plain text'}), {'multi-line' if self.multi_line else 'single line'}"
        )
        counted = f"model: {self.model or 'default'}" + (f", counter: {self.counter}" if self.counter else "")
        lines = [header, f"# tokens: {self.total_tokens} of {self.budget} ({counted})"]
        if self.redactions:
            lines.append(f"# secrets redacted: {self.redactions}")
        lines.extend(f"# cut: {item}" for item in self.dropped)
        lines.append(f"\n## Scope\n{self.scopes}")
        for section in self.sections:
            lines.append(f"\n## {section.title}\n{section.text}")
        lines.append(f"\n## Code\n{self.prefix}<CURSOR>{self.suffix}")
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (keys in a fixed order)."""
        return {
            "path": self.path,
            "language": self.language,
            "line": self.position.line,
            "character": self.position.character,
            "budget": self.budget,
            "model": self.model,
            "counter": self.counter,
            "total_tokens": self.total_tokens,
            "tokens": dict(sorted(self.tokens.items())),
            "multi_line": self.multi_line,
            "indentation": self.indentation,
            "scopes": self.scopes,
            "sections": [{"title": s.title, "text": s.text} for s in self.sections],
            "prefix": self.prefix,
            "suffix": self.suffix,
            "redactions": self.redactions,
            "dropped": list(self.dropped),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PackedContext:
        """The inverse of :meth:`to_json`."""
        return cls(
            path=data["path"],
            language=data["language"],
            position=Position(data["line"], data["character"]),
            budget=data["budget"],
            model=data["model"],
            scopes=data["scopes"],
            sections=tuple(Section(s["title"], s["text"]) for s in data["sections"]),
            prefix=data["prefix"],
            suffix=data["suffix"],
            multi_line=data["multi_line"],
            indentation=data["indentation"],
            tokens=dict(data["tokens"]),
            redactions=data["redactions"],
            dropped=tuple(data["dropped"]),
            counter=data.get("counter", ""),
        )

    def to_json_text(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2)
