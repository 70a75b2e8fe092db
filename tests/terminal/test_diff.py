from pathlib import Path

from rich.console import Console

from server.agent.plan import EditPlan, FileEdit
from server.terminal.diff import coloured_diff, plan_diff, print_diff


def edit(rel: str, old: str | None, new: str | None) -> FileEdit:
    return FileEdit(Path("/w") / rel, rel, None, "", old, new)


def test_plan_diff_is_git_style_for_change_create_and_delete() -> None:
    plan = EditPlan(
        (edit("a.py", "x = 1\ny = 2\n", "x = 1\ny = 3\n"), edit("new.py", None, "z = 0\n"), edit("old.py", "q\n", None))
    )
    text = plan_diff(plan)
    assert "--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n x = 1\n-y = 2\n+y = 3\n" in text
    assert "--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+z = 0\n" in text
    assert "--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-q\n" in text


def test_missing_final_newline_is_marked() -> None:
    text = plan_diff(EditPlan((edit("a.txt", "one", "two"),)))
    assert text.endswith("-one\n\\ No newline at end of file\n+two\n\\ No newline at end of file\n")


def test_colours_follow_the_line_kind() -> None:
    styled = coloured_diff("--- a/x\n+++ b/x\n@@ -1 +1 @@\n-old\n+new\n same\n")
    styles = {styled.plain[span.start : span.end].strip(): str(span.style) for span in styled.spans}
    assert styles == {"--- a/x": "bold", "+++ b/x": "bold", "@@ -1 +1 @@": "cyan", "-old": "red", "+new": "green"}
    console = Console(record=True, width=40, force_terminal=False)
    print_diff(console, "+[bold]not markup[/bold]\n")
    assert console.export_text() == "+[bold]not markup[/bold]\n"
