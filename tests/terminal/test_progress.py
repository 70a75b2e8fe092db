from rich.console import Console

from server.agent.events import RunFinished, StepStarted, TextStreamed, ToolFinished, ValidationFailed
from server.agent.outcomes import Final
from server.models.budget import Spent
from server.terminal.progress import ProgressView


def test_plain_progress_lines_stream_text_and_name_tools_files_and_spend() -> None:
    console = Console(record=True, width=200, force_terminal=False)
    ticks = iter(float(i) for i in range(100))
    spent = Spent(steps=1, input_tokens=1000, output_tokens=234, cost_usd=0.0123)
    with ProgressView(console, 5, clock=lambda: next(ticks)) as view:
        view(StepStarted(1, Spent()))
        view(TextStreamed("Looking at "))
        view(TextStreamed("the code.\nThen"))
        view(ToolFinished(1, "read_file", False, ("a.py",), ("b.py",), spent))
        view(ValidationFailed(("a.py: your edit introduces a syntax error\ndetails",)))
        view(RunFinished(Final("done"), spent))
    lines = console.export_text().splitlines()
    assert lines[0].startswith("step 1/5: asking the model (0 tokens, $0.0000)")
    assert lines[1:3] == ["Looking at the code.", "Then"]
    assert lines[3].startswith("step 1: read_file a.py; editing b.py (1,234 tokens, $0.0123)")
    assert lines[4] == "  ! a.py: your edit introduces a syntax error"
    assert view.spent == spent and view.step == 1


def test_terminal_status_line_shows_step_tool_files_tokens_dollars_elapsed() -> None:
    console = Console(record=True, width=200, force_terminal=True)
    view = ProgressView(console, 9, clock=lambda: 12.5)
    view.started = 10.0
    assert view.status().plain == "step 0/9  0 tokens  $0.0000  2.5s"
    view(ToolFinished(3, "propose_edit", False, ("a.py",), ("a.py", "b.py"), Spent(3, 100, 20, cost_usd=0.5)))
    view.step = 3
    assert view.status().plain == "step 3/9  propose_edit  editing a.py, b.py  120 tokens  $0.5000  2.5s"
    view(ToolFinished(3, "propose_edit", False, ("c.py",), ("a.py", "b.py", "c.py"), Spent(3, 100, 20)))
    view(StepStarted(4, Spent(3, 100, 20)))
    assert view.status().plain.startswith("step 4/9  asking the model  editing 3 files  120 tokens")
    view(TextStreamed("Renaming   the"))
    assert view.status().plain.endswith("2.5s\nRenaming the")
