"""The MCP approval gate on the terminal: ``--yes`` allows every tool for the run; otherwise the
user is asked on the terminal (allow once / always / reject), and without a terminal to ask on,
unapproved tools are refused."""

from __future__ import annotations

import asyncio
import json
import sys

from rich.console import Console

from server.mcp.approvals import AllowForRun, ApprovalRequest, Decision, RefuseAll, ToolGate
from tools.sandbox import model_safe

PREVIEW_CHARS = 300
ANSWERS: dict[str, Decision] = {"o": "once", "a": "always", "r": "reject", "": "reject"}


class TerminalGate:
    def __init__(self, console: Console) -> None:
        self.console = console

    async def ask(self, request: ApprovalRequest) -> Decision:
        tool = request.tool
        changed = " (its definition changed since you approved it)" if request.changed else ""
        arguments = json.dumps(request.arguments, sort_keys=True)[:PREVIEW_CHARS]
        self.console.print(
            f"MCP tool {tool.name} from {tool.server}{changed}: {model_safe(tool.description, PREVIEW_CHARS)}\n"
            f"  arguments: {arguments}",
            markup=False,
            highlight=False,
        )
        answer = await asyncio.to_thread(self.console.input, "Allow? [o]nce, [a]lways, [r]eject: ")
        return ANSWERS.get(answer.strip().lower()[:1], "reject")


def mcp_gate(console: Console, *, allow_all: bool) -> ToolGate:
    if allow_all:
        return AllowForRun()
    if sys.stdin.isatty() and console.is_terminal:
        return TerminalGate(console)
    return RefuseAll()
