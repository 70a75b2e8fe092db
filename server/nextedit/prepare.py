"""Everything one prediction needs before the model call, read from a snapshot of the document in
one go (run it off the event loop): the editable region, the excerpt from the cursor-aware context
packer, the recent edits and the model request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from context.packing import PackedContext, Section, pack_completion_context
from context.safety import redact
from context.source.document import Document
from server.models.types import ChatRequest, FimRequest
from server.nextedit.history import RecordedEdit
from server.nextedit.prompt import CURSOR, Excerpt, Format, chat_request, editable_region_request
from server.nextedit.region import Region, choose_region


@dataclass(frozen=True, slots=True)
class Prepared:
    snapshot: Document  # the document as the request saw it (text, version, tree)
    region: Region
    region_start: int  # code-point offsets of the region in the snapshot's text
    region_end: int
    shown_region: str  # the region as the model sees it (redacted, without the cursor marker)
    request: ChatRequest | FimRequest
    format: Format
    summary: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PromptLimits:
    context_tokens: int
    max_tokens: int
    region_lines: int


def prepare(
    snapshot: Document,
    position: tuple[int, int],
    edits: Sequence[RecordedEdit],
    limits: PromptLimits,
    model: str | None,
    fmt: Format,
    shown_path: str,
    extra: Sequence[Section] = (),
) -> Prepared:
    """`shown_path` is what the model is told the file is (relative to the workspace)."""
    touched = [edit.lines for edit in reversed(edits)]
    region = choose_region(snapshot, position, touched, limits.region_lines)
    start = snapshot.line_start(region.start) if region.start < snapshot.line_count else len(snapshot.text)
    end = snapshot.line_start(region.end) if region.end < snapshot.line_count else len(snapshot.text)
    packed = pack_completion_context(snapshot, position, limits.context_tokens, model, extra)
    shown = redact(snapshot.text[start:end])
    cursor = snapshot.offset_at(position)
    excerpt = Excerpt(
        path=shown_path,
        language=packed.language,
        above=_above(packed, position[0] - region.start),
        region=_with_cursor(shown, snapshot.text[start:cursor].count("\n"), cursor - snapshot.line_start(position[0])),
        below=_below(packed, region.end - position[0]),
        at_file_start=region.start == 0 or packed.prefix.count("\n") >= position[0],
        related=packed.related_blocks(),
    )
    diffs = [edit.diff for edit in edits]
    max_tokens = min(limits.max_tokens, len(shown) // 2 + 64)  # the region again, with room to grow
    summary: dict[str, Any] = {
        "path": shown_path,
        "format": fmt,
        "region_lines": region.lines,
        "edits": len(diffs),
        "edit_bytes": sum(len(diff) for diff in diffs),
        "context_tokens": packed.total_tokens,
        "redactions": packed.redactions,
    }
    build = chat_request if fmt == "chat" else editable_region_request
    request = build(excerpt, diffs, max_tokens=max_tokens, model=model, metadata=summary)
    return Prepared(snapshot, region, start, end, shown, request, fmt, summary)


def _above(packed: PackedContext, lines_into_region: int) -> str:
    """The packed prefix up to the region's first line (empty if the window stops inside it)."""
    prefix = packed.prefix
    cut = len(prefix)
    for _ in range(lines_into_region + 1):
        cut = prefix.rfind("\n", 0, cut)
        if cut < 0:
            return ""
    return prefix[: cut + 1]


def _below(packed: PackedContext, lines_to_region_end: int) -> str:
    """The packed suffix after the region's last line."""
    suffix = packed.suffix
    at = -1
    for _ in range(lines_to_region_end):
        at = suffix.find("\n", at + 1)
        if at < 0:
            return ""
    return suffix[at + 1 :]


def _with_cursor(region: str, line: int, column: int) -> str:
    """The region with the cursor marker at (line, column), both relative to the region."""
    at = 0
    for _ in range(line):
        at = region.find("\n", at) + 1
    line_end = region.find("\n", at)
    line_end = len(region) if line_end < 0 else line_end
    at = min(at + column, line_end)
    return region[:at] + CURSOR + region[at:]
