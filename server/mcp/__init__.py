"""MCP servers as agent tools: :mod:`server.mcp.toolbox` (what a run is offered),
:mod:`server.mcp.connection` (one server, SDK imported lazily), :mod:`server.mcp.approvals` (the gate)."""
