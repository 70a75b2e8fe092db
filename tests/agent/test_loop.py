import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.agent.events import AgentEvent, RunFinished, StepStarted, TextStreamed, ToolFinished, ValidationFailed
from server.agent.loop import AgentLoop, LoopLimits
from server.agent.outcomes import BudgetExceeded, Failed, Final, NeedsApproval
from server.models.types import ChatRequest, ErrorEvent, StreamEvent, ToolResultPart, Usage
from tests.agent.conftest import budget
from tests.scripted_provider import ScriptedProvider, text_reply, tool_reply
from tools.registry import all_tools
from tools.tool import ToolEnv

EDIT = ("propose_edit", {"path": "src/app.py", "edits": [{"search": "'hi '", "replace": "'hello '"}]})


def make_loop(
    provider: ScriptedProvider, env: ToolEnv, events: list[AgentEvent] | None = None, **kw: object
) -> AgentLoop:
    sink = events.append if events is not None else (lambda e: None)
    return AgentLoop(
        provider,
        all_tools(),
        env,
        kw.pop("b", None) or budget(),
        system="sys",
        model="claude-sonnet-4-5",
        on_event=sink,
        **kw,  # type: ignore[arg-type]
    )


def tool_results(request: ChatRequest) -> list[ToolResultPart]:
    return [p for p in request.messages[-1].parts if isinstance(p, ToolResultPart)]


async def test_read_edit_finish_gives_a_validated_plan(env: ToolEnv, project: Path) -> None:
    provider = ScriptedProvider(
        [tool_reply(("read_file", {"path": "src/app.py"})), tool_reply(EDIT), text_reply("Changed the greeting.")]
    )
    events: list[AgentEvent] = []
    outcome = await make_loop(provider, env, events).run("say hello")
    assert isinstance(outcome, Final)
    assert outcome.answer == "Changed the greeting."
    [edit] = outcome.plan.edits
    assert edit.rel_path == "src/app.py" and not edit.needs_confirmation
    assert edit.still_applies_to((project / "src" / "app.py").read_text())
    assert "'hello '" in (edit.new_text or "")
    # the model saw the tools, then its own calls answered in order
    assert [t.name for t in provider.requests[0].tools] == sorted(all_tools())
    assert "def greet(name):" in tool_results(provider.requests[1])[0].content
    assert [type(e).__name__ for e in events] == [
        "StepStarted",
        "ToolStarted",
        "ToolFinished",
        "StepStarted",
        "ToolStarted",
        "ToolFinished",
        "StepStarted",
        "TextStreamed",
        "RunFinished",
    ]
    finished = [e for e in events if isinstance(e, ToolFinished)]
    assert finished[1].files_touched == ("src/app.py",)
    assert isinstance(events[-1], RunFinished) and events[-1].spent.steps == 3


async def test_invalid_arguments_go_back_and_are_bounded(env: ToolEnv) -> None:
    provider = ScriptedProvider([tool_reply(("read_file", {"file": "x"}))], repeat_last=True)
    outcome = await make_loop(provider, env, limits=LoopLimits(max_format_errors=2)).run("x")
    assert isinstance(outcome, Failed) and "invalid tool calls" in outcome.message
    assert outcome.kind == "format_errors"
    assert len(provider.requests) == 3
    assert tool_results(provider.requests[1])[0].is_error


async def test_unknown_tool_then_recovery(env: ToolEnv) -> None:
    provider = ScriptedProvider([tool_reply(("run_shell", {"cmd": "cat /etc/passwd"})), text_reply("ok")])
    outcome = await make_loop(provider, env).run("x")
    assert isinstance(outcome, Final)
    result = tool_results(provider.requests[1])[0]
    assert result.is_error and "unknown tool 'run_shell'" in result.content


async def test_endless_loop_stops_at_max_steps(env: ToolEnv) -> None:
    provider = ScriptedProvider([tool_reply(("list_files", {}))], repeat_last=True)
    outcome = await make_loop(provider, env, b=budget(steps=4)).run("x")
    assert isinstance(outcome, BudgetExceeded)
    assert outcome.detail is not None and outcome.detail.limit == "steps"
    assert len(provider.requests) == 4


async def test_endless_loop_stops_at_max_dollars(env: ToolEnv) -> None:
    # claude-sonnet-4-5 at $3/M input: 1M input tokens per call costs $3.
    provider = ScriptedProvider([tool_reply(("list_files", {}), usage=Usage(1_000_000, 0))], repeat_last=True)
    outcome = await make_loop(provider, env, b=budget(cost=7.0)).run("x")
    assert isinstance(outcome, BudgetExceeded)
    assert outcome.detail is not None and outcome.detail.limit == "cost_usd"
    assert len(provider.requests) == 3  # $9 spent: over by at most the call in flight
    assert "cost_usd" in outcome.message


async def test_endless_loop_stops_at_max_seconds(env: ToolEnv) -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0
        return now[0]

    provider = ScriptedProvider([tool_reply(("list_files", {}))], repeat_last=True)
    outcome = await make_loop(provider, env, b=budget(seconds=5.5, clock=clock)).run("x")
    assert isinstance(outcome, BudgetExceeded)
    assert outcome.detail is not None and outcome.detail.limit == "seconds"


async def test_syntax_errors_are_fed_back_then_fixed(env: ToolEnv) -> None:
    broken = (
        "propose_edit",
        {"path": "src/app.py", "edits": [{"search": "def greet(name):", "replace": "def greet(name:"}]},
    )
    fixed = (
        "propose_edit",
        {"path": "src/app.py", "edits": [{"search": "def greet(name:", "replace": "def greet(name):"}]},
    )
    provider = ScriptedProvider([tool_reply(broken), text_reply("done"), tool_reply(EDIT, fixed), text_reply("done")])
    events: list[AgentEvent] = []
    outcome = await make_loop(provider, env, events).run("x")
    assert isinstance(outcome, Final), outcome
    feedback = provider.requests[2].messages[-1].text()
    assert "introduces syntax errors at line 1" in feedback
    assert any(isinstance(e, ValidationFailed) for e in events)
    [edit] = outcome.plan.edits
    assert "def greet(name):" in (edit.new_text or "") and "'hello '" in (edit.new_text or "")


async def test_validation_rounds_are_bounded(env: ToolEnv) -> None:
    broken = ("propose_edit", {"path": "src/app.py", "new_content": "def broken(:\n"})
    provider = ScriptedProvider([tool_reply(broken), text_reply("done")], repeat_last=True)
    outcome = await make_loop(provider, env, limits=LoopLimits(max_validation_rounds=1)).run("x")
    assert isinstance(outcome, Failed) and "still fail validation" in outcome.message
    assert outcome.kind == "validation_failed"
    assert outcome.plan.files == ("src/app.py",)


async def test_file_changed_since_read_is_discarded(env: ToolEnv, project: Path) -> None:
    class EditThenTouch(ScriptedProvider):
        async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
            if len(self.requests) == 2:  # the user edits the file while the agent works
                (project / "src" / "app.py").write_text("# changed by the user\n")
            async for event in super().stream(request):
                yield event

    provider = EditThenTouch([tool_reply(EDIT), tool_reply(("list_files", {})), text_reply("done")], repeat_last=True)
    outcome = await make_loop(provider, env).run("x")
    assert "changed since you read it" in provider.requests[3].messages[-1].text()
    assert isinstance(outcome, Final) and not outcome.plan


async def test_deleting_needs_approval(env: ToolEnv) -> None:
    provider = ScriptedProvider([tool_reply(("propose_edit", {"path": "README.md", "delete": True})), text_reply("ok")])
    outcome = await make_loop(provider, env).run("x")
    assert isinstance(outcome, NeedsApproval)
    assert outcome.reasons == ("README.md: deletes a file",)


async def test_required_tests_must_pass(env: ToolEnv) -> None:
    env.test_commands = (
        (sys.executable, "-c", "import pathlib,sys; sys.exit('hello' not in pathlib.Path('src/app.py').read_text())"),
    )
    wrong = ("propose_edit", {"path": "src/app.py", "edits": [{"search": "'hi '", "replace": "'hey '"}]})
    fix = ("propose_edit", {"path": "src/app.py", "edits": [{"search": "'hey '", "replace": "'hello '"}]})
    provider = ScriptedProvider([tool_reply(wrong), text_reply("done"), tool_reply(fix), text_reply("done")])
    outcome = await make_loop(provider, env, run_tests=True).run("x")
    assert isinstance(outcome, Final)
    assert "tests failed with your edits applied" in provider.requests[2].messages[-1].text()


async def test_provider_error_fails_with_its_message(env: ToolEnv) -> None:
    provider = ScriptedProvider([[ErrorEvent("auth", "invalid x-api-key", status=401)]])
    outcome = await make_loop(provider, env).run("x")
    assert isinstance(outcome, Failed) and "auth" in outcome.message and "invalid x-api-key" in outcome.message
    assert outcome.kind == "provider_error"


async def test_cancellation_stops_the_run(env: ToolEnv) -> None:
    started = asyncio.Event()

    class Hang(ScriptedProvider):
        async def stream(self, request: ChatRequest) -> AsyncIterator[StreamEvent]:
            started.set()
            await asyncio.sleep(60)
            yield ErrorEvent("timeout", "never")

    task = asyncio.create_task(make_loop(Hang([]), env).run("x"))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_streamed_text_is_reported(env: ToolEnv) -> None:
    events: list[AgentEvent] = []
    await make_loop(ScriptedProvider([text_reply("Just an answer.")]), env, events).run("explain")
    assert [e.text for e in events if isinstance(e, TextStreamed)] == ["Just an answer."]
    assert sum(isinstance(e, StepStarted) for e in events) == 1
