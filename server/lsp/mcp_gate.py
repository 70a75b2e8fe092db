"""The MCP approval gate in an editor: ``window/showMessageRequest`` with "Allow once",
"Always allow" and "Reject" (no answer, or a dismissed message, is a reject)."""

from __future__ import annotations

import json

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from server.mcp.approvals import ApprovalRequest, Decision
from tools.sandbox import model_safe

PREVIEW_CHARS = 300
ANSWERS: dict[str, Decision] = {"Allow once": "once", "Always allow": "always", "Reject": "reject"}


class MessageRequestGate:
    def __init__(self, ls: LanguageServer) -> None:
        self.ls = ls

    async def ask(self, request: ApprovalRequest) -> Decision:
        tool = request.tool
        changed = " Its definition changed since you approved it." if request.changed else ""
        arguments = json.dumps(request.arguments, sort_keys=True)[:PREVIEW_CHARS]
        description = model_safe(tool.description, PREVIEW_CHARS)
        answer = await self.ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Warning,
                message=(
                    f"Outrider's agent wants to use the MCP tool {tool.name} from the server {tool.server}"
                    f" ({description}) with {arguments}.{changed} Allow?"
                ),
                actions=[types.MessageActionItem(title=title) for title in ANSWERS],
            )
        )
        return "reject" if answer is None else ANSWERS.get(answer.title, "reject")
