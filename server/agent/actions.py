"""The agent's code actions as tasks: an action kind and where it applies in, the instruction out.

Editors carry only the action (``fix``, ``tests``, ``docstrings``, ``explain``) and its location
(with the diagnostic's message, or the enclosing symbol's kind and name); the instruction is
rendered here, on the server, from the versioned prompt files, so a prompt never travels to the
editor and back. ``path`` is the file as the model is shown it (workspace-relative).
"""

from __future__ import annotations

from dataclasses import dataclass

from server.agent.prompts import load_prompt

ACTIONS = ("fix", "tests", "docstrings", "explain")


@dataclass(frozen=True, slots=True)
class ActionInstruction:
    instruction: str
    run_tests: bool
    can_edit: bool


def action_instruction(
    action: str, path: str, line: int, *, message: str = "", kind: str = "", symbol: str = ""
) -> ActionInstruction:
    """The instruction for `action` at 1-based `line` of `path`; ValueError for an unknown action."""
    if action == "fix":
        text = load_prompt("action_fix").render(path=path, line=str(line), message=message)
        return ActionInstruction(text.strip(), run_tests=False, can_edit=True)
    if action == "tests":
        text = load_prompt("action_tests").render(path=path, kind=kind, symbol=symbol)
        return ActionInstruction(text.strip(), run_tests=True, can_edit=True)
    if action == "docstrings":
        return ActionInstruction(load_prompt("action_docstrings").render(path=path).strip(), False, True)
    if action == "explain":
        return ActionInstruction(load_prompt("action_explain").render(path=path).strip(), False, False)
    raise ValueError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
