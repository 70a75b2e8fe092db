"""The instruction for one agent run from an ACP prompt: text, resource links and embedded files.

A resource link names a file the model may read with its tools (the path is shown relative to the
workspace). Embedded text is included under the same rules as everything the model sees: a file
inside the workspace that is ignored or secret is left out (the model is told so), and every text
is redacted and capped. Images, audio and binary resources are not read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from acp.schema import (
    EmbeddedResourceContentBlock,
    ResourceContentBlock,
    TextContentBlock,
    TextResourceContents,
)

from server.acp.convert import path_from_uri
from tools.sandbox import Refusal, Workspace, model_safe

EMBEDDED_CHARS = 40_000  # per embedded resource


def _shown_path(workspace: Workspace, uri: str) -> str | Refusal:
    """The workspace-relative path of a file URI, a Refusal for a refused file, or the URI itself."""
    path = path_from_uri(uri)
    if path is None:
        return uri
    target = workspace.resolve(str(path))
    return target if isinstance(target, Refusal) else target.rel


def _embedded(workspace: Workspace, resource: Any) -> str:
    if not isinstance(resource, TextResourceContents):
        return f"(attached {resource.uri}: binary content, not read)"
    shown = _shown_path(workspace, resource.uri)
    if isinstance(shown, Refusal):
        return f"(attached {resource.uri}: not included: {shown.reason})"
    return f"Attached file {shown}:\n```\n{model_safe(resource.text, EMBEDDED_CHARS)}\n```"


def _link(workspace: Workspace, block: ResourceContentBlock) -> str:
    shown = _shown_path(workspace, block.uri)
    if isinstance(shown, Refusal):
        return f"(referenced {block.uri}: not available: {shown.reason})"
    return f"Referenced file: {shown} (read it with your tools)"


def instruction_from_prompt(workspace: Workspace, blocks: Sequence[Any]) -> str:
    """All blocks in order, as one instruction text (empty when the prompt has no text at all)."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, TextContentBlock):
            parts.append(block.text)
        elif isinstance(block, ResourceContentBlock):
            parts.append(_link(workspace, block))
        elif isinstance(block, EmbeddedResourceContentBlock):
            parts.append(_embedded(workspace, block.resource))
        else:
            parts.append(f"({getattr(block, 'type', 'unknown')} content is not supported and was left out)")
    return "\n\n".join(part.strip() for part in parts if part.strip())


def with_history(instruction: str, history: Sequence[tuple[str, str]]) -> str:
    """Earlier turns of the session (their requests and answers, shortened) before the new request."""
    if not history:
        return instruction
    lines = ["Earlier in this conversation:"]
    for asked, answered in history:
        lines.append(f"- The user asked: {model_safe(asked, 600)}")
        if answered:
            lines.append(f"  You answered: {model_safe(answered, 600)}")
    return "\n".join(lines) + "\n\nNow: " + instruction
