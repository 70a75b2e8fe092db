"""Approval of MCP tools: each tool needs the user's yes before its first use.

An approval is tied to a hash of the tool's definition (server, name, description, input schema,
annotations): a server that later changes what a tool says or takes needs approval again.
Annotations (``readOnlyHint`` and the like) are part of the hash but never lower the gate: a
server's claims about itself are not trusted. "Always" answers are kept in a JSON file under the
state directory; "once" answers hold for one call.

The question itself is the frontend's (:class:`ToolGate`): the editor's confirmation in LSP,
``session/request_permission`` in ACP, ``--yes`` or a prompt in the terminal.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

from server.mcp.connection import McpToolDefinition

log = logging.getLogger(__name__)

Decision = Literal["once", "always", "reject"]


def definition_hash(tool: McpToolDefinition) -> str:
    payload = {
        "server": tool.server,
        "name": tool.name,
        "description": tool.description,
        "input_schema": tool.input_schema,
        "annotations": tool.annotations,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


@dataclass(frozen=True)
class ApprovalRequest:
    tool: McpToolDefinition
    offered_name: str  # the prefixed name the model used
    arguments: dict[str, Any]
    changed: bool  # an earlier version of this tool was approved


class ToolGate(Protocol):
    async def ask(self, request: ApprovalRequest) -> Decision: ...


class ApprovalStore:
    """Approved definition hashes, by server and tool (a JSON file, written atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _load(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("cannot read MCP approvals from %s: %s; asking again", self.path, exc)
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): v for k, v in data.items() if isinstance(v, dict)}

    @staticmethod
    def _key(tool: McpToolDefinition) -> str:
        return f"{tool.server}/{tool.name}"

    def approved(self, tool: McpToolDefinition) -> bool:
        return self._load().get(self._key(tool), {}).get("hash") == definition_hash(tool)

    def known_before(self, tool: McpToolDefinition) -> bool:
        """An approval exists for another version of this tool."""
        return self._key(tool) in self._load() and not self.approved(tool)

    def approve(self, tool: McpToolDefinition) -> None:
        data = self._load()
        data[self._key(tool)] = {"hash": definition_hash(tool)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".mcp-approvals-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(dict(sorted(data.items())), fh, indent=2)
        Path(tmp).replace(self.path)


class RefuseAll:
    """The gate when no one can be asked: every unapproved tool is refused."""

    async def ask(self, request: ApprovalRequest) -> Decision:
        return "reject"


class AllowForRun:
    """``--yes`` in the terminal: every tool is allowed for this run (nothing is remembered)."""

    async def ask(self, request: ApprovalRequest) -> Decision:
        return "once"
