"""The model request for one completion: fill-in-the-middle for models that take a suffix, a chat
prompt for chat models. Built only from the packed context (``context.packing.pack``), never from the raw
document, so ``outrider context`` shows exactly what the model is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from server.completion.shape import Shape
from server.models.types import ChatRequest, FimRequest, Message

FEATURE = "completion"
CURSOR = "<CURSOR>"
SINGLE_LINE_MAX_TOKENS = 64

_LINE_COMMENT: dict[str, str] = {
    "python": "#",
    "javascript": "//",
    "typescript": "//",
    "tsx": "//",
    "go": "//",
    "rust": "//",
    "java": "//",
    "c": "//",
    "cpp": "//",
}

CHAT_SYSTEM = """\
You are a code completion engine inside an editor. You are shown a file with the marker <CURSOR> \
where the user's cursor is. Reply with exactly the code to insert at the cursor: no explanation, \
no Markdown fences, no repetition of the code before or after the cursor. Keep the file's style \
and indentation. If the cursor is mid-line, finish that line only; if it is on an empty line in \
a block, you may write several lines that complete the block. If nothing sensible fits, reply \
with nothing."""


@dataclass(frozen=True, slots=True)
class PromptParts:
    """The parts of the packed context a prompt is made of."""

    path: str
    language: str | None
    prefix: str  # code before the cursor (already budgeted and redacted)
    suffix: str  # code after the cursor
    related: tuple[str, ...] = ()  # other context: scopes, nearby symbols, repo-map slice (rendered)


def _comment(language: str | None, text: str) -> str:
    mark = _LINE_COMMENT.get(language or "", "#")
    return "\n".join(f"{mark} {line}".rstrip() for line in text.splitlines())


def fim_request(
    parts: PromptParts, shape: Shape, *, max_tokens: int, model: str | None, metadata: dict[str, Any]
) -> FimRequest:
    """A FIM request: related context as comments above the code, then prefix and suffix."""
    header = [_comment(parts.language, f"Path: {parts.path}")]
    header.extend(_comment(parts.language, block) for block in parts.related if block.strip())
    prefix = "\n".join(header) + "\n" + parts.prefix
    return FimRequest(
        feature=FEATURE,
        prefix=prefix,
        suffix=parts.suffix,
        max_tokens=_max_tokens(shape, max_tokens),
        stop=("\n",) if shape == "single_line" else (),
        model=model,
        metadata=metadata,
    )


def chat_request(
    parts: PromptParts, shape: Shape, *, max_tokens: int, model: str | None, metadata: dict[str, Any]
) -> ChatRequest:
    """A chat request: stable system text (cacheable), then the context and the file with a marker."""
    sections = [f"File: {parts.path}" + (f" ({parts.language})" if parts.language else "")]
    if parts.related:
        sections.append("Related code:\n" + "\n\n".join(block for block in parts.related if block.strip()))
    want = "the rest of the current line" if shape == "single_line" else "the code that completes this block"
    sections.append(f"Insert {want} at {CURSOR}:\n" + parts.prefix + CURSOR + parts.suffix)
    return ChatRequest(
        feature=FEATURE,
        system=CHAT_SYSTEM,
        messages=(Message.user("\n\n".join(sections)),),
        max_tokens=_max_tokens(shape, max_tokens),
        model=model,  # no temperature: anthropic 2.x's Messages API no longer takes one
        metadata=metadata,
    )


def _max_tokens(shape: Shape, configured: int) -> int:
    return min(configured, SINGLE_LINE_MAX_TOKENS) if shape == "single_line" else configured


def request_identity(request: FimRequest | ChatRequest) -> tuple[str, ...]:
    """What makes two requests the same for the cache (metadata is not sent, so it doesn't count)."""
    if isinstance(request, FimRequest):
        return ("fim", request.model or "", request.prefix, request.suffix, str(request.max_tokens), *request.stop)
    texts = tuple(message.text() for message in request.messages)
    return ("chat", request.model or "", request.system, *texts, str(request.max_tokens))
