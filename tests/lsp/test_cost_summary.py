"""``outrider.cost.summary`` answers the editor's status bar from the local trace store."""

from __future__ import annotations

import time
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from server.models.calls import CallRecord
from server.observe.store import TraceStore, default_db_path
from tests.lsp.conftest import StartClient


async def test_cost_summary_reports_todays_spend(
    start_client: StartClient, lsp_env: dict[str, str], workspace: Path, client_profile: str
) -> None:
    with TraceStore(default_db_path(lsp_env)).open() as store:
        for feature, cost in (("completion", 0.004), ("agent", 0.25)):
            store.record(
                CallRecord(
                    feature=feature,
                    provider="openai",
                    model="gpt-5.4",
                    started_at=time.time() - 5,
                    queue_s=0.0,
                    ttft_s=0.1,
                    total_s=0.2,
                    outcome="ok",
                    cost_usd=cost,
                )
            )
        store.flush()
    client: LanguageClient = await start_client(
        workspace=workspace, profile=client_profile, initialization_options={"model": "gpt-x"}
    )
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="outrider.cost.summary", arguments=[])
    )
    assert result["today_usd"] == 0.254
    assert result["by_feature"] == {"agent": 0.25, "completion": 0.004}
    assert result["month_usd"] >= result["today_usd"]
    assert (result["provider"], result["model"]) == ("anthropic", "gpt-x")
