"""``workspace/executeCommand`` ``outrider.cost.summary``: spend for the editor's status display.

Answers ``{today_usd, month_usd, by_feature, provider, model}`` (see ``editors/vscode/README.md``),
read from the local trace store in a thread so the event loop never waits on SQLite.
"""

from __future__ import annotations

import asyncio
from typing import Any

from server.lsp.server import OutriderServer
from server.observe.cost import cost_summary
from server.observe.store import TraceStore, default_db_path

COST_SUMMARY = "outrider.cost.summary"


def setup(server: OutriderServer) -> None:
    @server.command(COST_SUMMARY)
    async def summary(ls: OutriderServer, *args: Any) -> dict[str, Any]:
        store = TraceStore(default_db_path())
        result = await asyncio.to_thread(cost_summary, store)
        result["provider"] = ls.settings.provider
        result["model"] = ls.settings.resolved_model()
        return result
