"""The model request for one next-edit prediction, and the parsing of its answer.

Two formats, one excerpt: the file around the cursor (from the context packer, redacted) with the
editable region between :data:`REGION_START` and :data:`REGION_END` and :data:`CURSOR` where the
cursor is, plus the recent edits as unified diffs.

- ``chat``: a system prompt and one user message, for any provider.
- ``editable_region``: the single-prompt layout open next-edit models (Zed's Zeta family) were
  trained on (instruction, user edits, user excerpt, response), sent as a raw completion to an
  OpenAI-compatible server. Chosen by model name (:func:`format_for`), as FIM is for completions.

Both answers are the region rewritten between the same markers (:func:`parse_rewrite`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from server.models.adapters.fim_prompt import model_is_next_edit
from server.models.types import ChatRequest, FimRequest, Message

FEATURE = "next_edit"
REGION_START = "<|editable_region_start|>"
REGION_END = "<|editable_region_end|>"
CURSOR = "<|user_cursor_is_here|>"
FILE_START = "<|start_of_file|>"

Format = Literal["chat", "editable_region"]


INSTRUCTION = (
    "You are a code editing assistant that predicts the next edit. Study the user's recent edits, "
    "then rewrite the excerpt's editable region the way the user will change it next, given where "
    "the cursor is."
)

CHAT_SYSTEM = f"""\
You predict the next edit a programmer makes in their editor. You are shown their recent edits \
(unified diffs, oldest first), related code, and an excerpt of the file in which the editable region \
lies between {REGION_START} and {REGION_END}, with {CURSOR} at the cursor.

Rewrite the editable region as it will be after the user's next edit: finish the change they are \
making (the same rename at the other uses, a new field's constructor parameter, call sites that \
match a changed signature). Keep everything else exactly as it is, including whitespace. Never undo \
the user's edits.

Reply with the rewritten region only, between {REGION_START} and {REGION_END} (each on its own \
line), without the cursor marker and without any explanation. If no edit is needed, reply with the \
region unchanged."""


@dataclass(frozen=True, slots=True)
class Excerpt:
    """What the model sees of the file (all redacted)."""

    path: str
    language: str | None
    above: str  # lines before the region (ends with a newline, or empty)
    region: str  # the editable region with the cursor marker
    below: str  # lines after the region
    at_file_start: bool
    related: tuple[str, ...] = ()


def format_for(configured: str, model: str, raw_completions: bool) -> Format:
    """``auto``: the editable-region layout for next-edit models behind a raw-completion endpoint."""
    if configured == "chat" or configured == "editable_region":
        return configured  # type: ignore[return-value]
    return "editable_region" if raw_completions and model_is_next_edit(model) else "chat"


def render_excerpt(excerpt: Excerpt) -> str:
    region = excerpt.region if excerpt.region.endswith("\n") or not excerpt.region else excerpt.region + "\n"
    start = f"{FILE_START}\n" if excerpt.at_file_start else ""
    return f"{start}{excerpt.above}{REGION_START}\n{region}{REGION_END}\n{excerpt.below}"


def render_edits(diffs: Sequence[str]) -> str:
    return "\n".join(f"```diff\n{diff.rstrip()}\n```" for diff in diffs if diff.strip())


def chat_request(
    excerpt: Excerpt, diffs: Sequence[str], *, max_tokens: int, model: str | None, metadata: dict[str, Any]
) -> ChatRequest:
    sections = [f"File: {excerpt.path}" + (f" ({excerpt.language})" if excerpt.language else "")]
    if excerpt.related:
        sections.append("Related code:\n" + "\n\n".join(block for block in excerpt.related if block.strip()))
    sections.append("Recent edits (oldest first):\n" + (render_edits(diffs) or "(none)"))
    sections.append("Excerpt:\n" + render_excerpt(excerpt))
    return ChatRequest(
        feature=FEATURE,
        system=CHAT_SYSTEM,
        messages=(Message.user("\n\n".join(sections)),),
        max_tokens=max_tokens,
        model=model,
        metadata=metadata,
    )


def editable_region_request(
    excerpt: Excerpt, diffs: Sequence[str], *, max_tokens: int, model: str | None, metadata: dict[str, Any]
) -> FimRequest:
    edits = "\n\n".join(f'User edited "{excerpt.path}":\n{render_edits([d])}' for d in diffs if d.strip())
    prompt = (
        f"### Instruction:\n{INSTRUCTION}\n\n"
        f"### User Edits:\n\n{edits}\n\n"
        f"### User Excerpt:\n\n```{excerpt.path}\n{render_excerpt(excerpt)}```\n\n"
        "### Response:\n"
    )
    return FimRequest(feature=FEATURE, prefix=prompt, suffix="", max_tokens=max_tokens, model=model, metadata=metadata)


def parse_rewrite(answer: str, region_ends_with_newline: bool) -> str | None:
    """The rewritten region from an answer; None when the answer has no complete region."""
    start = answer.find(REGION_START)
    if start < 0:
        return None
    body = answer[start + len(REGION_START) :]
    end = body.find(REGION_END)
    if end < 0:
        return None
    body = body[:end].removeprefix("\r\n").removeprefix("\n").replace(CURSOR, "")
    if not region_ends_with_newline:
        body = body.removesuffix("\n")
    elif body and not body.endswith("\n"):
        body += "\n"
    return body


def answer_complete(answer: str) -> bool:
    """The answer holds a whole region: the stream can stop."""
    start = answer.find(REGION_START)
    return start >= 0 and answer.find(REGION_END, start) >= 0
