"""ACP end to end: the SDK's client side against `outrider acp`, the model played by the emulator."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from acp import text_block

from tests.acp.conftest import RecordingClient, acp_agent
from tests.agent.task_scripts import call, edit
from tests.emulator import Emulator

INSTRUCTION = "Rename calc_total to compute_total in shop/pricing.py."
EDIT_REPLIES = [
    {"tool_calls": [call("read_file", path="shop/pricing.py")]},
    {"tool_calls": [call("search", pattern="calc_total")]},
    {
        "text": "Renaming the definition.",
        "tool_calls": [edit("shop/pricing.py", ("def calc_total(", "def compute_total("))],
    },
    {"text": "Renamed calc_total in shop/pricing.py."},
]


async def run_prompt(
    client: RecordingClient, emulator: Emulator, work: Path, env: dict[str, str], **kw: object
) -> object:
    async with acp_agent(client, emulator.anthropic_base_url, env, **kw) as conn:  # type: ignore[arg-type]
        session = await conn.new_session(cwd=str(work))
        assert [m.id for m in session.modes.available_modes] == ["ask", "auto"]
        return await asyncio.wait_for(conn.prompt(session_id=session.session_id, prompt=[text_block(INSTRUCTION)]), 60)


async def test_allow_once_writes_the_edit(emulator: Emulator, work: Path, agent_env: dict[str, str]) -> None:
    emulator.script(*EDIT_REPLIES)
    client = RecordingClient(answer="allow_once")
    response = await run_prompt(client, emulator, work, agent_env)
    assert response.stop_reason == "end_turn"
    pricing = work / "shop" / "pricing.py"
    assert "def compute_total(" in pricing.read_text(encoding="utf-8")
    assert client.writes == [str(pricing)]
    assert str(pricing) in client.reads  # reads went through the client (fs/read_text_file)
    # one permission request, for the edit, with allow once / always / reject
    ((_tool_call, options),) = client.permissions
    assert options == ["allow_once", "allow_always", "reject_once"]
    starts = [u for u in client.updates if u.session_update == "tool_call"]
    assert [(s.kind, s.title) for s in starts[:3]] == [
        ("read", "read_file shop/pricing.py"),
        ("search", 'search "calc_total"'),
        ("edit", "propose_edit shop/pricing.py"),
    ]
    finished = [u for u in client.updates if u.session_update == "tool_call_update" and u.status == "completed"]
    edit_update = next(u for u in finished if u.content and u.content[0].type == "diff")
    assert (edit_update.locations[0].path, edit_update.locations[0].line) == (str(pricing), 4)  # 1-based
    assert "def compute_total(" in edit_update.content[0].new_text
    assert "def calc_total(" in edit_update.content[0].old_text
    plans = [u for u in client.updates if u.session_update == "plan"]
    assert len(plans[-1].entries) == 4 and {e.status for e in plans[-1].entries} == {"completed"}
    usage = [u for u in client.updates if u.session_update == "usage_update"]
    assert usage[-1].used > 0 and usage[-1].field_meta["outrider"]["steps"] == 4
    assert "Renamed calc_total" in client.text() and "Applied: shop/pricing.py." in client.text()


async def test_reject_leaves_the_file_untouched(emulator: Emulator, work: Path, agent_env: dict[str, str]) -> None:
    emulator.script(*EDIT_REPLIES)
    pricing = work / "shop" / "pricing.py"
    before = pricing.read_bytes()
    client = RecordingClient(answer="reject_once")
    response = await run_prompt(client, emulator, work, agent_env)
    assert response.stop_reason == "end_turn"
    assert len(client.permissions) == 1
    assert client.writes == []
    assert pricing.read_bytes() == before
    assert "Rejected (left untouched): shop/pricing.py." in client.text()


async def test_every_model_call_is_traced_as_acp(emulator: Emulator, work: Path, agent_env: dict[str, str]) -> None:
    from server.observe.store import TraceFilter, TraceStore, default_db_path

    emulator.script(*EDIT_REPLIES)
    await run_prompt(RecordingClient(answer="reject_once"), emulator, work, agent_env)
    with TraceStore(default_db_path(agent_env)) as store:
        rows = store.recent(TraceFilter(limit=10, feature="acp"))
    assert len(rows) == len(EDIT_REPLIES)


async def test_reads_see_the_clients_unsaved_text(emulator: Emulator, work: Path, agent_env: dict[str, str]) -> None:
    pricing = work / "shop" / "pricing.py"
    emulator.script({"tool_calls": [call("read_file", path="shop/pricing.py")]}, {"text": "Read it."})
    client = RecordingClient(buffers={str(pricing): "def unsaved_in_the_editor():\n    pass\n"})
    await run_prompt(client, emulator, work, agent_env)
    sent = json.dumps(emulator.requests[1].body["messages"][-1])
    assert "unsaved_in_the_editor" in sent and "calc_total" not in sent


async def test_resource_links_and_embedded_files_reach_the_model(
    emulator: Emulator, work: Path, agent_env: dict[str, str]
) -> None:
    from acp import embedded_text_resource, resource_block, resource_link_block

    (work / ".env").write_text("API_KEY=sk-should-never-leave\n", encoding="utf-8")
    emulator.script({"text": "Seen."})
    blocks = [
        text_block("Look at these."),
        resource_link_block("cart.py", (work / "shop" / "cart.py").as_uri()),
        resource_block(embedded_text_resource((work / "shop" / "pricing.py").as_uri(), "def embedded_text(): ...\n")),
        resource_block(embedded_text_resource((work / ".env").as_uri(), "API_KEY=sk-should-never-leave\n")),
    ]
    async with acp_agent(RecordingClient(), emulator.anthropic_base_url, agent_env) as conn:
        session = await conn.new_session(cwd=str(work))
        await asyncio.wait_for(conn.prompt(session_id=session.session_id, prompt=blocks), 60)
    sent = json.dumps(emulator.requests[0].body["messages"])
    assert "Referenced file: shop/cart.py" in sent
    assert "Attached file shop/pricing.py" in sent and "def embedded_text()" in sent
    assert "sk-should-never-leave" not in sent and "not included" in sent


async def test_an_edit_is_rebased_onto_text_the_user_typed_meanwhile(
    emulator: Emulator, work: Path, agent_env: dict[str, str]
) -> None:
    emulator.script(*EDIT_REPLIES)
    pricing = work / "shop" / "pricing.py"
    client = RecordingClient(answer="allow_once")
    original = pricing.read_text(encoding="utf-8")

    def user_types(update: object) -> None:  # while the edit waits for permission, the user adds a line
        if getattr(update, "title", "") == "Edit shop/pricing.py":
            client.buffers[str(pricing)] = original + "\n# typed by the user\n"

    client.on_update = user_types
    await run_prompt(client, emulator, work, agent_env)
    written = pricing.read_text(encoding="utf-8")
    assert "def compute_total(" in written and written.endswith("# typed by the user\n")
