"""The MCP approval gate of an ACP session: ``session/request_permission`` with allow once,
always and reject, showing the tool's server, name, description and arguments."""

from __future__ import annotations

import json

from acp import Client
from acp.schema import AllowedOutcome, ToolCallUpdate

from server.acp.convert import ALLOW_ALWAYS, ALLOW_ONCE, acp_permission_options
from server.mcp.approvals import ApprovalRequest, Decision
from tools.sandbox import model_safe

PREVIEW_CHARS = 600


class PermissionGate:
    def __init__(self, client: Client, session_id: str) -> None:
        self.client, self.session_id = client, session_id
        self.asked = 0

    async def ask(self, request: ApprovalRequest) -> Decision:
        self.asked += 1
        tool = request.tool
        changed = " (its definition changed since you approved it)" if request.changed else ""
        arguments = json.dumps(request.arguments, sort_keys=True)[:PREVIEW_CHARS]
        title = f"Allow MCP tool {tool.name} from {tool.server}{changed}? {arguments}"
        response = await self.client.request_permission(
            session_id=self.session_id,
            tool_call=ToolCallUpdate(
                tool_call_id=f"mcp-approval-{self.asked}",
                title=title,
                kind="other",
                raw_input={"description": model_safe(tool.description, PREVIEW_CHARS), "arguments": request.arguments},
            ),
            options=acp_permission_options(always=True),
        )
        outcome = response.outcome
        if not isinstance(outcome, AllowedOutcome):
            return "reject"
        return {ALLOW_ONCE: "once", ALLOW_ALWAYS: "always"}.get(outcome.option_id, "reject")  # type: ignore[return-value]
