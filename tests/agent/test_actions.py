"""server/agent/actions.py: a code action's kind and location become the agent's instruction."""

import pytest

from server.agent.actions import action_instruction


def test_each_action_renders_its_prompt() -> None:
    fix = action_instruction("fix", "shop/pricing.py", 6, message="missing return type")
    assert "line 6 of shop/pricing.py: missing return type" in fix.instruction
    assert (fix.run_tests, fix.can_edit) == (False, True)
    tests = action_instruction("tests", "shop/pricing.py", 4, kind="function", symbol="calc_total")
    assert "function `calc_total` in shop/pricing.py" in tests.instruction and tests.run_tests
    assert "docstrings" in action_instruction("docstrings", "a.py", 1).instruction
    explain = action_instruction("explain", "a.py", 1)
    assert "a.py" in explain.instruction and not explain.can_edit


def test_an_unknown_action_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        action_instruction("format-disk", "a.py", 1)
