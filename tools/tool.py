"""What a tool is and what it runs in.

A tool is a :class:`ToolDef`: a name, a short description, a pydantic input model (its JSON schema
is what the model sees) and an async ``run(input, env)``. :meth:`ToolDef.call` validates the raw
arguments first, so invalid arguments come back as a :class:`ToolResult` marked
``invalid_arguments`` (the loop counts those) instead of an exception.

:class:`ToolEnv` is everything a tool may touch: the sandboxed workspace, the open-document overlay
(unsaved editor buffers win over disk; an ACP client's reader is asked the same way), the edit
proposals so far, the test commands the user configured, the extra environment variable names tests
get, and how to ask the user before tests run on proposed files without an OS sandbox. Tools never
import ``server``: the session builds the environment from settings.
"""

from __future__ import annotations

import asyncio
import logging
import stat
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from context.safety.files import Skipped, read_text_file
from tools.proposals import EditProposals
from tools.sandbox import DEFAULT_OUTPUT_CHARS, Refusal, Workspace, WorkspacePath, model_safe

log = logging.getLogger(__name__)

InputT = TypeVar("InputT", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What goes back to the model (already redacted and capped) and what the frontends report."""

    text: str
    is_error: bool = False
    invalid_arguments: bool = False
    files: tuple[str, ...] = ()  # workspace-relative paths this call read or proposed to change

    @classmethod
    def error(cls, message: str, *, files: tuple[str, ...] = ()) -> ToolResult:
        return cls(model_safe(message), is_error=True, files=files)


@dataclass(frozen=True, slots=True)
class OpenDocument:
    """An editor buffer: its current text and the editor's version number."""

    text: str
    version: int


class SymbolIndex(Protocol):
    """Definitions and references by name (the repo map, or a scan with the tag queries)."""

    def definitions(self, name: str) -> Sequence[Any]: ...

    def references(self, name: str) -> Sequence[Any]: ...


def no_overlay(path: Path) -> OpenDocument | None:
    return None


@dataclass
class ToolEnv:
    workspace: Workspace
    proposals: EditProposals = field(default_factory=EditProposals)
    overlay: Callable[[Path], OpenDocument | None] = no_overlay
    test_commands: tuple[tuple[str, ...], ...] = ()
    test_timeout_s: float = 300.0
    max_file_bytes: int = 1_000_000
    max_output_chars: int = DEFAULT_OUTPUT_CHARS
    symbols: SymbolIndex | None = None
    # The client's view of a file (ACP ``fs/read_text_file``: unsaved editor text); None: ask the disk.
    client_reader: Callable[[Path], Awaitable[str | None]] | None = None
    test_env: tuple[str, ...] = ()  # more variable names test commands get (`agent.test_env`)
    sandbox: bool = True  # run tests on proposed files in the OS sandbox when it is available
    # Asked before tests run on proposed files without a sandbox (the user's answer); None: refuse.
    confirm_unsandboxed: Callable[[str], Awaitable[bool]] | None = None


@dataclass(frozen=True, slots=True)
class CurrentText:
    """A file's text as the agent should see it now, and where that text came from."""

    text: str | None  # None: the file does not exist (yet)
    version: int | None  # the editor version when it came from an open buffer
    source: str  # "proposal", "editor", "disk" or "missing"


async def current_text(env: ToolEnv, target: WorkspacePath) -> CurrentText | Refusal:
    """Proposal, then editor buffer, then disk (read in a thread)."""
    if (proposal := env.proposals.get(target.path)) is not None:
        return CurrentText(proposal.new_text, proposal.base_version, "proposal")
    return await base_text(env, target)


async def base_text(env: ToolEnv, target: WorkspacePath) -> CurrentText | Refusal:
    """Editor buffer (or the client's reader), then disk: the text a new proposal is made against."""
    if (doc := env.overlay(target.path)) is not None:
        return CurrentText(doc.text, doc.version, "editor")
    if env.client_reader is not None and (text := await env.client_reader(target.path)) is not None:
        if len(text.encode("utf-8", "surrogatepass")) > env.max_file_bytes:
            return Refusal(f"{target.rel} cannot be read: larger than {env.max_file_bytes} bytes")
        return CurrentText(text, None, "editor")
    try:
        mode = target.path.stat().st_mode
    except FileNotFoundError:
        return CurrentText(None, None, "missing")
    except OSError as exc:  # a symlink loop, a name too long
        return Refusal(f"{target.rel} cannot be read: {exc.strerror}")
    if stat.S_ISDIR(mode):
        return Refusal(f"{target.rel} is a folder, not a file")
    if not stat.S_ISREG(mode):
        return Refusal(f"{target.rel} is not a regular file (a pipe, socket or device); it is never read")
    read = await asyncio.to_thread(read_text_file, target.path, max_bytes=env.max_file_bytes)
    if isinstance(read, Skipped):
        detail = f" ({read.detail})" if read.detail else ""
        return Refusal(f"{target.rel} cannot be read: {read.reason}{detail}")
    return CurrentText(read.text, None, "disk")


@dataclass(frozen=True)
class ToolDef(Generic[InputT]):
    name: str
    description: str
    input_model: type[InputT]
    run: Callable[[InputT, ToolEnv], Awaitable[ToolResult]]

    async def call(self, arguments: Mapping[str, Any], env: ToolEnv) -> ToolResult:
        try:
            parsed = self.input_model.model_validate(dict(arguments))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(arguments)'}: {err['msg']}" for err in exc.errors()
            )
            return ToolResult(
                model_safe(f"invalid arguments for {self.name}: {problems}"), is_error=True, invalid_arguments=True
            )
        return await self.run(parsed, env)
